/**
 * The engine of `mapAsync`, `mapAsyncPartitioned` and `mapAsyncPartitionedUnordered`: one
 * {@link AsyncMapRun} per subscription.
 *
 * Where an element waits, and why:
 *
 * | place                          | why                                                                  |
 * |--------------------------------|----------------------------------------------------------------------|
 * | `Intake` queue                 | beyond `parallelism` or the adaptive limit (capped by `maxQueued`)   |
 * | `PartitionTable` waiting       | its key already runs `perKey` inners (latest-wins: at most one; a   |
 * |                                | newer element of the key supersedes it, see {@link AsyncMapRun.supersede}) |
 * | `AsyncMapRun.ready`            | may start; the pump starts it (flat stack)                           |
 * | `Job.results` in `order`       | done or streaming, but not at the head of the output (ordered only)  |
 * @internal
 */
import { asyncScheduler, Observable, type ObservableInput, type OperatorFunction, type Subscriber } from 'rxjs';
import type { OpenLimit } from '../../flow/limitRegistry.js';
import type { Valve } from '../../flow/Valve.js';
import type { ProjectContext, Superseded } from '../../types.js';
import { Intake } from '../Intake.js';
import type { MonitorHub } from '../monitor/MonitorHub.js';
import { operate, type Teardown } from '../operate.js';
import { Queue } from '../Queue.js';
import { Reentry } from '../Reentry.js';
import { runInner } from '../runInner.js';
import { checkedLimit } from '../validate.js';
import { Work } from '../Work.js';
import { AsyncMapProbe } from './AsyncMapProbe.js';
import { PartitionTable } from './PartitionTable.js';

/** Settings of one async-map operator, already validated. @internal */
export interface AsyncMapConfig<T, K, R> {
  operator: string;
  parallelism: number;
  /** Opens an adaptive limit that moves the bound between its min and max (`parallelism` is then its max). */
  openLimit: (() => OpenLimit) | null;
  /** `Infinity` when there is no per-key bound (`mapAsync`); ignored when `perKeyOf` is set. */
  perKey: number;
  /** The user's `perKey` function (its results are validated per call), or `null` for a fixed `perKey`. */
  perKeyOf: ((key: K) => number) | null;
  /** Latest-wins per key (`perKey` is 1): a newer element of a key supersedes its waiting one. */
  latest: boolean;
  /** Latest-wins: told of every superseded element, synchronously. */
  onSuperseded: ((superseded: Superseded<T, K>) => void) | null;
  /** Reads an element's key; `null` when there are no keys (`mapAsync`). */
  key: ((value: T) => K) | null;
  /** Called as (value, key, context) — or (value, index, context) for `mapAsync`. */
  project: (value: T, keyOrIndex: any, context: ProjectContext) => ObservableInput<R>;
  ordered: boolean;
  valve: Valve | undefined;
  maxQueued: number;
  /** The `monitor` option; `undefined` (the hot path unchanged) when there is none. */
  monitor?: MonitorHub | undefined;
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
class Job<T, K, R> extends Work<R> implements ProjectContext {
  /** Completed and handled by the run (its values are all in). */
  done = false;
  /** Values produced while not at the head of the output (ordered mode); `null` while streaming. */
  results: R[] | null = null;
  /** Latest-wins: replaced by a newer element of its key before it started; it left the operator. */
  superseded = false;
  /** Scheduler time `project` was called; set only under an adaptive limit (no cost without one). */
  declare startedAt: number;

  constructor(
    private readonly run: AsyncMapRun<T, K, R>,
    readonly value: T,
    readonly key: K,
    readonly index: number,
  ) {
    super();
  }

  next(value: R): void {
    if (!this.cancelled) this.run.onValue(this, value);
  }

  error(error: unknown): void {
    if (this.cancelled) return;
    this.settled = true;
    this.run.failJob(this, error);
  }

  complete(): void {
    if (this.cancelled) return;
    this.settled = true;
    this.inner = null; // already torn down (InnerSubscriber), before its slot is reused
    this.run.onComplete(this);
  }

