import type { SchedulerLike } from 'rxjs';
import type { LimitAlgorithm } from '../internal/limit/LimitAlgorithm.js';
import { checkPositiveInteger, describeValue } from '../internal/validate.js';

/**
 * How the operators recognise and open an `AdaptiveLimit`, apart from `adaptiveLimit.ts`: an operator
 * that is never given one reads `parallelism` through this file only, so a bundle that does not import
 * `adaptiveLimit` carries none of the limit algorithms (the size budget of `{ mapAsync }`).
 * @internal
 */

/** One subscription's limit: the algorithm's state and the clock it is measured with. @internal */
export interface OpenLimit {
  readonly algorithm: LimitAlgorithm;
  readonly scheduler: SchedulerLike;
}

interface Registered {
  readonly max: number;
  /** A fresh limit for one subscription. */
  readonly open: () => OpenLimit;
}

/** Every `AdaptiveLimit`, registered by its constructor (weakly: a dropped limit is collected). */
const registered = new WeakMap<object, Registered>();

/** Called by the `AdaptiveLimit` constructor. @internal */
export function registerLimit(limit: object, max: number, open: () => OpenLimit): void {
  registered.set(limit, { max, open });
}

/**
 * Reads an operator's `parallelism`: an integer ≥ 1, or an `AdaptiveLimit` — then `parallelism` is its
 * `max` (what the operator may ever hold, for checks such as `perKey < parallelism`) and `openLimit`
 * opens one subscription's limit.
 * @internal
 */
export function readParallelism(operator: string, value: unknown): { parallelism: number; openLimit: (() => OpenLimit) | null } {
  const limit = typeof value === 'object' && value !== null ? registered.get(value) : undefined;
  if (limit !== undefined) return { parallelism: limit.max, openLimit: limit.open };
  if (typeof value !== 'number') {
    throw new TypeError(`${operator}: parallelism must be a number or an adaptiveLimit(), got ${describeValue(value)}`);
  }
  checkPositiveInteger(operator, 'parallelism', value);
  return { parallelism: value, openLimit: null };
}
