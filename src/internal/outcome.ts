import { describe } from './validate.js';

/**
 * The settling vocabulary both broker adapters share. Each adapter publishes it under its own name and
 * documentation (`JetStreamOutcome`, `KafkaOutcome`), because what an outcome does differs per broker;
 * the checks here are about its shape only.
 */
export type Outcome = 'ack' | 'nak' | 'term' | { readonly nak: number };

/** `null` when `value` is a valid outcome, otherwise the reason it is not. */
export function outcomeProblem(value: unknown): string | null {
  if (value === 'ack' || value === 'nak' || value === 'term') return null;
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const delay = (value as { nak?: unknown }).nak;
    if (typeof delay === 'number' && delay >= 0 && delay !== Infinity && Object.keys(value).length === 1) return null;
    if ('nak' in value) return `{ nak } must be a finite number of milliseconds ≥ 0, got ${describe(delay)}`;
  }
  return `an outcome must be 'ack', 'nak', 'term' or { nak: delayMs }, got ${describe(value)}`;
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
