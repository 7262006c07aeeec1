/**
 * Waits a random time in [min, max] ms — the stand-in for a remote call. Rejects with the signal's reason
 * when aborted (the pipeline was torn down), so an abandoned call stops at once.
 */
export function simulatedLatency([min, max]: readonly [number, number], signal?: AbortSignal): Promise<void> {
  const ms = min + Math.random() * (max - min);
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason);
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', abort);
      resolve();
    }, ms);
    const abort = (): void => {
      clearTimeout(timer);
      reject(signal!.reason);
    };
    signal?.addEventListener('abort', abort, { once: true });
  });
}
