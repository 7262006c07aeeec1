import { from, Observable, ObservableInput, Observer, OperatorFunction, Subscriber } from 'rxjs';
import type { Valve } from '../flow/Valve.js';
import { Intake } from './Intake.js';
import { PartitionTable } from './PartitionTable.js';
import { Queue } from './Queue.js';
import { isPromiseLike } from './isPromiseLike.js';

/**
 * What `project` receives as its last argument: the element's position and a cancellation signal.
 * @public
 */
export interface ProjectContext {
  /** The element's 0-based position in the source (per subscription). */
  readonly index: number;
  /**
   * Aborted when the element's work is torn down before it completed: the output was unsubscribed, or
   * failed on another element. Hand it to `fetch` or any API that takes an `AbortSignal`. Created on
   * first access, so it costs nothing when unused.
   */
  readonly signal: AbortSignal;
}

/** Settings of one async-map operator, already validated. @internal */
export interface AsyncMapConfig<T, K, R> {
  operator: string;
  parallelism: number;
  /** `Infinity` when there is no per-key bound (`mapAsync`). */
  perKey: number;
  /** Reads an element's key; `null` when there are no keys (`mapAsync`). */
  key: ((value: T) => K) | null;
  /** Called as (value, key, context) — or (value, index, context) for `mapAsync`. */
  project: (value: T, keyOrIndex: any, context: ProjectContext) => ObservableInput<R>;
  ordered: boolean;
  valve: Valve | undefined;
  maxQueued: number;
}

/**
 * The machinery shared by `mapAsync`, `mapAsyncPartitioned` and `mapAsyncPartitionedUnordered`.
 * @internal
 */
export function runAsyncMap<T, K, R>(config: AsyncMapConfig<T, K, R>): OperatorFunction<T, R> {
  return (source) => new Observable<R>((subscriber) => new AsyncMapRun(config, subscriber).subscribeTo(source));
}

/**
 * One element inside the operator, from admission until it leaves. It is also the element's
 * {@link ProjectContext} and the observer of its inner, so the hot path allocates no closures.
 */
class Job<T, K, R> implements ProjectContext, Observer<R> {
  done = false;
  cancelled = false;
  /**
   * The work itself has finished (its Promise settled, or its inner errored) even if the operator has
   * not finished handling it: teardown triggered while handling it must not abort its signal.
   */
  settled = false;
  /** Values produced while not at the head of the output (ordered mode); `null` while streaming. */
  results: R[] | null = null;
  inner: Subscriber<R> | null = null;
  private controller: AbortController | null = null;

  constructor(
    private readonly run: AsyncMapRun<T, K, R>,
    readonly value: T,
    readonly key: K,
    readonly index: number,
  ) {}

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  next(value: R): void {
    if (!this.cancelled) this.run.onValue(this, value);
  }

  error(error: unknown): void {
    if (this.cancelled) return;
    this.settled = true;
    this.run.fail(error);
  }

  complete(): void {
    if (!this.cancelled) this.run.onComplete(this);
  }

  /** Tears down the work of a job that has not completed. */
  cancel(): void {
    if (this.done || this.cancelled) return;
    this.cancelled = true;
    this.inner?.unsubscribe();
    if (!this.settled) this.controller?.abort();
  }
}

/**
 * The state of one subscription: an {@link Intake} (the `parallelism` bound, the push-source queue and
 * the valve), a {@link PartitionTable} (the per-key bound), the held jobs in input order (ordered mode)
 * or the running ones (unordered mode, for teardown), and the jobs ready to start.
 *
 * Work that can cascade synchronously (an inner that completes during subscribe frees a slot, which
 * starts the next job, which completes...) runs in one loop, {@link AsyncMapRun.pump}, so a synchronous
 * burst of any size uses constant stack depth.
 */
class AsyncMapRun<T, K, R> {
  private readonly intake: Intake<T>;
  private readonly partitions: PartitionTable<K, Job<T, K, R>> | null;
  /** Ordered mode: every held job, in input order. */
  private readonly order: Queue<Job<T, K, R>> | null;
  /** Unordered mode: the running jobs (held jobs that are waiting are only in `partitions`). */
  private readonly running: Set<Job<T, K, R>> | null;
  private readonly ready = new Queue<Job<T, K, R>>();
  private readonly keyOf: ((value: T) => K) | null;
  private readonly project: AsyncMapConfig<T, K, R>['project'];
  private nextIndex = 0;
  private sourceDone = false;
  private pumping = false;
  private draining = false;

  constructor(
    config: AsyncMapConfig<T, K, R>,
    private readonly subscriber: Subscriber<R>,
  ) {
    this.intake = new Intake<T>(config.operator, config.parallelism, config.maxQueued, config.valve, (error) => this.fail(error));
    this.keyOf = config.key;
    this.project = config.project;
    this.partitions = config.key === null ? null : new PartitionTable<K, Job<T, K, R>>(config.perKey);
    this.order = config.ordered ? new Queue<Job<T, K, R>>() : null;
    this.running = config.ordered ? null : new Set<Job<T, K, R>>();
  }

