// Type-level tests of adaptiveLimit and of parallelism taking one (scripts/package/types.mjs).
import { expectTypeOf } from 'expect-type';
import { of, type Observable } from 'rxjs';
import {
  adaptiveLimit,
  mapAsync,
  mapAsyncPartitioned,
  mapAsyncPartitionedUnordered,
  type AdaptiveLimit,
  type AdaptiveLimitOptions,
} from 'rxjs-lanes';

const limit = adaptiveLimit({ min: 2, max: 32 });
expectTypeOf(limit).toEqualTypeOf<AdaptiveLimit>();
expectTypeOf(limit.current).toEqualTypeOf<number>();
expectTypeOf(limit.algorithm).toEqualTypeOf<'aimd' | 'gradient'>();
expectTypeOf<AdaptiveLimitOptions['algorithm']>().toEqualTypeOf<'aimd' | 'gradient' | undefined>();
adaptiveLimit({ max: 8, algorithm: 'gradient', tolerance: 2, smoothing: 0.5, longWindow: 100, latencyThreshold: 500 });

// Accepted where a parallelism number is, with the same inferred output.
expectTypeOf(of(1).pipe(mapAsync({ parallelism: limit, project: async (n) => String(n) }))).toEqualTypeOf<Observable<string>>();
expectTypeOf(of(1).pipe(mapAsync(limit, async (n) => n > 0))).toEqualTypeOf<Observable<boolean>>();
expectTypeOf(
  of({ id: 'a' }).pipe(mapAsyncPartitioned({ parallelism: limit, perKey: 1, key: (e) => e.id, project: async (_e, key) => key.length })),
).toEqualTypeOf<Observable<number>>();
expectTypeOf(
  of(1).pipe(
    mapAsyncPartitionedUnordered(
      limit,
      1,
      (n) => n,
      (n) => of(n),
    ),
  ),
).toEqualTypeOf<Observable<number>>();

// @ts-expect-error -- max is required
adaptiveLimit({ min: 1 });
// @ts-expect-error -- an unknown algorithm
adaptiveLimit({ max: 4, algorithm: 'vegas' });
// @ts-expect-error -- an unknown option
adaptiveLimit({ max: 4, maximum: 8 });
// @ts-expect-error -- current is read-only
limit.current = 3;
// @ts-expect-error -- AdaptiveLimit is made by adaptiveLimit(), not constructed (its constructor is internal)
mapAsync({ parallelism: { min: 1, max: 4 }, project: async (n: number) => n });
