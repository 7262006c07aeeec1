import type { Outcome } from 'rxjs-lanes/jetstream';

/** Why `value` is not an outcome, or `undefined` when it is one. */
export function outcomeProblem(value: unknown): string | undefined {
  if (value === 'ack' || value === 'nak' || value === 'term') return undefined;
  if (typeof value === 'object' && value !== null && Object.keys(value).length === 1 && 'nak' in value) {
    const delay = (value as { nak: unknown }).nak;
    if (typeof delay === 'number' && delay >= 0 && Number.isFinite(delay)) return undefined;
    return `{ nak: ${describe(delay)} } has no delay ≥ 0`;
  }
  return `${describe(value)} is not 'ack', 'nak', { nak: delay } or 'term'`;
}

export function checkOutcome(owner: string, name: string, value: unknown): Outcome {
  const problem = outcomeProblem(value);
  if (problem !== undefined) throw new TypeError(`${owner}: ${name} must be an outcome ('ack', 'nak', { nak: delay } or 'term'), got ${describe(value)}`);
  return value as Outcome;
}

export function formatOutcome(outcome: Outcome): string {
  return typeof outcome === 'string' ? outcome : `{ nak: ${outcome.nak} }`;
}

/**
 * What Nest's event-handler chain resolves to when several handlers share one pattern: `forkJoin({
 * current, next })`, nested once per extra handler. Flattened into the handlers' own results.
 */
function flattenChain(value: unknown, into: unknown[]): void {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const keys = Object.keys(value);
    if (keys.length === 2 && keys.includes('current') && keys.includes('next')) {
      flattenChain((value as { current: unknown }).current, into);
      flattenChain((value as { next: unknown }).next, into);
      return;
    }
  }
  into.push(value);
}

/**
 * One outcome for the results of every handler that received a message. `undefined` / `null` count
 * as `'ack'`. Redelivery wins, so nothing is dropped that one handler still wants: any `'nak'` or
 * `{ nak }` gives a nak with the longest delay; otherwise any `'term'` gives `'term'`; otherwise `'ack'`.
 * @throws TypeError when a result is not an outcome (it goes to the failure policy, like a throw).
 */
export function combineResults(owner: string, results: readonly unknown[]): Outcome {
  const values: unknown[] = [];
  for (const result of results) flattenChain(result, values);
  let nak: number | undefined;
  let term = false;
  for (const value of values) {
    if (value === undefined || value === null) continue;
    const problem = outcomeProblem(value);
    if (problem !== undefined) throw new TypeError(`${owner}: an @EventPattern handler returned ${problem}; return an outcome or nothing`);
    const outcome = value as Outcome;
    if (outcome === 'term') term = true;
    else if (outcome !== 'ack') nak = Math.max(nak ?? 0, outcome === 'nak' ? 0 : outcome.nak);
  }
  if (nak !== undefined) return nak === 0 ? 'nak' : { nak };
  return term ? 'term' : 'ack';
}

export function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'function') return `a function${value.name ? ` (${value.name})` : ''}`;
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object' || value === null) return String(value);
  if (Array.isArray(value)) return `an array (length ${value.length})`;
  try {
    const json = JSON.stringify(value);
    return json.length > 80 ? `${json.slice(0, 77)}...` : json;
  } catch {
    return Object.prototype.toString.call(value);
  }
}
