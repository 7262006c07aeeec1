import { Observable, Subscriber, type OperatorFunction } from 'rxjs';
import { checkOutcome, outcomeProblem, type Outcome } from '../broker/Outcome.js';
import { checkKnownOptions, checkOptions, describeValue, type KnownOptions } from '../internal/validate.js';
import type { JetStreamSettlement } from './consumeJetStream.js';
import type { JetStreamDelivery } from './JetStreamDelivery.js';

/**
 * Options of {@link settleBatchResults}.
 * @public
 */
export interface SettleBatchResultsOptions {
  /**
   * The outcome of a message the batch handler returned no result for (a `BatchResultCountError`
   * settlement) or an invalid result for. Default `'term'`: treated as poison, as a batch engine does;
   * the settlement carries the error, so it is never silent.
   */
  onMissing?: Outcome;
}

/**
 * What {@link settleBatchResults} reads: a `batchByLane` settlement of a JetStream delivery — the
 * handler's result for it (`ok: true`) or the reason there is none (`ok: false`, a `BatchResultCountError`).
 * @public
 */
export type JetStreamBatchResult<K> =
  | { readonly value: JetStreamDelivery; readonly key: K; readonly ok: true; readonly result: Outcome | undefined | void }
  | { readonly value: JetStreamDelivery; readonly key: K; readonly ok: false; readonly error: unknown };

const OPERATOR = 'settleBatchResults';
const SETTLE_BATCH_RESULTS_OPTIONS = { onMissing: true } as const satisfies Record<keyof SettleBatchResultsOptions, true> & KnownOptions;

/**
 * Settles the JetStream deliveries of `batchByLane` (or `batchByLaneFromBatches`) positionally: each
 * message with the outcome its batch handler returned for it.
 *
 * ```text
 * batchByLane:  {d1 ok 'ack'} {d2 ok {nak: 500}} {d3 ok 'term'} {d4 missing}
 * output:       d1 acked, d2 nak'd (500 ms), d3 terminated, d4 terminated (onMissing) with its error
 * ```
 *
 * @remarks
 * - A result `undefined` means `'ack'`. A delivery already settled (by the handler) is left alone and
 *   reported with its own outcome.
 * - A missing result (`ok: false`, `BatchResultCountError`) or a value that is not an outcome settles
 *   the message with `onMissing` (default `'term'`) and the settlement carries the error
 *   (`BatchResultCountError`, or a `TypeError` naming the value).
 * - One {@link JetStreamSettlement} out per settlement in; errors, completion and teardown pass through.
 * - Use `batchByLane({ ordered: false, … })` so a batch is acked as soon as it is done (JetStream acks
 *   are per message; input order buys nothing here), and give it the same `valve` as
 *   {@link fromJetStream}, with `maxInFlight` ≤ the source's `window`.
 *
 * @example
 * ```ts
 * const valve = new Valve();
 * fromJetStream(consumer, { window: 2_000, valve, stop })
 *   .pipe(
 *     batchByLane({ key: (d) => d.subject, size: 100, maxWait: 20, concurrency: 8, maxInFlight: 2_000, ordered: false, valve },
 *       async (batch) => (await db.bulkUpsert(batch.map((d) => d.json()))).map((r) => (r.ok ? 'ack' : 'term'))),
 *     settleBatchResults(),
 *   )
 *   .subscribe();
 * ```
 * @param options - `onMissing`; validated when called.
 * @returns an operator that reads `batchByLane` settlements ({@link JetStreamBatchResult}), settles each
 *   delivery and emits its {@link JetStreamSettlement}.
 * @public
 */
export function settleBatchResults<K>(
  options: SettleBatchResultsOptions = {},
): OperatorFunction<JetStreamBatchResult<K>, JetStreamSettlement<K>> {
  checkOptions(OPERATOR, options);
  checkKnownOptions(OPERATOR, options, SETTLE_BATCH_RESULTS_OPTIONS);
  const { onMissing = 'term' } = options;
  checkOutcome(OPERATOR, 'onMissing', onMissing);

  return (source) =>
    new Observable<JetStreamSettlement<K>>((subscriber) => {
      const upstream = new Subscriber<JetStreamBatchResult<K>>({
        next: (settlement) => {
          const delivery = settlement.value;
          let outcome: Outcome = onMissing;
          let error: unknown;
          if (!settlement.ok) {
            error = settlement.error;
          } else if (settlement.result === undefined) {
            outcome = 'ack';
          } else {
            const problem = outcomeProblem(settlement.result);
            if (problem === null) outcome = settlement.result as Outcome;
            else error = new TypeError(`${OPERATOR}: the batch handler's result for a message is not an outcome: ${problem}`);
          }
          if (typeof delivery !== 'object' || delivery === null || typeof (delivery as JetStreamDelivery).settle !== 'function') {
            subscriber.error(
              new TypeError(`${OPERATOR}: expected settlements of JetStream deliveries, got a value ${describeValue(delivery)}`),
            );
            return;
          }
          try {
            if (!delivery.settled) delivery.settle(outcome);
          } catch (settleError) {
            subscriber.error(settleError);
            return;
          }
          subscriber.next({ delivery, key: settlement.key, outcome: delivery.outcome!, error });
        },
        error: (error: unknown) => subscriber.error(error),
        complete: () => subscriber.complete(),
      });
      // Registered before subscribing, so a downstream `take(n)` stops a synchronous source mid-emission.
      subscriber.add(upstream);
      source.subscribe(upstream);
    });
}