  resolve(value: R): void {
    this.next(value);
    this.complete();
  }
}

/**
 * The state of one subscription: an {@link Intake} (the `parallelism` bound, the push-source queue,
 * re-entrancy and the valve), a {@link PartitionTable} (the per-key bound), the held jobs in input order
 * (ordered mode) or the running ones (unordered mode, for teardown), and the jobs ready to start.
 *
 * Work that can cascade synchronously (an inner that completes during subscribe frees a slot, which
 * starts the next job, which completes...) runs in one loop, {@link AsyncMapRun.pump}, so a synchronous
 * burst of any size uses constant stack depth.
 */
class AsyncMapRun<T, K, R> {
  private readonly intake: Intake<T>;
  /** The adaptive limit of this subscription, or `null` with a fixed `parallelism`. */
  private readonly limit: OpenLimit | null;
  private readonly partitions: PartitionTable<K, Job<T, K, R>> | null;
  /** Ordered mode: every held job, in input order. */
  private readonly order: Queue<Job<T, K, R>> | null;
  /** Unordered mode: the running jobs (held jobs that are waiting are only in `partitions`). */
  private readonly running: Set<Job<T, K, R>> | null;
  private readonly ready = new Queue<Job<T, K, R>>();
  private readonly keyOf: ((value: T) => K) | null;
  private readonly project: AsyncMapConfig<T, K, R>['project'];
  /** Source values pushed by a key function, admitted after the element being keyed. */
  private readonly reentry = new Reentry<T>();
  /** Whether admitting a job calls user code besides `key` (a `perKey` function). */
  private readonly perKeyCalls: boolean;
  private readonly latest: boolean;
  private readonly onSuperseded: AsyncMapConfig<T, K, R>['onSuperseded'];
  /**
   * Latest-wins: the key and source position of each element queued in the intake, in its order, as
   * pairs of entries (keys are read, and positions given, at arrival).
   */
  private readonly entrance: Queue<unknown> | null;
  /**
   * Latest-wins: the newest element of each key queued in the intake (the older ones queued there are
   * superseded, and dropped without room when they reach the front).
   */
  private readonly entranceNewest: Map<K, { index: number; value: T }> | null;
  /** Ordered latest-wins: superseded jobs still in `order` (dropped at the head, or by compaction). */
  private supersededInOrder = 0;
  private nextIndex = 0;
  private sourceDone = false;
  private pumping = false;
  private draining = false;
  /** Set only when a monitor watches this operator; every hook below is behind a `null` check. */
  private readonly probe: AsyncMapProbe<K, Job<T, K, R>> | null = null;

  constructor(
    config: AsyncMapConfig<T, K, R>,
    private readonly subscriber: Subscriber<R>,
  ) {
    this.limit = config.openLimit === null ? null : config.openLimit();
    const bound = this.limit === null ? config.parallelism : this.limit.algorithm.limit;
    this.intake = new Intake<T>(config.operator, bound, config.maxQueued, config.valve, (error) => this.fail(error));
    this.keyOf = config.key;
    this.project = config.project;
    const perKeyOf = config.perKeyOf;
    this.perKeyCalls = perKeyOf !== null;
    this.partitions =
      config.key === null
        ? null
        : new PartitionTable<K, Job<T, K, R>>(config.perKey, perKeyOf && ((key) => checkedLimit(config.operator, key, perKeyOf(key))));
    this.latest = config.latest;
    this.onSuperseded = config.onSuperseded;
    this.entrance = config.latest ? new Queue<unknown>() : null;
    this.entranceNewest = config.latest ? new Map<K, { index: number; value: T }>() : null;
    this.order = config.ordered ? new Queue<Job<T, K, R>>() : null;
    this.running = config.ordered ? null : new Set<Job<T, K, R>>();
    if (config.monitor !== undefined) {
      const tables = { intake: this.intake, partitions: this.partitions, order: this.order, running: this.running, ready: this.ready };
      this.probe = new AsyncMapProbe(config.monitor, config.operator, asyncScheduler, { ...tables, bound: config.parallelism });
    }
  }

  subscribeTo(source: Observable<T>): void {
    const upstream = operate<T>(this.subscriber, {
      next: (value) => this.onSourceValue(value),
      error: (error) => this.fail(error),
      complete: () => {
        this.sourceDone = true;
        this.pump();
      },
      finalize: (teardown) => this.teardown(teardown),
    });
    source.subscribe(upstream);
  }

  fail(error: unknown): void {
    this.subscriber.error(error);
  }

  /** The work of `job` failed: a drop for the adaptive limit, then the output fails as always. */
  failJob(job: Job<T, K, R>, error: unknown): void {
    if (this.limit !== null) this.sample(job, true);
    this.fail(error);
  }

