/**
 * The engine of `batchByLane` and `batchByLaneFromBatches`: one {@link BatchRun} per subscription,
 * written member for member like `AsyncMapRun`.
 *
 * Where a message waits, and why:
 *
 * | place                              | why                                                                  |
 * |------------------------------------|----------------------------------------------------------------------|
 * | `Intake` queue                     | beyond `maxInFlight` (a push source; capped by `maxQueued`)          |
 * | `Lane.head…tail` (`LaneBatch`)     | its batch fills up to `size`, or waits for maxWait, completion or the no-stall rule |
 * | `LaneTable.ready`                  | due; waits for a `concurrency` slot or for its lane's running batch  |
 * | `LaneTable.window` / `done`        | settled, behind an earlier message (ordered) or not yet handed out   |
 * @internal
 */
import { isObservable, Observable, type OperatorFunction, type SchedulerLike, type Subscriber } from 'rxjs';
import type { Valve } from '../../flow/Valve.js';
import type { BatchDiagnostic, BatchHandler, BatchSettlement } from '../../types.js';
import { Intake } from '../Intake.js';
import { isPromiseLike } from '../isPromiseLike.js';
import { operate, type Teardown } from '../operate.js';
import { Reentry } from '../Reentry.js';
import { runInner } from '../runInner.js';
import { describeValue } from '../validate.js';
import type { MonitorHub } from '../monitor/MonitorHub.js';
import { BatchProbe } from './BatchProbe.js';
import { LaneTable, type BatchOwner, type Lane, type LaneBatch } from './LaneTable.js';

/** Settings of one `batchByLane` operator, validated. @internal */
export interface BatchByLaneConfig<T, K, R> {
  operator: string;
  key: (value: T) => K;
  size: number;
  /** `undefined` when there is no timer. */
  maxWait: number | undefined;
  concurrency: number;
  maxInFlight: number;
  ordered: boolean;
  scheduler: SchedulerLike;
  onDiagnostic: ((diagnostic: BatchDiagnostic<K>) => void) | undefined;
  handler: BatchHandler<T, K, R>;
  valve: Valve | undefined;
  maxQueued: number;
  /** The `monitor` option; `undefined` (the hot path unchanged) when there is none. */
  monitor?: MonitorHub | undefined;
}

/**
 * The machinery of `batchByLane` (`arrays` false: one message per source value) and
 * `batchByLaneFromBatches` (`arrays` true: each source value is an array of messages, regrouped by key
 * without a per-message hand-off through the Observable chain).
 * @internal
 */
export function runBatchByLane<T, K, R>(config: BatchByLaneConfig<T, K, R>, arrays: false): OperatorFunction<T, BatchSettlement<T, K, R>>;
export function runBatchByLane<T, K, R>(
  config: BatchByLaneConfig<T, K, R>,
  arrays: true,
): OperatorFunction<readonly T[], BatchSettlement<T, K, R>>;
export function runBatchByLane<T, K, R>(
  config: BatchByLaneConfig<T, K, R>,
  arrays: boolean,
): OperatorFunction<T | readonly T[], BatchSettlement<T, K, R>> {
  return (source) =>
    new Observable<BatchSettlement<T, K, R>>((subscriber) => new BatchRun<T, K, R>(config, subscriber, arrays).subscribeTo(source));
}

/**
 * The state of one subscription: an {@link Intake} (the `maxInFlight` bound, the push-source queue, the
 * valve) and a {@link LaneTable} (lanes, batches, concurrency, ordering, the no-stall rule). It is the
 * owner every running batch reports to.
 *
 * Everything that can cascade synchronously (a synchronous handler settles, its settlements leave,
 * queued messages are admitted, a lane fills, the next batch runs...) happens in one loop,
 * {@link BatchRun.pump}, so a synchronous firehose of any length runs in constant stack depth.
 */
class BatchRun<T, K, R> implements BatchOwner<T, K, R> {
  private readonly operator: string;
  private readonly intake: Intake<T>;
  private readonly table: LaneTable<T, K, R>;
  private readonly keyOf: (value: T) => K;
  private readonly handler: BatchHandler<T, K, R>;
  private readonly maxInFlight: number;
  private readonly onDiagnostic: ((diagnostic: BatchDiagnostic<K>) => void) | undefined;
  /** Source values pushed by a key function (or while an array is regrouped), admitted after it. */
  private readonly reentry = new Reentry<T | readonly T[]>();
  private sourceDone = false;
  private pumping = false;
  private warned = false;
  /** Set only when a monitor watches this operator; every hook is behind a `null` check. */
  private readonly probe: BatchProbe<T, K, R> | null = null;

