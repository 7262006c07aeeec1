import { describe } from '../internal/validate.js';

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

/** `null` when `value` is a valid outcome, otherwise the reason it is not. @internal */
export function outcomeProblem(value: unknown): string | null {
  if (value === 'ack' || value === 'nak' || value === 'term') return null;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const delay = (value as { nak?: unknown }).nak;
    if (typeof delay === 'number' && delay >= 0 && delay !== Infinity && Object.keys(value).length === 1) return null;
    if ('nak' in value) return `{ nak } must be a finite number of milliseconds ≥ 0, got ${describe(delay)}`;
  }
  return `an outcome must be 'ack', 'nak', 'term' or { nak: delayMs }, got ${describe(value)}`;
}

/** Throws a TypeError/RangeError naming `where` when `value` is not a valid outcome. @internal */
export function checkOutcome(where: string, name: string, value: unknown): asserts value is JetStreamOutcome {
  const problem = outcomeProblem(value);
  if (problem === null) return;
  const isDelay = typeof value === 'object' && value !== null && 'nak' in value && typeof (value as { nak: unknown }).nak === 'number';
  throw new (isDelay ? RangeError : TypeError)(`${where}: ${name}: ${problem}`);
}

/** A readable form of an outcome, for messages. @internal */
export function formatOutcome(outcome: JetStreamOutcome): string {
  return typeof outcome === 'string' ? outcome : `nak(${outcome.nak} ms)`;
}
