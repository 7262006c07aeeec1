// Type-level tests of boundedOrdering, Valve, pullFrom and QueueOverflowError (see mapAsync.types.ts).
import { expectTypeOf } from 'expect-type';
import { of, type MonoTypeOperatorFunction, type Observable } from 'rxjs';
import {
  boundedOrdering,
  pullFrom,
  QueueOverflowError,
  Valve,
  type BoundedOrderingGap,
  type BoundedOrderingLate,
  type FlowControlOptions,
  type ValveLease,
} from 'rxjs-lanes';

interface Message {
  seq: bigint;
  body: string;
}
const messages = of<Message>({ seq: 0n, body: '' });
expectTypeOf(
  messages.pipe(
    boundedOrdering({
      maxBounded: 100,
      initialId: 0n,
      nextId: (id) => id + 1n,
      getId: (m) => m.seq,
      onGap: (gap) => expectTypeOf(gap).toEqualTypeOf<BoundedOrderingGap<bigint>>(),
      onLate: (late) => expectTypeOf(late).toEqualTypeOf<BoundedOrderingLate<Message, bigint>>(),
    }),
  ),
).toEqualTypeOf<Observable<Message>>();
expectTypeOf(
  boundedOrdering(
    10,
    0,
    (id: number) => id + 1,
    (m: { id: number }) => m.id,
  ),
).toEqualTypeOf<MonoTypeOperatorFunction<{ id: number }>>();

const valve = new Valve();
expectTypeOf(valve.isOpen).toEqualTypeOf<boolean>();
expectTypeOf(valve.whenOpen()).toEqualTypeOf<Promise<void>>();
expectTypeOf(valve.attach()).toEqualTypeOf<ValveLease>();
expectTypeOf(valve.onChange((open) => expectTypeOf(open).toEqualTypeOf<boolean>())).toEqualTypeOf<() => void>();
async function* pages(): AsyncGenerator<string[]> {
  yield ['a'];
}
expectTypeOf(pullFrom(pages(), valve)).toEqualTypeOf<Observable<string[]>>();
expectTypeOf(pullFrom([1, 2], valve)).toEqualTypeOf<Observable<number>>();
expectTypeOf<FlowControlOptions>().toEqualTypeOf<{ valve?: Valve; maxQueued?: number }>();

const overflow = new QueueOverflowError('mapAsync', 10);
expectTypeOf(overflow).toExtend<Error>();
expectTypeOf(overflow.limit).toEqualTypeOf<number>();
expectTypeOf(overflow.operator).toEqualTypeOf<string>();

// @ts-expect-error -- pullFrom reads only while a valve is open: the valve is required
pullFrom(pages());
// @ts-expect-error -- the valve is a Valve, not a boolean
pullFrom(pages(), true);
// @ts-expect-error -- boundedOrdering's positional form needs getId
boundedOrdering(10, 0, (id: number) => id + 1);
// @ts-expect-error -- nextId must return the id type
boundedOrdering({ maxBounded: 10, initialId: 0, nextId: (id: number) => String(id), getId: (m: { id: number }) => m.id });
// @ts-expect-error -- an unknown option
boundedOrdering({ maxBounded: 10, initialId: 0, nextId: (id: number) => id + 1, getId: (m: { id: number }) => m.id, window: 5 });