  constructor(
    config: BatchByLaneConfig<T, K, R>,
    private readonly subscriber: Subscriber<BatchSettlement<T, K, R>>,
    private readonly arrays: boolean,
  ) {
    const { operator, maxWait, scheduler } = config;
    this.operator = operator;
    this.keyOf = config.key;
    this.handler = config.handler;
    this.maxInFlight = config.maxInFlight;
    this.onDiagnostic = config.onDiagnostic;
    this.intake = new Intake<T>(operator, config.maxInFlight, config.maxQueued, config.valve, (error) => this.fail(error));
    this.table = new LaneTable<T, K, R>({
      operator,
      size: config.size,
      concurrency: config.concurrency,
      ordered: config.ordered,
      trackAge: config.maxInFlight !== Infinity,
      arm:
        maxWait === undefined
          ? undefined
          : (lane: Lane<T, K, R>) =>
              scheduler.schedule(() => {
                if (this.table.expire(lane)) this.pump();
              }, maxWait),
      owner: this,
    });
    if (config.monitor !== undefined) {
      this.probe = new BatchProbe<T, K, R>(config.monitor, operator, scheduler, this.intake, this.table, config.maxInFlight);
    }
  }

  subscribeTo(source: Observable<T | readonly T[]>): void {
    const upstream = operate<T | readonly T[]>(this.subscriber, {
      next: this.arrays ? (values) => this.onSourceArray(values) : (value) => this.onSourceValue(value as T),
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

  private onSourceValue(value: T): void {
    const reentry = this.reentry;
    // Pushed by a key function (or behind values that were): admitted after the message being keyed.
    if (reentry.busy || reentry.parked !== null) reentry.park(value);
    else this.accept(value);
  }

  private accept(value: T): void {
    const reentry = this.reentry;
    const admitted = this.offer(value);
    if (admitted && (this.admit(value) || this.intake.held >= this.maxInFlight || this.sourceDone)) this.pump();
    if (reentry.parked !== null) reentry.drain(this.handleParked);
  }

  /**
   * `batchByLaneFromBatches`: the whole array is regrouped before any batch of it starts, and before an
   * array that a key function pushes meanwhile (input order is array order, then position).
   */
  private onSourceArray(values: T | readonly T[]): void {
    const reentry = this.reentry;
    if (reentry.busy || reentry.parked !== null) reentry.park(values);
    else this.acceptArray(values);
  }

  private acceptArray(values: T | readonly T[]): void {
    const reentry = this.reentry;
    if (!Array.isArray(values)) {
      this.fail(new TypeError(`${this.operator}: the source must emit arrays of messages, got ${describeValue(values)}`));
      return;
    }
    let wake = false;
    for (let i = 0; i < values.length; i++) {
      const value = values[i] as T;
      const admitted = this.offer(value);
      if (admitted === undefined) return;
      if (admitted && this.admit(value)) wake = true;
      if (this.subscriber.closed) return;
    }
    if (wake || this.intake.held >= this.maxInFlight || this.sourceDone) this.pump();
    if (reentry.parked !== null) reentry.drain(this.handleParked);
  }

  /** Hands a parked source value in, as the source would have. */
  private readonly handleParked = (value: T | readonly T[]): void => {
    if (this.subscriber.closed) return;
    if (this.arrays) this.acceptArray(value);
    else this.accept(value as T);
  };

  /** `true`: admitted now; `false`: queued; `undefined`: the queue overflowed (the output failed). */
  private offer(value: T): boolean | undefined {
    try {
      const admitted = this.intake.offer(value);
      if (!admitted && this.probe !== null) this.probe.queued();
      return admitted;
    } catch (overflow) {
      this.fail(overflow);
      return undefined;
    }
  }

  /**
   * Computes the key and buffers the message; `true` when a lane became ready. What the key function
   * pushes into the source is parked, and handed in after this message (or after its array).
   */
  private admit(value: T): boolean {
    const reentry = this.reentry;
    let key: K;
    reentry.busy = true;
    try {
      key = this.keyOf(value);
    } catch (error) {
      reentry.busy = false;
      this.fail(error);
      return false;
    }
    reentry.busy = false;
    const ready = this.table.push(value, key);
    if (this.probe !== null) this.probe.admitted(key);
    return ready;
  }

  private start(batch: LaneBatch<T, K, R>): void {
    let output: ReturnType<BatchHandler<T, K, R>>;
    if (this.probe !== null) this.probe.started(batch);
    try {
      output = this.handler(batch.values, batch.key, batch);
    } catch (error) {
      batch.settled = true; // the batch that fails the output is not aborted
      this.fail(error);
      return;
    }
    if (Array.isArray(output)) batch.next(output);
    else if (isObservable(output) || isPromiseLike<readonly R[]>(output)) runInner(batch, output);
    else {
      batch.settled = true;
      this.fail(
        new TypeError(
          `${this.operator}: the handler must return an array, a Promise of an array or an Observable of one array, got ${describeValue(output)}`,
        ),
      );
    }
  }

  /** A running batch's results (its handler's array): validated, then settled positionally. */
  onResults(batch: LaneBatch<T, K, R>, results: unknown): void {
    if (this.subscriber.closed) return;
    if (!Array.isArray(results)) {
      this.fail(
        new TypeError(
          `${this.operator}: the handler's result for key ${describeValue(batch.key)} must be an array, got ${describeValue(results)}`,
        ),
      );
      return;
    }
    const expected = batch.count;
    if (results.length > expected && !this.reportSurplus(batch, expected, results.length)) return;
    this.table.settle(batch, results as readonly R[]);
    if (this.probe !== null) this.probe.settled(batch);
    this.pump();
  }

  onNoResults(batch: LaneBatch<T, K, R>): void {
    this.fail(
      new TypeError(
        `${this.operator}: the handler's Observable for key ${describeValue(batch.key)} completed without emitting the results array`,
      ),
    );
  }

  /** Too many results: reported to `onDiagnostic` (default: one warning per subscription). `false` when it threw (the output failed). */
  private reportSurplus(batch: LaneBatch<T, K, R>, expected: number, received: number): boolean {
    const diagnostic: BatchDiagnostic<K> = { kind: 'surplusResults', key: batch.key, expected, received };
    if (this.onDiagnostic !== undefined) {
      try {
        this.onDiagnostic(diagnostic);
      } catch (error) {
        this.fail(error);
        return false;
      }
    } else if (!this.warned) {
      this.warned = true;
      console.warn(
        `${this.operator}: the handler returned ${received} results for a batch of ${expected} for key ` +
          `${describeValue(batch.key)}; the surplus is ignored. Pass onDiagnostic to handle this (reported once per subscription).`,
      );
    }
    return true;
  }

  /** The whole scheduling policy, in priority order: emit, admit, finish the input, start, no-stall. */
  private pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    const { table, intake, subscriber } = this;
    while (!subscriber.closed) {
      const emitting = this.probe === null ? undefined : table.outputBatch();
      const settlement = table.takeOutput();
      if (settlement !== undefined) {
        intake.leave(); // state first: downstream may re-enter
        if (emitting !== undefined) this.probe!.emitted(emitting);
        subscriber.next(settlement);
        continue;
      }
      if (intake.canTake()) {
        if (this.probe !== null) this.probe.dequeued();
        this.admit(intake.take());
        if (this.reentry.parked !== null) this.reentry.drain(this.handleParked);
        continue;
      }
      if (this.sourceDone && !table.inputDone && intake.queued === 0) {
        table.finishInput();
        continue;
      }
      const batch = table.nextBatch();
      if (batch !== undefined) {
        this.start(batch);
        continue;
      }
      if (intake.held >= this.maxInFlight && table.stall()) continue;
      break;
    }
    this.pumping = false;
    this.checkComplete();
  }

  /** The one completion check: the source is done and nothing is held or waiting. */
  private checkComplete(): void {
    if (this.sourceDone && this.intake.drained && !this.subscriber.closed) this.subscriber.complete();
  }

  /** After the source was unsubscribed: timers cancelled, running batches torn down, lanes freed, the valve released. */
  private teardown(teardown: Teardown): void {
    this.table.dispose(teardown);
    this.intake.dispose();
    this.probe?.close();
  }
}