  subscribeTo(source: Observable<T>): void {
    const upstream = new Subscriber<T>({
      next: (value) => this.onSourceValue(value),
      error: (error: unknown) => this.fail(error),
      complete: () => {
        this.sourceDone = true;
        this.pump();
      },
    });
    // Teardown is registered before subscribing: a synchronous source that makes a downstream `take(n)`
    // unsubscribe mid-emission must find `upstream` already closable (the synchronous firehose trap).
    this.subscriber.add(() => {
      upstream.unsubscribe();
      this.teardown();
    });
    source.subscribe(upstream);
  }

  fail(error: unknown): void {
    this.subscriber.error(error);
  }

  private onSourceValue(value: T): void {
    let admitted: boolean;
    try {
      admitted = this.intake.offer(value);
    } catch (overflow) {
      this.fail(overflow);
      return;
    }
    if (admitted) {
      this.admit(value);
      this.pump();
    }
  }

  private admit(value: T): void {
    const index = this.nextIndex++;
    let key: K;
    if (this.keyOf === null) key = index as unknown as K;
    else {
      try {
        key = this.keyOf(value);
      } catch (error) {
        this.fail(error);
        return;
      }
    }
    const job = new Job<T, K, R>(this, value, key, index);
    this.order?.push(job);
    if (this.partitions === null || this.partitions.arrive(key, job)) this.ready.push(job);
  }

  private start(job: Job<T, K, R>): void {
    let input: ObservableInput<R>;
    try {
      input = this.project(job.value, this.keyOf === null ? job.index : job.key, job);
    } catch (error) {
      this.fail(error);
      return;
    }
    this.running?.add(job);
    if (input instanceof Observable) {
      this.subscribeInner(job, input);
      return;
    }
    if (isPromiseLike<R>(input)) {
      // Fast path: no Observable or Subscriber per element for Promise-returning projects.
      input.then(
        (value) => {
          if (job.cancelled) return;
          job.settled = true; // a downstream unsubscribing on this value must not abort finished work
          job.next(value);
          job.complete();
        },
        (error: unknown) => job.error(error),
      );
      return;
    }
    let observable: Observable<R>;
    try {
      observable = from(input);
    } catch (error) {
      this.fail(error); // `from` rejects inputs that are not ObservableInput
      return;
    }
    this.subscribeInner(job, observable);
  }

  private subscribeInner(job: Job<T, K, R>, input: Observable<R>): void {
    // A Subscriber held before subscribing, so a synchronous inner can be stopped mid-emission.
    const inner = new Subscriber<R>(job);
    job.inner = inner;
    input.subscribe(inner);
  }

  onValue(job: Job<T, K, R>, value: R): void {
    const order = this.order;
    if (order === null || (job === order.peek() && job.results === null)) this.subscriber.next(value);
    else (job.results ??= []).push(value);
  }

  onComplete(job: Job<T, K, R>): void {
    job.done = true;
    job.inner = null;
    if (this.partitions !== null) {
      // Eager start: the key's slot frees at completion, not at emission; the key's next job starts
      // before this result is emitted (Akka's order of events).
      const next = this.partitions.finish(job.key);
      if (next !== undefined) {
        this.ready.push(next);
        this.pump();
        if (this.subscriber.closed) return;
      }
    }
    if (this.order === null) {
      this.running!.delete(job);
      this.intake.leave();
    } else if (job === this.order.peek()) this.drainHeads();
    this.pump();
  }

  /** Ordered mode: emits the head's buffered values and every completed job at the head. */
  private drainHeads(): void {
    const order = this.order;
    if (this.draining || order === null) return;
    this.draining = true;
    let head: Job<T, K, R> | undefined;
    while ((head = order.peek()) !== undefined) {
      const results = head.results;
      if (results !== null) {
        // Values arriving during these emissions (re-entrancy) are appended and emitted in turn.
        for (let i = 0; i < results.length; i++) {
          this.subscriber.next(results[i]);
          if (this.subscriber.closed) return;
        }
        head.results = null; // from now on the head streams its values directly
      }
      if (!head.done) break;
      order.shift();
      this.intake.leave();
    }
    this.draining = false;
  }

  /** Starts ready jobs and admits queued elements while there is room, then checks for completion. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    const { ready, intake, subscriber } = this;
    while (!subscriber.closed) {
      const job = ready.shift();
      if (job !== undefined) this.start(job);
      else if (intake.canTake()) this.admit(intake.take());
      else break;
    }
    this.pumping = false;
    if (this.sourceDone && intake.held === 0 && intake.queued === 0 && !subscriber.closed) subscriber.complete();
  }

  private teardown(): void {
    if (this.order !== null) for (const job of this.order) job.cancel();
    if (this.running !== null) for (const job of this.running) job.cancel();
    this.running?.clear();
    this.order?.clear();
    this.partitions?.clear();
    this.ready.clear();
    this.intake.dispose();
  }
}