  /** Feeds the adaptive limit one sample and moves the intake's bound to its new value. */
  private sample(job: Job<T, K, R>, dropped: boolean): void {
    const { algorithm, scheduler } = this.limit!;
    const before = algorithm.limit;
    algorithm.onSample({ startedAt: job.startedAt, rtt: scheduler.now() - job.startedAt, inflight: this.intake.held, dropped });
    // Raised: the pump that follows every completion admits the elements the new room allows.
    if (algorithm.limit !== before) this.intake.setBound(algorithm.limit);
  }

  private onSourceValue(value: T): void {
    const reentry = this.reentry;
    // Pushed by a key function (or behind values that were): admitted after the element being keyed.
    if (reentry.busy || reentry.parked !== null) reentry.park(value);
    else this.accept(value);
  }

  private accept(value: T): void {
    if (this.latest) {
      this.acceptLatest(value);
      return;
    }
    let admitted: boolean;
    try {
      admitted = this.intake.offer(value);
    } catch (overflow) {
      this.fail(overflow);
      return;
    }
    if (admitted) {
      const job = this.admit(value);
      if (job !== undefined) this.ready.push(job);
      if (this.reentry.parked !== null) this.reentry.drain(this.acceptParked);
      this.pump();
    } else if (this.probe !== null) this.probe.queued();
  }

  /**
   * Makes the job of an admitted element and registers it (output order, its key's bound). Returns it when
   * it may start now, or `undefined` when it waits for its key or the key function failed (the output is
   * then closed). The caller starts it or queues it in `ready`, then admits the values a key function
   * pushed meanwhile (`reentry.parked`), behind it.
   */
  private admit(value: T): Job<T, K, R> | undefined {
    const index = this.nextIndex++;
    const key = this.keyOf === null ? (index as unknown as K) : this.readKey(value);
    if (this.subscriber.closed) return undefined; // the key function failed
    const job = new Job<T, K, R>(this, value, key, index);
    if (this.probe !== null) this.probe.admitted(job);
    this.order?.push(job);
    const startsNow = this.partitions === null || (this.perKeyCalls ? this.arriveCalling(key, job) : this.partitions.arrive(key, job));
    return startsNow ? job : undefined;
  }

  /** `partitions.arrive` when it calls the user's `perKey` function: guarded like `key`; `false` if it failed. */
  private arriveCalling(key: K, job: Job<T, K, R>): boolean {
    const reentry = this.reentry;
    reentry.busy = true;
    try {
      return this.partitions!.arrive(key, job);
    } catch (error) {
      this.fail(error);
      return false;
    } finally {
      reentry.busy = false;
    }
  }

  /**
   * Latest-wins: an element arrives from the source. Its key is read now (not at admission), so that it
   * can supersede at once the newest element of its key that waits, wherever it waits:
   * - queued in the intake (beyond `parallelism`): this element queues behind everything (input order)
   *   and the older one is superseded there — it is dropped, without room, when it reaches the front;
   * - in the key's waiting slot in the window: this element takes its place (and its room) at once —
   *   unordered always, ordered only while nothing is queued in the intake (the elements queued there come
   *   first in the output; this element queues behind them and supersedes when it reaches the front).
   * Otherwise it is offered to the intake like any element.
   */
  private acceptLatest(value: T): void {
    const index = this.nextIndex++;
    const key = this.readKey(value);
    if (this.subscriber.closed) return; // the key function failed
    const newest = this.entranceNewest!;
    const queued = newest.get(key);
    let waiting: Job<T, K, R> | undefined;
    // Ordered: not past elements queued in the intake, whose results come first (they collapse at the front).
    const mayPass = queued === undefined && (this.order === null || this.intake.queued === 0);
    if (mayPass && (waiting = this.partitions!.waitingOf(key)) !== undefined) this.supersede(waiting, value, key, index);
    else {
      let admitted: boolean;
      try {
        admitted = this.intake.offer(value); // with an element of the key queued, the queue is not empty: it queues
      } catch (overflow) {
        this.fail(overflow);
        return;
      }
      if (admitted) this.place(value, key, index);
      else {
        if (this.probe !== null) this.probe.queued();
        this.entrance!.push(key);
        this.entrance!.push(index);
        if (queued === undefined) newest.set(key, { index, value });
        else {
          const old = queued.value;
          queued.index = index;
          queued.value = value;
          this.report(old, key, value);
        }
      }
    }
    if (this.reentry.parked !== null) this.reentry.drain(this.acceptParked);
    this.pump();
  }

