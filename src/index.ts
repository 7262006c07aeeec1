// Public API of rxjs-lanes: explicit named exports only. Anything not listed here is internal.
export { Valve } from './flow/Valve.js';
export type { ValveLease } from './flow/Valve.js';
export { pullFrom } from './flow/pullFrom.js';
export { QueueOverflowError } from './errors.js';
