import { from, Observable, ObservableInput, OperatorFunction, Subscriber } from 'rxjs';
import type { Valve } from '../flow/Valve.js';
import { Intake } from './Intake.js';
import { PartitionTable } from './PartitionTable.js';
import { Queue } from './Queue.js';

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
  perPartition: number;
  /** `null` when there is no partitioning (`mapAsync`). */
  partitioner: ((value: T) => K) | null;
  /** Called as (value, partition, context) — or (value, index, context) for `mapAsync`. */
  project: (value: T, keyOrIndex: any, context: ProjectContext) => ObservableInput<R>;
  ordered: boolean;
  valve: Valve | undefined;
  maxQueued: number;
}

/**
 * One element inside the operator, from admission until it leaves. It doubles as the element's
 * {@link ProjectContext}, so the hot path allocates one object per element.
 */
class Job<T, K, R> implements ProjectContext {
  done = false;
  cancelled = false;
  /** Values produced while not at the head of the output (ordered mode); `null` while streaming. */
  results: R[] | null = null;
  inner: Subscriber<R> | null = null;
  private controller: AbortController | null = null;

  constructor(
    readonly value: T,
    readonly key: K,
    readonly index: number,
  ) {}

  get signal(): AbortSignal {
    return (this.controller ??= new AbortController()).signal;
  }

  cancel(): void {
    this.cancelled = true;
    this.inner?.unsubscribe();
    this.controller?.abort();
  }
}

function isPromiseLike<R>(value: unknown): value is PromiseLike<R> {
  return value instanceof Promise || (typeof value === 'object' && value !== null && typeof (value as PromiseLike<R>).then === 'function');
}

/**
 * The machinery shared by `mapAsync`, `mapAsyncPartitioned` and `mapAsyncPartitionedUnordered`.
 *
 * Per subscription: an {@link Intake} (the `parallelism` bound, the push-source queue and the valve), a
 * {@link PartitionTable} (the per-key bound), the held jobs in input order (ordered mode), the jobs
 * ready to start, and the running jobs (for teardown). Work that can cascade synchronously (an inner
 * that completes during subscribe frees a slot, which starts the next job, which completes...) runs in
 * one loop, {@link pump}, so a synchronous burst of any size uses constant stack depth.
 * @internal
 */
export function runAsyncMap<T, K, R>(config: AsyncMapConfig<T, K, R>): OperatorFunction<T, R> {
  const { operator, parallelism, perPartition, partitioner, project, ordered, valve, maxQueued } = config;

  return (source) =>
    new Observable<R>((subscriber) => {
      const intake = new Intake<T>(operator, parallelism, maxQueued, valve);
      const partitions = partitioner === null ? null : new PartitionTable<K, Job<T, K, R>>(perPartition);
      const order = ordered ? new Queue<Job<T, K, R>>() : null;
      const ready = new Queue<Job<T, K, R>>();
      const running = new Set<Job<T, K, R>>();
      let nextIndex = 0;
      let sourceDone = false;
      let pumping = false;
      let draining = false;

      const fail = (error: unknown): void => subscriber.error(error);

      const admit = (value: T): void => {
        const index = nextIndex++;
        let key: K;
        if (partitioner === null) key = index as unknown as K;
        else {
          try {
            key = partitioner(value);
          } catch (error) {
            fail(error);
            return;
          }
        }
        const job = new Job<T, K, R>(value, key, index);
        order?.push(job);
        if (partitions === null || partitions.arrive(key, job)) ready.push(job);
      };

      const start = (job: Job<T, K, R>): void => {
        let input: ObservableInput<R>;
        try {
          input = project(job.value, partitioner === null ? job.index : job.key, job);
        } catch (error) {
          fail(error);
          return;
        }
        running.add(job);
        if (isPromiseLike<R>(input)) {
          // Fast path: no Observable or Subscription per element for Promise-returning projects.
          input.then(
            (value) => {
              if (job.cancelled) return;
              onValue(job, value);
              onComplete(job);
            },
            (error) => {
              if (!job.cancelled) fail(error);
            },
          );
          return;
        }
        // A Subscriber we hold before subscribing, so a synchronous inner can be stopped mid-emission.
        const inner = new Subscriber<R>({
          next: (value) => onValue(job, value),
          error: fail,
          complete: () => onComplete(job),
        });
        job.inner = inner;
        try {
          from(input).subscribe(inner);
        } catch (error) {
          fail(error); // `from` rejects inputs that are not ObservableInput
        }
      };

      const onValue = (job: Job<T, K, R>, value: R): void => {
        if (order === null || (job === order.peek() && job.results === null)) subscriber.next(value);
        else (job.results ??= []).push(value);
      };

      const onComplete = (job: Job<T, K, R>): void => {
        job.done = true;
        job.inner = null;
        running.delete(job);
        if (partitions !== null) {
          // Eager start: the key's slot is free now, at completion, not at emission; the next job of the
          // key starts before this result is emitted (Akka's order of events).
          const next = partitions.finish(job.key);
          if (next !== undefined) {
            ready.push(next);
            pump();
            if (subscriber.closed) return;
          }
        }
        if (order === null) intake.leave();
        else if (job === order.peek()) drainHeads();
        pump();
      };

      /** Ordered mode: emits the head's buffered values and every completed job at the head. */
      const drainHeads = (): void => {
        if (draining || order === null) return;
        draining = true;
        let head: Job<T, K, R> | undefined;
        while ((head = order.peek()) !== undefined) {
          const results = head.results;
          if (results !== null) {
            // Values arriving during these emissions (re-entrancy) are appended and emitted in turn.
            for (let i = 0; i < results.length; i++) {
              subscriber.next(results[i]);
              if (subscriber.closed) return;
            }
            head.results = null; // from now on the head streams its values directly
          }
          if (!head.done) break;
          order.shift();
          intake.leave();
        }
        draining = false;
      };

      const pump = (): void => {
        if (pumping) return;
        pumping = true;
        while (!subscriber.closed) {
          const job = ready.shift();
          if (job !== undefined) start(job);
          else if (intake.canTake()) admit(intake.take());
          else break;
        }
        pumping = false;
        if (sourceDone && intake.held === 0 && intake.queued === 0 && !subscriber.closed) subscriber.complete();
      };

      const upstream = new Subscriber<T>({
        next: (value) => {
          let admitted: boolean;
          try {
            admitted = intake.offer(value);
          } catch (overflow) {
            fail(overflow);
            return;
          }
          if (admitted) {
            admit(value);
            pump();
          }
        },
        error: fail,
        complete: () => {
          sourceDone = true;
          pump();
        },
      });
      // Teardown is registered before subscribing: a synchronous source that makes a downstream
      // `take(n)` unsubscribe mid-emission must find `upstream` already closable (the firehose trap).
      subscriber.add(() => {
        upstream.unsubscribe();
        for (const job of running) job.cancel();
        running.clear();
        partitions?.clear();
        order?.clear();
        ready.clear();
        intake.dispose();
      });
      source.subscribe(upstream);
    });
}
