import type { SchedulerLike } from 'rxjs';

/**
 * Argument checks run when an operator is created, so a mistake throws at the call site with a message
 * naming the operator, the parameter and the value it got. Every message has the shape
 * `<operator>: <name> must be <what>, got <value>`.
 * @internal
 */

/** A short, safe rendering of a value for an error message (never the whole object). */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value === 'function') return `a function`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return String(value);
}

/** An integer ≥ 1; `Infinity` too when `allowInfinity` is set. */
export function checkPositiveInteger(operator: string, name: string, value: unknown, allowInfinity = false): void {
  if (typeof value !== 'number') {
    throw new TypeError(`${operator}: ${name} must be a number, got ${describeValue(value)}`);
  }
  if (allowInfinity && value === Infinity) return;
  if (!Number.isInteger(value) || value < 1) {
    const what = allowInfinity ? 'an integer ≥ 1 or Infinity' : 'an integer ≥ 1';
    throw new RangeError(`${operator}: ${name} must be ${what}, got ${describeValue(value)}`);
  }
}

/** A `perKey` function's result, checked on every call (the caller errors the output with the throw): an integer ≥ 1. */
export function checkedLimit(operator: string, key: unknown, limit: unknown): number {
  if (typeof limit === 'number' && Number.isInteger(limit) && limit >= 1) return limit;
  throw new RangeError(`${operator}: perKey(${describeValue(key)}) must return an integer ≥ 1, got ${describeValue(limit)}`);
}

/** A duration in milliseconds: a number ≥ 0, or `Infinity` (no limit) when `allowInfinity` is set. */
export function checkDuration(operator: string, name: string, value: unknown, allowInfinity = false): void {
  if (typeof value !== 'number') {
    throw new TypeError(`${operator}: ${name} must be a number of milliseconds, got ${describeValue(value)}`);
  }
  if (!(value >= 0) || (!allowInfinity && value === Infinity)) {
    const what = allowInfinity ? 'a number of milliseconds ≥ 0, or Infinity' : 'a finite number of milliseconds ≥ 0';
    throw new RangeError(`${operator}: ${name} must be ${what}, got ${describeValue(value)}`);
  }
}

export function checkFunction(operator: string, name: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new TypeError(`${operator}: ${name} must be a function, got ${describeValue(value)}`);
  }
}

export function checkBoolean(operator: string, name: string, value: unknown): void {
  if (typeof value !== 'boolean') {
    throw new TypeError(`${operator}: ${name} must be a boolean, got ${describeValue(value)}`);
  }
}

/** A `SchedulerLike`: what the pack's timers need of it (`now` and `schedule`). */
export function checkScheduler(operator: string, value: unknown, name = 'scheduler'): void {
  const candidate = value as Partial<SchedulerLike> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.schedule !== 'function' ||
    typeof candidate.now !== 'function'
  ) {
    throw new TypeError(`${operator}: ${name} must be a SchedulerLike (with now and schedule), got ${describeValue(value)}`);
  }
}

export function checkOptions(operator: string, value: unknown, name = 'options'): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${operator}: ${name} must be an object, got ${describeValue(value)}`);
  }
}

/**
 * The names an options object may have: derived from its interface so the list cannot drift
 * (`satisfies Record<keyof Options, true>` at the definition).
 */
export type KnownOptions = Readonly<Record<string, true>>;

/**
 * Rejects option names the operator does not know, with one message shape for the whole pack:
 * `<operator>: unknown option "<name>" (known: a, b, …)`, preceded by a "did you mean" hint when the name
 * is close to a known one, and followed by `explain(name)` when the operator has more to say about it.
 */
export function checkKnownOptions(
  operator: string,
  options: object,
  known: KnownOptions,
  explain?: (name: string) => string | undefined,
): void {
  for (const name of Object.keys(options)) {
    if (Object.prototype.hasOwnProperty.call(known, name)) continue;
    const names = Object.keys(known);
    const near = closest(name, names);
    const hint = near === undefined ? '' : `; did you mean ${JSON.stringify(near)}?`;
    const more = explain?.(name);
    throw new TypeError(
      `${operator}: unknown option ${JSON.stringify(name)}${hint} (known: ${names.join(', ')})${more === undefined ? '' : `. ${more}`}`,
    );
  }
}

/** The known name nearest to `name` (case-insensitive edit distance ≤ 2, or equal ignoring case), if any. */
function closest(name: string, names: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  const lower = name.toLowerCase();
  for (const candidate of names) {
    const distance = editDistance(lower, candidate.toLowerCase());
    if (distance < bestDistance) {
      best = candidate;
      bestDistance = distance;
    }
  }
  return best;
}

/** Levenshtein distance (only called on an error path, with short names). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
