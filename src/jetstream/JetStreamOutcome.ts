/**
 * How a JetStream delivery is settled — the same vocabulary as the Kafka adapter's outcomes:
 *
 * - `'ack'`: processed. The server forgets the message for this consumer.
 * - `'nak'`: not processed; deliver it again now. `{ nak: ms }`: deliver it again after `ms`
 *   milliseconds (a finite number ≥ 0).
 * - `'term'`: given up on (dead-lettered): never delivered again to this consumer. The server publishes
 *   a `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED` advisory you can route to a dead-letter stream. No
 *   reason text is sent: nats-server 2.9 ignores a `+TERM` that carries one and redelivers the message.
 *
 * "In progress" is not an outcome: `delivery.working()` (or `delivery.keepAlive()`) extends the ack
 * deadline without settling.
 * @public
 */
export type JetStreamOutcome = 'ack' | 'nak' | 'term' | { readonly nak: number };

/** A readable form of an outcome, for messages. @internal */
export function formatOutcome(outcome: JetStreamOutcome): string {
  return typeof outcome === 'string' ? outcome : `nak(${outcome.nak} ms)`;
}
