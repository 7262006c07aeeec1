/**
 * Argument checks run when an operator is created, so a mistake throws at the call site with a message
 * naming the operator, the parameter and the value it got.
 * @internal
 */

export function describe(value: unknown): string {
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
    throw new TypeError(`${operator}: ${name} must be a number, got ${describe(value)}`);
  }
  if (allowInfinity && value === Infinity) return;
  if (!Number.isInteger(value) || value < 1) {
    const what = allowInfinity ? 'an integer ≥ 1 or Infinity' : 'an integer ≥ 1';
    throw new RangeError(`${operator}: ${name} must be ${what}, got ${describe(value)}`);
  }
}

/** A finite number ≥ 0. */
export function checkNonNegativeNumber(operator: string, name: string, value: unknown): void {
  if (typeof value !== 'number') {
    throw new TypeError(`${operator}: ${name} must be a number, got ${describe(value)}`);
  }
  if (!(value >= 0) || value === Infinity) {
    throw new RangeError(`${operator}: ${name} must be a finite number ≥ 0, got ${describe(value)}`);
  }
}

export function checkFunction(operator: string, name: string, value: unknown): void {
  if (typeof value !== 'function') {
    throw new TypeError(`${operator}: ${name} must be a function, got ${describe(value)}`);
  }
}

export function checkOptions(operator: string, value: unknown): void {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TypeError(`${operator}: options must be an object, got ${describe(value)}`);
  }
}
