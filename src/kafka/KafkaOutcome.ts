/**
 * How a Kafka message is settled — the same vocabulary as the JetStream adapter's outcomes:
 *
 * - `'ack'`: processed. Counts as settled; the partition's commit offset may pass it.
 * - `'nak'`: not processed; deliver it again now. `{ nak: ms }`: deliver it again after `ms`
 *   milliseconds (a finite number ≥ 0). Until it is settled by a later delivery it holds the
 *   partition's commit offset: a nak on offset 5 keeps 6..N uncommitted even if they finished.
 * - `'term'`: given up on (dead-lettered): the `deadLetter` callback, when configured, runs first;
 *   then it counts as settled and is never delivered again.
 *
 * Kafka has no per-message acknowledgement deadline, so there is no "in progress" outcome: the adapter
 * keeps the group session alive while handlers run.
 * @public
 */
export type KafkaOutcome = 'ack' | 'nak' | 'term' | { readonly nak: number };

/** The nak delay of an outcome in ms, or `undefined` when it is not a nak. @internal */
export function nakDelay(outcome: KafkaOutcome): number | undefined {
  if (outcome === 'nak') return 0;
  if (typeof outcome === 'object') return outcome.nak;
  return undefined;
}
