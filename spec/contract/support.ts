/**
 * Shared by the contract specs: the operators under one call shape (public API, positional forms), and
 * inners that record their subscription, values and teardown in one log.
 */
import { Observable, type ObservableInput, type OperatorFunction, type SchedulerLike, type Subscriber } from 'rxjs';
import { mapAsync, mapAsyncPartitioned, mapAsyncPartitionedUnordered, type ProjectContext } from '../../src/index';

export type MapKind = 'mapAsync' | 'mapAsyncPartitioned' | 'mapAsyncPartitionedUnordered';
export const mapKinds: MapKind[] = ['mapAsync', 'mapAsyncPartitioned', 'mapAsyncPartitionedUnordered'];

/**
 * One of the three async-map operators with one project shape, `(value, context)`. The partitioned ones
 * run with `perKey` (default 1) and the given key function; `mapAsync` has no key. A partitioned operator
 * needs `perKey < parallelism` (unless both are 1): `parallelism` is raised to `perKey + 1` when needed.
 */
export function mapOp<T, R>(
  kind: MapKind,
  parallelism: number,
  key: (value: T) => unknown,
  project: (value: T, context: ProjectContext) => ObservableInput<R>,
  perKey = 1,
): OperatorFunction<T, R> {
  if (kind === 'mapAsync') return mapAsync(parallelism, (value: T, _index, context) => project(value, context));
  const held = parallelism === 1 && perKey === 1 ? 1 : Math.max(parallelism, perKey + 1);
  const run = (value: T, _key: unknown, context: ProjectContext) => project(value, context);
  return kind === 'mapAsyncPartitioned'
    ? mapAsyncPartitioned(held, perKey, key, run)
    : mapAsyncPartitionedUnordered(held, perKey, key, run);
}

/**
 * A log of inner lifecycles. {@link Inners.make} builds an Observable that logs `sub <name>` when
 * subscribed, and `fin <name>` when torn down (registered before anything else runs, as RxJS's
 * `finalize` registers it), and counts the live ones.
 */
export class Inners {
  readonly log: string[] = [];
  readonly live = new Set<string>();
  subscribed = 0;

  constructor(private readonly now?: () => number) {}

  record(entry: string): void {
    this.log.push(this.now === undefined ? entry : `${this.now()} ${entry}`);
  }

  make<R>(name: string, body: (subscriber: Subscriber<R>) => void = () => {}): Observable<R> {
    return new Observable<R>((subscriber) => {
      this.subscribed++;
      this.live.add(name);
      this.record(`sub ${name}`);
      subscriber.add(() => {
        this.live.delete(name);
        this.record(`fin ${name}`);
      });
      body(subscriber);
    });
  }

  /** An inner that emits `value` after `delay` frames of `scheduler` and completes (synchronously for delay 0). */
  after<R>(name: string, value: R, delay: number, scheduler: SchedulerLike): Observable<R> {
    return this.make<R>(name, (subscriber) => {
      if (delay === 0) {
        subscriber.next(value);
        subscriber.complete();
        return;
      }
      subscriber.add(
        scheduler.schedule(() => {
          subscriber.next(value);
          subscriber.complete();
        }, delay),
      );
    });
  }
}

/** A thenable that is not a Promise: `then` runs `body` with the callbacks it is given, synchronously. */
export function thenable<V>(body: (resolve: (value: V) => void, reject: (error: unknown) => void) => void): PromiseLike<V> {
  return {
    then(onFulfilled?: ((value: V) => unknown) | null, onRejected?: ((error: unknown) => unknown) | null): PromiseLike<never> {
      body(
        (value) => onFulfilled?.(value),
        (error) => onRejected?.(error),
      );
      return new Promise<never>(() => {});
    },
  };
}

/** Lets every pending Promise callback and timer of the current turn run. */
export const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/**
 * A source that emits the indexes 0..n-1, element i at frame `at[i]` of `scheduler` (the frames must not
 * decrease; elements of one frame are emitted in one synchronous burst), then completes at frame
 * `completeAt` (default: the last element's frame). `onTeardown` is called when it is torn down.
 */
export function timedSource(
  at: readonly number[],
  scheduler: SchedulerLike,
  completeAt?: number,
  onTeardown?: () => void,
): Observable<number> {
  return new Observable<number>((subscriber) => {
    if (onTeardown !== undefined) subscriber.add(onTeardown);
    const start = scheduler.now();
    const end = completeAt ?? (at.length === 0 ? 0 : at[at.length - 1]!);
    let i = 0;
    const step = (): void => {
      const now = scheduler.now() - start;
      while (i < at.length && at[i]! <= now && !subscriber.closed) subscriber.next(i++);
      if (subscriber.closed) return;
      if (i < at.length) subscriber.add(scheduler.schedule(step, at[i]! - now));
      else if (now >= end) subscriber.complete();
      else subscriber.add(scheduler.schedule(step, end - now));
    };
    if (at.length > 0 && at[0]! > 0) subscriber.add(scheduler.schedule(step, at[0]!));
    else step();
  });
}

/** Running sums of `gaps`: the frame of each element from the gaps between them. */
export const framesOf = (gaps: readonly number[]): number[] => {
  let t = 0;
  return gaps.map((g) => (t += g));
};
