// Type-level tests of batchByLane(FromBatches) (see mapAsync.types.ts for how they run).
import { expectTypeOf } from 'expect-type';
import { of, type Observable } from 'rxjs';
import {
  batchByLane,
  batchByLaneFromBatches,
  BatchResultCountError,
  type BatchContext,
  type BatchDiagnostic,
  type BatchSettlement,
} from 'rxjs-lanes';

const settlements = of(1, 2, 3).pipe(
  batchByLane({ key: (n) => n % 2 === 0, size: 10, maxWait: 5 }, async (batch, key, context) => {
    expectTypeOf(batch).toEqualTypeOf<readonly number[]>();
    expectTypeOf(key).toEqualTypeOf<boolean>();
    expectTypeOf(context).toEqualTypeOf<BatchContext>();
    return batch.map(String);
  }),
);
expectTypeOf(settlements).toEqualTypeOf<Observable<BatchSettlement<number, boolean, string>>>();

declare const settlement: BatchSettlement<number, boolean, string>;
expectTypeOf(settlement.key).toEqualTypeOf<boolean>();
expectTypeOf(settlement.value).toEqualTypeOf<number>();
if (settlement.ok) expectTypeOf(settlement.result).toEqualTypeOf<string>();
else expectTypeOf(settlement.error).toEqualTypeOf<BatchResultCountError>();
// @ts-expect-error -- `lane` became `key`
settlement.lane;
// @ts-expect-error -- only a successful settlement has a result
settlement.result;

// Handlers may return an array, a Promise of one or an Observable of one; FromBatches reads arrays.
expectTypeOf(of('a').pipe(batchByLane({ key: (s) => s, size: 2 }, (batch) => of(batch.map((s) => s.length))))).toEqualTypeOf<
  Observable<BatchSettlement<string, string, number>>
>();
expectTypeOf(of(['a', 'b']).pipe(batchByLaneFromBatches({ key: (s: string) => s.length, size: 2 }, (batch) => batch))).toEqualTypeOf<
  Observable<BatchSettlement<string, number, string>>
>();

of(1).pipe(
  batchByLane(
    {
      key: (n) => n,
      size: 2,
      onDiagnostic: (diagnostic) => {
        expectTypeOf(diagnostic).toEqualTypeOf<BatchDiagnostic<number>>();
        expectTypeOf(diagnostic.key).toEqualTypeOf<number>();
      },
    },
    (batch) => batch,
  ),
);

expectTypeOf(new BatchResultCountError('op', 'k', 2, 1, 1).key).toEqualTypeOf<unknown>();

// @ts-expect-error -- size is required
batchByLane({ key: (n: number) => n }, async (batch: readonly number[]) => batch);
// @ts-expect-error -- the handler returns one result per message (an array), not a count
batchByLane({ key: (n: number) => n, size: 2 }, async (batch: readonly number[]) => batch.length);
// @ts-expect-error -- the handler is the second argument, not an option
batchByLane({ key: (n: number) => n, size: 2, handler: async (batch: readonly number[]) => batch });
// @ts-expect-error -- `lane` is not an option name
batchByLane({ lane: (n: number) => n, size: 2 }, async (batch: readonly number[]) => batch);
