import { Observable } from 'rxjs';
import { describeValue } from '../internal/validate.js';
import { Valve } from './Valve.js';

/**
 * Turns a pull source into an Observable that reads the next element only while `valve` is open.
 *
 * @remarks
 * Give the same valve to the operator downstream (its `valve` option). Each element is read, emitted
 * synchronously, and only then is the next one requested; an operator that becomes full on an element
 * closes the valve before the next read, so with every inner pending exactly the operator's bound is
 * read ahead. Operators between the source and the valve's owner must be synchronous (`map`, `filter`,
 * `tap`) for the read-ahead to stay exact; an asynchronous one in between (e.g. `delay`) lets more
 * through, which the operator then queues.
 *
 * Reading happens in microtasks, one element at a time. Completion and errors of the iterator are
 * forwarded. Unsubscribing stops reading and calls the iterator's `return()`, so an async generator runs
 * its `finally` blocks.
 *
 * @example
 * ```ts
 * const valve = new Valve();
 * pullFrom(consumer.messages(), valve).pipe(mapAsync({ parallelism: 4, project: handle, valve }));
 * ```
 * @param source - an `AsyncIterable` (async generator, client message iterator) or a synchronous
 *   `Iterable` (read lazily, paced the same way).
 * @param valve - the valve the downstream operator reports its room on.
 * @returns an Observable of the source's elements, paced by the valve.
 * @public
 */
export function pullFrom<T>(source: AsyncIterable<T> | Iterable<T>, valve: Valve): Observable<T> {
  const candidate = source as { [Symbol.asyncIterator]?: unknown; [Symbol.iterator]?: unknown } | null | undefined;
  const iterate = candidate == null ? undefined : (candidate[Symbol.asyncIterator] ?? candidate[Symbol.iterator]);
  if (typeof iterate !== 'function') {
    throw new TypeError(`pullFrom: source must be an AsyncIterable or an Iterable, got ${describeValue(source)}`);
  }
  if (!(valve instanceof Valve)) {
    throw new TypeError(`pullFrom: valve must be a Valve, got ${describeValue(valve)}`);
  }

  return new Observable<T>((subscriber) => {
    let stopped = false;
    const iterator = iterate.call(source) as AsyncIterator<T> | Iterator<T>;

    const pump = async (): Promise<void> => {
      try {
        while (!stopped) {
          if (!valve.isOpen) {
            await valve.whenOpen();
            continue; // re-check: it may have closed again, or we may have been stopped meanwhile
          }
          const result = await iterator.next();
          if (stopped) return;
          if (result.done) {
            subscriber.complete();
            return;
          }
          subscriber.next(result.value);
        }
      } catch (error) {
        if (!stopped) subscriber.error(error);
      }
    };
    void pump();

    return () => {
      if (stopped) return;
      stopped = true;
      try {
        const closing = iterator.return?.();
        if (closing && typeof (closing as PromiseLike<unknown>).then === 'function') {
          (closing as Promise<unknown>).then(undefined, () => undefined);
        }
      } catch {
        // an iterator that fails to close has nothing more to give
      }
    };
  });
}
