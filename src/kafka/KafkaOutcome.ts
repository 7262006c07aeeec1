import { describe } from '../internal/validate.js';

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

/** `null` when `value` is a valid outcome, otherwise the reason it is not. @internal */
export function kafkaOutcomeProblem(value: unknown): string | null {
  if (value === 'ack' || value === 'nak' || value === 'term') return null;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const delay = (value as { nak?: unknown }).nak;
    if (typeof delay === 'number' && delay >= 0 && delay !== Infinity && Object.keys(value).length === 1) return null;
    if ('nak' in value) return `{ nak } must be a finite number of milliseconds ≥ 0, got ${describe(delay)}`;
  }
  return `an outcome must be 'ack', 'nak', 'term' or { nak: delayMs }, got ${describe(value)}`;
}

/** Throws a TypeError/RangeError naming `where` when `value` is not a valid outcome. @internal */
export function checkKafkaOutcome(where: string, name: string, value: unknown): asserts value is KafkaOutcome {
  const problem = kafkaOutcomeProblem(value);
  if (problem === null) return;
  const isDelay = typeof value === 'object' && value !== null && 'nak' in value && typeof (value as { nak: unknown }).nak === 'number';
  throw new (isDelay ? RangeError : TypeError)(`${where}: ${name}: ${problem}`);
}

/** The nak delay of an outcome in ms, or `undefined` when it is not a nak. @internal */
export function nakDelay(outcome: KafkaOutcome): number | undefined {
  if (outcome === 'nak') return 0;
  if (typeof outcome === 'object') return outcome.nak;
  return undefined;
}
