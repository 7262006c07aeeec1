import { describe } from './outcomes.js';

/**
 * When a consuming run fails (the broker went away, the consumer was deleted, a handler's failure
 * policy said `'fail'`), the server starts a new one after a delay: `delay`, doubled after each
 * failure up to `maxDelay`, back to `delay` once a run consumed for `maxDelay` without failing.
 * @public
 */
export interface RestartOptions {
  /** The first delay, in ms. Default 500. A finite number ≥ 0. */
  delay?: number;
  /** The longest delay, in ms. Default 30000. A finite number ≥ `delay`. */
  maxDelay?: number;
}

/** Restart delays, checked. */
export interface RestartPolicy {
  readonly delay: number;
  readonly maxDelay: number;
}

export function readRestart(owner: string, restart: unknown): RestartPolicy | false {
  if (restart === false) return false;
  if (restart === undefined || restart === true) return { delay: 500, maxDelay: 30_000 };
  if (typeof restart !== 'object' || restart === null) {
    throw new TypeError(`${owner}: restart must be false or { delay, maxDelay }, got ${describe(restart)}`);
  }
  for (const name of Object.keys(restart)) {
    if (name !== 'delay' && name !== 'maxDelay') throw new TypeError(`${owner}: unknown option "restart.${name}" (known: delay, maxDelay)`);
  }
  const { delay = 500, maxDelay = Math.max(30_000, delay) } = restart as RestartOptions;
  for (const [name, value] of [['delay', delay], ['maxDelay', maxDelay]] as const) {
    if (typeof value !== 'number') throw new TypeError(`${owner}: restart.${name} must be a number, got ${describe(value)}`);
    if (!(value >= 0) || !Number.isFinite(value)) throw new RangeError(`${owner}: restart.${name} must be a finite number ≥ 0, got ${describe(value)}`);
  }
  if (maxDelay < delay) throw new RangeError(`${owner}: restart.maxDelay (${maxDelay}) must be at least restart.delay (${delay})`);
  return { delay, maxDelay };
}

/** The delay before restart number `attempt` (1 for the first restart after a reset). */
export function restartDelay(policy: RestartPolicy, attempt: number): number {
  return Math.min(policy.maxDelay, policy.delay * 2 ** Math.min(attempt - 1, 30));
}

/** Resolves after `ms`, or at once when `signal` aborts (never rejects; the timer is cleared). */
export function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}

/** `promise`'s value, or `undefined` as soon as `signal` aborts (the promise is left to settle on its own). */
export function unlessAborted<T>(promise: PromiseLike<T>, signal: AbortSignal): Promise<T | undefined> {
  if (signal.aborted) {
    Promise.resolve(promise).catch(() => undefined); // never an unhandled rejection
    return Promise.resolve(undefined);
  }
  return new Promise<T | undefined>((resolve, reject) => {
    const abort = (): void => resolve(undefined);
    signal.addEventListener('abort', abort, { once: true });
    Promise.resolve(promise).then(
      (value) => {
        signal.removeEventListener('abort', abort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', abort);
        if (signal.aborted) resolve(undefined);
        else reject(error);
      },
    );
  });
}
