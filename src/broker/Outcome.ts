import { describeValue } from '../internal/validate.js';

/**
 * How a broker delivery is settled — one vocabulary for both adapters (`rxjs-lanes/jetstream`,
 * `rxjs-lanes/kafka`) and the `CommitTracker`:
 *
 * - `'ack'`: processed. JetStream: the server forgets the message for this consumer. Kafka: it counts as
 *   settled; the partition's commit offset may pass it.
 * - `'nak'`: not processed; deliver it again now. `{ nak: delay }`: deliver it again after `delay`
 *   milliseconds (a finite number ≥ 0). Kafka: until a later delivery settles it, it holds the
 *   partition's commit offset (a nak on offset 5 keeps 6..N uncommitted even if they finished).
 * - `'term'`: given up on (dead-lettered): never delivered again. JetStream: the server publishes a
 *   `$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED` advisory (no reason text is sent: nats-server 2.9
 *   ignores a `+TERM` that carries one). Kafka: the `deadLetter` callback, when configured, runs first.
 *
 * "In progress" is not an outcome: JetStream's `delivery.working()` (or `keepAlive()`) extends the ack
 * deadline without settling; Kafka has no per-message deadline (the adapter keeps the group session
 * alive while handlers run).
 * @public
 */
export type Outcome = 'ack' | 'nak' | 'term' | { readonly nak: number };

/** `null` when `value` is a valid outcome, otherwise the reason it is not. */
export function outcomeProblem(value: unknown): string | null {
  if (value === 'ack' || value === 'nak' || value === 'term') return null;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const delay = (value as { nak?: unknown }).nak;
    if (typeof delay === 'number' && delay >= 0 && delay !== Infinity && Object.keys(value).length === 1) return null;
    if ('nak' in value) return `{ nak } must be a finite number of milliseconds ≥ 0, got ${describeValue(delay)}`;
  }
  return `an outcome must be 'ack', 'nak', 'term' or { nak: delay }, got ${describeValue(value)}`;
}

/** Throws a TypeError/RangeError naming `where` when `value` is not a valid outcome. */
export function checkOutcome(where: string, name: string, value: unknown): asserts value is Outcome {
  const problem = outcomeProblem(value);
  if (problem === null) return;
  const isDelay = typeof value === 'object' && value !== null && 'nak' in value && typeof (value as { nak: unknown }).nak === 'number';
  throw new (isDelay ? RangeError : TypeError)(`${where}: ${name}: ${problem}`);
}

/** Checks an `onError` option when the operator is created (a function is checked per result instead). */
export function checkFailurePolicy(operator: string, policy: unknown): void {
  if (policy === 'fail' || typeof policy === 'function') return;
  checkOutcome(operator, 'onError', policy);
}

/**
 * What the failure policy says for a delivery whose handler failed with `error`: an outcome, or
 * `'fail'`. A policy function's result is checked here; a bad one (or the function's throw) is thrown.
 */
export function applyFailurePolicy<D, O extends Outcome>(
  operator: string,
  policy: O | 'fail' | ((error: unknown, delivery: D) => O | 'fail'),
  error: unknown,
  delivery: D,
): O | 'fail' {
  if (typeof policy !== 'function') return policy;
  const chosen = policy(error, delivery);
  if (chosen !== 'fail') checkOutcome(operator, 'onError result', chosen);
  return chosen;
}

/** A readable form of an outcome, for messages. @internal */
export function formatOutcome(outcome: Outcome): string {
  return typeof outcome === 'string' ? outcome : `nak(${outcome.nak} ms)`;
}

/** The nak delay of an outcome in ms, or `undefined` when it is not a nak. @internal */
export function nakDelay(outcome: Outcome): number | undefined {
  if (outcome === 'nak') return 0;
  if (typeof outcome === 'object') return outcome.nak;
  return undefined;
}