  /**
   * Latest-wins: takes the oldest element queued in the intake. Superseded while queued: it is dropped
   * (it was reported then). Else, if its key has an element waiting in the window, it supersedes that one
   * (one in, one out: the room taken is given back at once); else it is placed.
   */
  private admitLatest(): void {
    const value = this.intake.take();
    const entrance = this.entrance!;
    const key = entrance.shift() as K;
    const index = entrance.shift() as number;
    const newest = this.entranceNewest!;
    if (newest.get(key)!.index !== index) {
      this.intake.leave();
      if (this.probe !== null) this.probe.dropped();
      return;
    }
    newest.delete(key);
    const waiting = this.partitions!.waitingOf(key);
    if (waiting !== undefined) {
      this.intake.leave(); // the superseded element's place
      this.supersede(waiting, value, key, index);
    } else this.place(value, key, index);
    if (this.reentry.parked !== null) this.reentry.drain(this.acceptParked);
  }

  /** Latest-wins: whether the oldest element queued in the intake leaves it without room (superseded, or superseding). */
  private entranceHeadNeedsNoRoom(): boolean {
    if (this.intake.queued === 0) return false;
    const entrance = this.entrance!;
    const key = entrance.peek() as K;
    return this.entranceNewest!.get(key)!.index !== entrance.at(1) || this.partitions!.waitingOf(key) !== undefined;
  }

  /** The key of an element, read with re-entrancy guarded; the output fails if it throws (check `closed`). */
  private readKey(value: T): K {
    const reentry = this.reentry;
    reentry.busy = true;
    let key: K;
    // No `finally`: its bytecode would make this too big to inline into the per-element path.
    try {
      key = this.keyOf!(value);
    } catch (error) {
      reentry.busy = false;
      this.fail(error);
      return undefined as K;
    }
    reentry.busy = false;
    return key;
  }

  /** Latest-wins: a job for an admitted element whose key was read at arrival. */
  private place(value: T, key: K, index: number): void {
    const job = new Job<T, K, R>(this, value, key, index);
    if (this.probe !== null) this.probe.admitted(job);
    this.order?.push(job);
    if (this.partitions!.arrive(key, job)) this.ready.push(job);
  }

  /**
   * Latest-wins: the element `value` of `key` takes the waiting slot of `old`, which never started: `old`
   * leaves the operator now (its place in the window passes to `value`), produces no result and is reported
   * to `onSuperseded`. In ordered mode the new job goes to the end of the output order (input order among
   * the elements that run); `old` stays in `order` as a mark skipped at the head, and the marks are
   * compacted away when they outnumber the live jobs, so `order` stays within about twice `parallelism`.
   */
  private supersede(old: Job<T, K, R>, value: T, key: K, index: number): void {
    const job = new Job<T, K, R>(this, value, key, index);
    this.partitions!.replaceWaiting(key, job);
    old.superseded = true;
    if (this.probe !== null) this.probe.superseded(old, job);
    const order = this.order;
    if (order !== null) {
      order.push(job);
      if (++this.supersededInOrder > 16 && this.supersededInOrder * 2 > order.size) {
        order.retain(isLive);
        this.supersededInOrder = 0;
      }
    }
    this.report(old.value, key, value);
  }

  /** Latest-wins: tells `onSuperseded` (guarded like `key`; a throw errors the output). */
  private report(value: T, key: K, by: T): void {
    const onSuperseded = this.onSuperseded;
    if (onSuperseded === null) return;
    const reentry = this.reentry;
    reentry.busy = true;
    try {
      onSuperseded({ value, key, by });
    } catch (error) {
      this.fail(error);
    } finally {
      reentry.busy = false;
    }
  }

  private readonly acceptParked = (value: T): void => {
    if (!this.subscriber.closed) this.accept(value);
  };

  private start(job: Job<T, K, R>): void {
    // Registered before project runs, so a teardown that project causes reaches the job.
    this.running?.add(job);
    if (this.limit !== null) job.startedAt = this.limit.scheduler.now();
    if (this.probe !== null) this.probe.started(job);
    let input: ObservableInput<R>;
    try {
      input = this.project(job.value, this.keyOf === null ? job.index : job.key, job);
    } catch (error) {
      job.settled = true; // the job that fails the output is not aborted
      this.failJob(job, error);
      return;
    }
    runInner(job, input);
  }

  onValue(job: Job<T, K, R>, value: R): void {
    const order = this.order;
    if (order === null || (job === order.peek() && job.results === null)) this.subscriber.next(value);
    else (job.results ??= []).push(value);
  }

