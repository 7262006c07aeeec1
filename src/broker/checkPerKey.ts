import { checkPositiveInteger, describeValue } from '../internal/validate.js';

/**
 * Checks a broker adapter's `parallelism` and `perKey`: integers ≥ 1, `perKey` below `parallelism`
 * (a `perKey` as large would put no limit per key), both 1 together. A `perKey` function of the key is
 * checked per call by the engine (mapAsyncPartitionedUnordered) instead.
 */
export function checkParallelismAndPerKey(operator: string, parallelism: number, perKey: number | ((key: never) => number)): void {
  checkPositiveInteger(operator, 'parallelism', parallelism);
  if (typeof perKey === 'function') return;
  checkPositiveInteger(operator, 'perKey', perKey);
  if (parallelism > 1 && perKey >= parallelism) {
    throw new RangeError(`${operator}: perKey (${perKey}) must be less than parallelism (${parallelism})`);
  }
  if (parallelism === 1 && perKey !== 1) {
    throw new RangeError(`${operator}: perKey must be 1 when parallelism is 1, got ${describeValue(perKey)}`);
  }
}
