import type { OperatorFunction } from 'rxjs';
import { readBatchByLaneConfig, type BatchByLaneOptions } from './batchByLane.js';
import { runBatchByLane } from './internal/batch/BatchRun.js';
import type { BatchHandler, BatchSettlement } from './types.js';

/**
 * {@link batchByLane} for a source that already delivers arrays of messages — a broker's fetch batch
 * (a Kafka poll, a JetStream pull fetch) — regrouped by key into lanes with no per-message hand-off
 * through the Observable chain.
 *
 * ```text
 * source:       -p---q----|        p = [a,b,c], q = [d,e]; size 2
 * [a,c] lane x: -^-!               lane x full within p
 * [b,d] lane y: -----^-!           lane y full with q
 * [e] lane x:   ----------^-!      flushed at completion
 * output:       ---A---(BCD)(E|)   one settlement per message
 * ```
 *
 * @remarks
 * Keeps every guarantee of `source.pipe(concatAll(), batchByLane(options, handler))` — batches of one
 * lane in arrival order and never over `size`, one batch at a time per lane, the `concurrency` and
 * `maxInFlight` bounds, `maxWait`, the no-stall rule, positional settlement, errors and teardown, all
 * documented on {@link batchByLane} — but each array is regrouped inside the operator in one pass instead
 * of being emitted message by message through the chain. Input order is array order, then position in
 * the array; output is one settlement per message (not per array), in that order unless
 * `ordered: false`. The one observable difference: a lane that fills in the middle of an array is
 * started once the whole array has been regrouped (in the same synchronous step), not in the middle.
 *
 * `maxInFlight` still counts messages: an array is admitted message by message, and the part that does
 * not fit waits in the operator's queue (so at most one array beyond the bound is held when the source
 * is paced by the valve: with {@link pullFrom} the next array is read only once there is room again).
 * An empty array is a no-op; a source value that is not an array fails the output with a `TypeError`.
 *
 * @example
 * ```ts
 * // A pull consumer that yields fetch batches of up to 500 messages; ack or nak each one.
 * const valve = new Valve();
 * pullFrom(consumer.fetchBatches(500), valve).pipe(
 *   batchByLaneFromBatches({ key: (m) => m.subject, size: 100, maxWait: 20, concurrency: 16, maxInFlight: 2_000, valve },
 *     (msgs) => store.bulkWrite(msgs.map((m) => m.json()))),
 * ).subscribe((s) => (s.ok ? s.value.ack() : s.value.nak()));
 * ```
 * @param options - as for {@link batchByLane}.
 * @param handler - as for {@link batchByLane}.
 * @returns an operator taking arrays of messages and emitting one {@link BatchSettlement} per message.
 * @see {@link batchByLane}
 * @public
 */
export function batchByLaneFromBatches<T, K, R>(
  options: BatchByLaneOptions<T, K>,
  handler: BatchHandler<T, K, R>,
): OperatorFunction<readonly T[], BatchSettlement<T, K, R>> {
  return runBatchByLane(readBatchByLaneConfig('batchByLaneFromBatches', options, handler), true);
}
