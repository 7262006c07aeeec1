import type { Observable, Unsubscribable } from 'rxjs';
import { describeValue } from '../internal/validate.js';

/**
 * A graceful-drain trigger: an `AbortSignal` (abort), a Promise (resolution; a rejection fails the
 * output), or an Observable (first value; an error fails the output, completion without a value is
 * ignored, as with `takeUntil`).
 * @public
 */
export type StopSignal = AbortSignal | PromiseLike<unknown> | Observable<unknown>;

/** Whether `value` can serve as a {@link StopSignal}: it has `then`, `subscribe`, or is an `AbortSignal`. */
export function isStopSignal(value: unknown): value is StopSignal {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { then?: unknown; subscribe?: unknown; addEventListener?: unknown; aborted?: unknown };
  return (
    typeof v.then === 'function' ||
    typeof v.subscribe === 'function' ||
    (typeof v.addEventListener === 'function' && typeof v.aborted === 'boolean')
  );
}

/** Throws a TypeError naming `operator` when the `stop` option is set to something that is not a {@link StopSignal}. */
export function checkStopSignal(operator: string, stop: unknown): void {
  if (stop !== undefined && !isStopSignal(stop)) {
    throw new TypeError(`${operator}: stop must be an AbortSignal, a Promise or an Observable, got ${describeValue(stop)}`);
  }
}

/**
 * Calls `onStop` when `stop` fires (an aborted signal: at once) and `onError` when it fails. Told apart
 * by the same duck typing as {@link isStopSignal}, so whatever passed the check is listened to.
 * Unsubscribing stops listening; a Promise that settles afterwards is ignored.
 */
export function listenToStop(stop: StopSignal, onStop: () => void, onError: (error: unknown) => void): Unsubscribable {
  const s = stop as { then?: unknown; subscribe?: unknown };
  if (typeof s.subscribe === 'function') {
    return (stop as Observable<unknown>).subscribe({ next: onStop, error: onError });
  }
  if (typeof s.then === 'function') {
    let live = true;
    (stop as PromiseLike<unknown>).then(
      () => live && onStop(),
      (error: unknown) => live && onError(error),
    );
    return { unsubscribe: () => (live = false) };
  }
  const signal = stop as AbortSignal;
  if (signal.aborted) {
    onStop();
    return { unsubscribe: () => undefined };
  }
  signal.addEventListener('abort', onStop, { once: true });
  return { unsubscribe: () => signal.removeEventListener('abort', onStop) };
}
