import { asyncScheduler } from 'rxjs';
import type { OperatorFunction, SchedulerLike } from 'rxjs';
import { readFlowControl, type FlowControlOptions } from './flow/FlowControlOptions.js';
import { runBatchByLane, type BatchByLaneConfig } from './internal/batch/BatchRun.js';
import {
  checkBoolean,
  checkDuration,
  checkFunction,
  checkKnownOptions,
  checkOptions,
  checkPositiveInteger,
  checkScheduler,
  type KnownOptions,
} from './internal/validate.js';
import { readMonitor } from './internal/monitor/MonitorHub.js';
import type { BatchDiagnostic, BatchHandler, BatchSettlement, MonitorOptions } from './types.js';

/**
 * Options of {@link batchByLane} and {@link batchByLaneFromBatches}.
 * @public
 */
export interface BatchByLaneOptions<T, K> extends FlowControlOptions, MonitorOptions {
  /** Reads a message's key; one lane per distinct key (keys compared with `Map` key equality, SameValueZero). */
  key: (value: T) => K;
  /** A lane flushes when it holds `size` messages; a batch never has more. An integer ≥ 1. */
  size: number;
  /**
   * Milliseconds (scheduler time) from the first message buffered in an empty lane until the lane flushes
   * what it has. A number ≥ 0, or `Infinity` for no timer (the default: flush on `size`, on completion, or by
   * the no-stall rule).
   */
  maxWait?: number;
  /** Most handler calls running at once (one per lane at most). An integer ≥ 1 or `Infinity` (default). */
  concurrency?: number;
  /**
   * Most messages inside the operator: buffered in lanes, being handled, or settled and not yet emitted.
   * Further input waits under the pack's flow control. An integer ≥ 1 or `Infinity` (default).
   */
  maxInFlight?: number;
  /** `true` (default): settlements in input order. `false`: a batch's settlements as soon as it completes. */
  ordered?: boolean;
  /** Where `maxWait` timers run. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /**
   * Receives the operator's diagnostics — today only `surplusResults` (a handler returned more results
   * than its batch had messages; the surplus was ignored). Default: one `console.warn` per subscription.
   * A throwing callback fails the output.
   */
  onDiagnostic?: (diagnostic: BatchDiagnostic<K>) => void;
}

/**
 * Groups messages into per-key batches of at most `size`, hands each batch to `handler` (one call per
 * batch, several lanes at once, one batch at a time per lane), and settles every message by its own
 * result, positionally.
 *
 * ```text
 * source:       -abc---d--|        size 2, maxWait 4; the handler takes 2 frames
 * [a,c] lane x: ---^-!             flushed at size 2
 * [b] lane y:   ------^-!          flushed by maxWait (b arrived at 2)
 * [d] lane x:   ----------^-!      flushed at completion
 * output:       -----A--(BC)(D|)   one settlement per message, input order
 * ```
 *
 * @remarks
 * - **Batches.** A batch holds messages of one lane only, in arrival order, never more than `size`. A
 *   lane never has two batches in flight: a batch is settled before the lane's next batch is handed to
 *   the handler. Per-key order holds within and across batches.
 * - **Flushing.** A lane flushes when its oldest batch reaches `size`; when `maxWait` has passed since
 *   the first message entered its empty buffer (measured on `scheduler`; after a flush that left messages
 *   behind, the period restarts at the flush); when the source has completed and every queued message
 *   has been admitted (partial batches flush, nothing is left behind); or by the no-stall rule. A lane
 *   that is due while its previous batch runs, or while `concurrency` handler calls run, flushes as soon
 *   as it can; lanes get free slots in the order they became ready.
 * - **Bounds.** At most `concurrency` handler calls run at once. At most `maxInFlight` messages are inside
 *   the operator (buffered, being handled, or settled but not yet emitted); one more is admitted per
 *   settlement emitted. Input beyond that waits: with a `valve`, pull sources ({@link pullFrom}) are not
 *   read and pausable sources are paused; push sources queue (at O(1) per message; `maxQueued` caps the
 *   queue with a `QueueOverflowError`). Size `maxInFlight` to at least `size` × the lanes you expect to
 *   fill at once, or batches will be flushed partial.
 * - **Never stalls.** When the in-flight window is full, nothing is running and no lane is ready, the lane
 *   holding the oldest buffered message flushes its partial batch, so a full window always moves.
 * - **Positional results.** The result at index i settles message i. Too few results: the unmatched
 *   messages settle with `ok: false` and a {@link BatchResultCountError}, and the stream goes on. Too many:
 *   the surplus is ignored and reported to `onDiagnostic`; every message still settles once.
 * - **Output.** Exactly one settlement per message. `ordered: true`: in input order (a settled message
 *   waits for every earlier one). `ordered: false`: each batch's settlements as soon as it settles, in
 *   batch order (per-lane order is kept).
 * - **Handler results.** An array, a PromiseLike of one (treated as `from()` treats it: the first
 *   settlement counts, a `then` that throws errors the output), or an Observable whose first value is
 *   the array (it is unsubscribed, and so finalized, before that array is used).
 * - **Errors.** A handler that throws, rejects or errors, a throwing `key`, a result that is not an
 *   array, or a source error fails the output at once and tears everything down. Map per-message
 *   failures to results inside the handler instead (see docs/guides/operators.md, "Per-message failures").
 * - **Completion** after the source completed and every message was settled and emitted.
 * - **Teardown.** Unsubscribing (or an error) unsubscribes the source, cancels every `maxWait` timer,
 *   unsubscribes running handler Observables and aborts `context.signal` of running batches (not of the
 *   batch whose failure errored the output), and frees every lane. A signal read after that moment is
 *   already aborted. Every finalizer runs even if one throws; the errors reach whoever unsubscribed as
 *   one `UnsubscriptionError`, as in RxJS.
 * - **Re-entrancy.** A message the `key` function pushes into the source is admitted right after the
 *   message being keyed (with `batchByLaneFromBatches`, an array pushed meanwhile comes after the whole
 *   current array). A message pushed from a downstream `next` is admitted at once; batches start from
 *   the operator's loop, after that call returns. Nothing is lost and the bounds hold.
 * - **Memory.** A lane exists only while it has buffered or running messages: millions of distinct keys
 *   leave nothing behind.
 * - **Batched sources.** For a source that already delivers arrays (a broker's fetch batch) use
 *   {@link batchByLaneFromBatches}: the same operator without the per-message hand-off.
 *
 * @example
 * ```ts
 * // Upsert orders 100 at a time per customer, at most 8 bulk calls at once, at most 5,000 orders held;
 * // a customer's partial batch waits at most 50 ms. Settle each message by its own result.
 * orders$.pipe(
 *   batchByLane({ key: (o) => o.customerId, size: 100, maxWait: 50, concurrency: 8, maxInFlight: 5_000 },
 *     async (orders, customerId, { signal }) => {
 *       const outcome = await db.bulkUpsert(customerId, orders, { signal }); // one outcome per order
 *       return outcome.map((r) => (r.ok ? { ack: true } : { ack: false, reason: r.reason }));
 *     }),
 * ).subscribe((s) => (s.ok && s.result.ack ? s.value.ack() : s.value.nak()));
 * ```
 * @param options - `key`, `size` and optionally `maxWait`, `concurrency`, `maxInFlight`, `ordered`,
 *   `scheduler`, `onDiagnostic`, `valve`, `maxQueued`; validated when the operator is created.
 * @param handler - handles one batch of one lane: `(batch, lane, context)` returning one result per
 *   message (an array, a Promise of one, or an Observable of one).
 * @returns an operator emitting one {@link BatchSettlement} per message.
 * @see {@link batchByLaneFromBatches}, {@link (mapAsyncPartitioned:1)}
 * @public
 */
