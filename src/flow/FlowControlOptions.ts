// Imported for the {@link}s of the TSDoc below (tsc counts those as uses; ESLint does not).
// eslint-disable-next-line @typescript-eslint/no-unused-vars
import type { QueueOverflowError } from '../errors.js';
// eslint-disable-next-line @typescript-eslint/no-unused-vars
import type { pullFrom } from './pullFrom.js';
import { Valve } from './Valve.js';
import { checkOptions, describeValue } from '../internal/validate.js';

/**
 * Flow-control settings shared by the pack's bounded operators.
 * @public
 */
export interface FlowControlOptions {
  /**
   * A {@link Valve} this operator reports its room on: closed while the operator is full. Pass the same
   * valve to {@link pullFrom} (pull sources) or subscribe to `valve.onChange` (pausable sources).
   */
  valve?: Valve;
  /**
   * How many elements a push source may deliver beyond the operator's bound before the output errors
   * with a {@link QueueOverflowError}. Default `Infinity`: they wait in a queue at constant cost per
   * element, as in RxJS. An integer ≥ 0, or `Infinity`.
   */
  maxQueued?: number;
}

/** Validates and defaults the flow-control options. @internal */
export function readFlowControl(operator: string, options: FlowControlOptions): { valve: Valve | undefined; maxQueued: number } {
  checkOptions(operator, options);
  const { valve, maxQueued = Infinity } = options;
  if (valve !== undefined && !(valve instanceof Valve)) {
    throw new TypeError(`${operator}: valve must be a Valve, got ${describeValue(valve)}`);
  }
  if (typeof maxQueued !== 'number') {
    throw new TypeError(`${operator}: maxQueued must be a number, got ${describeValue(maxQueued)}`);
  }
  if (maxQueued !== Infinity && !(Number.isInteger(maxQueued) && maxQueued >= 0)) {
    throw new RangeError(`${operator}: maxQueued must be an integer ≥ 0 or Infinity, got ${describeValue(maxQueued)}`);
  }
  return { valve, maxQueued };
}
