// Type-level tests of the mapAsync family, compiled against the packed tarball (scripts/package/types.mjs).
// Each expectTypeOf line fails the compile when an inferred type drifts; each @ts-expect-error fails it when
// the line after it stops being an error.
import { expectTypeOf } from 'expect-type';
import { of, type Observable, type OperatorFunction } from 'rxjs';
import { mapAsync, mapAsyncPartitioned, mapAsyncPartitionedUnordered, type ProjectContext } from 'rxjs-lanes';

// The output is what the project's ObservableInput yields: a Promise's value, an Observable's values, an
// array's elements.
expectTypeOf(of(1, 2).pipe(mapAsync(2, async (n) => String(n)))).toEqualTypeOf<Observable<string>>();
expectTypeOf(of(1, 2).pipe(mapAsync(2, (n) => of(n > 0)))).toEqualTypeOf<Observable<boolean>>();
expectTypeOf(of(1, 2).pipe(mapAsync(2, (n) => [n, n]))).toEqualTypeOf<Observable<number>>();
expectTypeOf(mapAsync(2, async (n: number) => [n])).toEqualTypeOf<OperatorFunction<number, number[]>>();

// The options form infers the same, and types the project's arguments.
of('a').pipe(
  mapAsync({
    parallelism: 2,
    project: (value, index, context) => {
      expectTypeOf(value).toEqualTypeOf<string>();
      expectTypeOf(index).toEqualTypeOf<number>();
      expectTypeOf(context).toEqualTypeOf<ProjectContext>();
      expectTypeOf(context.signal).toEqualTypeOf<AbortSignal>();
      return Promise.resolve(value.length);
    },
  }),
);
expectTypeOf(of('a').pipe(mapAsync({ parallelism: 2, project: async (s) => s.length, maxQueued: 10 }))).toEqualTypeOf<Observable<number>>();

// mapAsyncPartitioned(Unordered): the key's type flows from `key` into `project`.
const events = of({ user: 'u1', amount: 3 });
expectTypeOf(
  events.pipe(
    mapAsyncPartitioned({
      parallelism: 4,
      perKey: 1,
      key: (e) => e.user,
      project: async (e, key, context) => {
        expectTypeOf(key).toEqualTypeOf<string>();
        expectTypeOf(context).toEqualTypeOf<ProjectContext>();
        return e.amount;
      },
    }),
  ),
).toEqualTypeOf<Observable<number>>();
expectTypeOf(
  events.pipe(
    mapAsyncPartitionedUnordered(
      4,
      1,
      (e) => e.amount > 2,
      (e, key) => {
        expectTypeOf(key).toEqualTypeOf<boolean>();
        return of(e.user);
      },
    ),
  ),
).toEqualTypeOf<Observable<string>>();

// Wrong arities, option names and return types are compile errors.
// @ts-expect-error -- parallelism is required
mapAsync(async (n: number) => n);
// @ts-expect-error -- the project must return an ObservableInput, not a plain value
mapAsync(2, (n: number) => n * 2);
// @ts-expect-error -- an unknown option
mapAsync({ parallelism: 2, project: async (n: number) => n, concurrency: 3 });
// @ts-expect-error -- the positional form takes the project last, after perKey and key
mapAsyncPartitioned(
  4,
  (n: number) => n,
  async (n: number) => n,
);
// @ts-expect-error -- Akka's names are not the options' names (key / perKey)
mapAsyncPartitioned({ parallelism: 4, perPartition: 1, partitioner: (n: number) => n, project: async (n: number) => n });
// @ts-expect-error -- perKey is required in the options form
mapAsyncPartitionedUnordered({ parallelism: 4, key: (n: number) => n, project: async (n: number) => n });
// @ts-expect-error -- a string parallelism
mapAsync({ parallelism: '2', project: async (n: number) => n });