export function batchByLane<T, K, R>(
  options: BatchByLaneOptions<T, K>,
  handler: BatchHandler<T, K, R>,
): OperatorFunction<T, BatchSettlement<T, K, R>> {
  return runBatchByLane(readBatchByLaneConfig('batchByLane', options, handler), false);
}

const BATCH_BY_LANE_OPTIONS = {
  key: true,
  size: true,
  maxWait: true,
  concurrency: true,
  maxInFlight: true,
  ordered: true,
  scheduler: true,
  onDiagnostic: true,
  valve: true,
  maxQueued: true,
  monitor: true,
} as const satisfies Record<keyof BatchByLaneOptions<unknown, unknown>, true> & KnownOptions;

/**
 * Validates `batchByLane`'s arguments at creation time and applies the defaults (`concurrency` and
 * `maxInFlight` `Infinity`, `ordered` `true`, `asyncScheduler`, no `maxWait`).
 * @internal
 */
export function readBatchByLaneConfig<T, K, R>(
  operator: string,
  options: BatchByLaneOptions<T, K>,
  handler: BatchHandler<T, K, R>,
): BatchByLaneConfig<T, K, R> {
  checkOptions(operator, options);
  checkKnownOptions(operator, options, BATCH_BY_LANE_OPTIONS);
  const {
    key,
    size,
    maxWait,
    concurrency = Infinity,
    maxInFlight = Infinity,
    ordered = true,
    scheduler = asyncScheduler,
    onDiagnostic,
  } = options;
  checkFunction(operator, 'key', key);
  checkPositiveInteger(operator, 'size', size);
  if (maxWait !== undefined) checkDuration(operator, 'maxWait', maxWait, true);
  checkPositiveInteger(operator, 'concurrency', concurrency, true);
  checkPositiveInteger(operator, 'maxInFlight', maxInFlight, true);
  checkBoolean(operator, 'ordered', ordered);
  checkScheduler(operator, scheduler);
  if (onDiagnostic !== undefined) checkFunction(operator, 'onDiagnostic', onDiagnostic);
  checkFunction(operator, 'handler', handler);
  const { valve, maxQueued } = readFlowControl(operator, options);
  const monitor = readMonitor(operator, options.monitor);
  return {
    operator,
    key,
    size,
    maxWait: maxWait === Infinity ? undefined : maxWait,
    concurrency,
    maxInFlight,
    ordered,
    scheduler,
    onDiagnostic,
    handler,
    valve,
    maxQueued,
    monitor,
  };
}