  onComplete(job: Job<T, K, R>): void {
    job.done = true;
    if (this.limit !== null) this.sample(job, false);
    if (this.probe !== null) this.probe.settled(job);
    let next: Job<T, K, R> | undefined;
    // Eager start: the key's slot frees at completion, not at emission; the key's next job starts
    // before this result is emitted (Akka's order of events).
    if (this.partitions !== null && (next = this.partitions.finish(job.key)) !== undefined) {
      this.ready.push(next);
      this.pump();
    }
    if (!this.subscriber.closed) {
      if (this.order === null) {
        this.running!.delete(job);
        this.intake.leave();
        if (this.probe !== null) this.probe.emitted(job);
      } else if (job === this.order.peek()) {
        if (job.results === null && !this.draining) this.leaveHead(job);
        else this.drainHeads();
      }
      this.pump();
    }
  }

  /**
   * Ordered mode: the head `job` completed having streamed its values (the common case): it leaves, and
   * {@link AsyncMapRun.drainHeads} runs only if the new head has something to emit.
   */
  private leaveHead(job: Job<T, K, R>): void {
    const order = this.order!;
    order.shift();
    this.intake.leave();
    if (this.probe !== null) this.probe.emitted(job);
    const head = order.peek();
    if (head !== undefined && (head.done || head.results !== null || head.superseded)) this.drainHeads();
  }

  /** Ordered mode: emits the head's buffered values and every completed job at the head. */
  private drainHeads(): void {
    const order = this.order;
    if (this.draining || order === null) return;
    this.draining = true;
    let head: Job<T, K, R> | undefined;
    while ((head = order.peek()) !== undefined) {
      if (head.superseded) {
        order.shift(); // it left when it was superseded
        this.supersededInOrder--;
        continue;
      }
      if (head.results !== null && !this.emitHeld(head)) return; // the output closed meanwhile
      if (!head.done) break;
      order.shift();
      this.intake.leave();
      if (this.probe !== null) this.probe.emitted(head);
    }
    this.draining = false;
  }

  /**
   * Ordered mode: emits the values `head` produced before it reached the head (kept out of
   * {@link AsyncMapRun.drainHeads}, which stays small enough to inline). `false` if the output closed meanwhile.
   */
  private emitHeld(head: Job<T, K, R>): boolean {
    const results = head.results!;
    // Values arriving during these emissions (re-entrancy) are appended and emitted in turn.
    for (let i = 0; i < results.length; i++) {
      this.subscriber.next(results[i]);
      if (this.subscriber.closed) return false;
    }
    head.results = null; // from now on the head streams its values directly
    return true;
  }

  /** Starts ready jobs and admits waiting elements while there is room, then checks for completion. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    const { ready, intake, subscriber } = this;
    while (!subscriber.closed) {
      let job = ready.shift();
      if (job !== undefined) this.start(job);
      else if (intake.canTake()) {
        if (this.probe !== null) this.probe.dequeued();
        if (this.latest) this.admitLatest();
        else {
          job = this.admit(intake.take());
          // `ready` is empty: the admitted job starts at once, without a trip through `ready`, unless a key
          // function pushed values meanwhile: then it queues, and they are admitted behind it first.
          if (this.reentry.parked !== null) {
            if (job !== undefined) ready.push(job);
            this.reentry.drain(this.acceptParked);
          } else if (job !== undefined) this.start(job);
        }
      } else if (this.latest && this.entranceHeadNeedsNoRoom()) {
        if (this.probe !== null) this.probe.dequeued();
        this.admitLatest();
      } else break;
    }
    this.pumping = false;
    this.checkComplete();
  }

  /** The one completion check: the source is done and nothing is held or waiting. */
  private checkComplete(): void {
    if (this.sourceDone && this.intake.drained && !this.subscriber.closed) this.subscriber.complete();
  }

  /** After the source was unsubscribed: every job's work torn down, every structure freed, the valve released. */
  private teardown(teardown: Teardown): void {
    teardown.cancelEach(this.order);
    teardown.cancelEach(this.running);
    this.running?.clear();
    this.order?.clear();
    this.partitions?.clear();
    this.ready.clear();
    this.entrance?.clear();
    this.entranceNewest?.clear();
    this.intake.dispose();
    this.probe?.close();
  }
}

function isLive(job: { superseded: boolean }): boolean {
  return !job.superseded;
}
