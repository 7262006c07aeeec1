// Type-level tests of rxjs-lanes/jetstream (see mapAsync.types.ts).
import { expectTypeOf } from 'expect-type';
import { type Observable } from 'rxjs';
import { batchByLane } from 'rxjs-lanes';
import {
  consumeJetStream,
  fromJetStream,
  settleBatchResults,
  Valve,
  type JetStreamDelivery,
  type JetStreamHandlerContext,
  type JetStreamPullConsumer,
  type JetStreamSettlement,
  type Outcome,
} from 'rxjs-lanes/jetstream';

declare const consumer: JetStreamPullConsumer;

expectTypeOf(fromJetStream(consumer, { window: 100, valve: new Valve() })).toEqualTypeOf<Observable<JetStreamDelivery>>();

// The default key is the subject (a string); a key function sets K.
expectTypeOf(consumeJetStream(consumer, { parallelism: 8, handler: () => 'ack' })).toEqualTypeOf<Observable<JetStreamSettlement<string>>>();
expectTypeOf(consumeJetStream(consumer, { parallelism: 8, handler: async () => undefined })).toEqualTypeOf<
  Observable<JetStreamSettlement<string>>
>();
// KNOWN LIMITATION (TypeScript, not this package): an async handler returning a bare string literal gets
// its return type widened to Promise<string>, because the handler's return type is a union of an outcome
// and a PromiseLike of one. Annotate (`async (): Promise<Outcome> => 'ack'`) or return `'ack' as const`.
// When a change to the handler types makes this line compile, remove the directive.
// @ts-expect-error -- widened to Promise<string>
consumeJetStream(consumer, { parallelism: 8, handler: async () => 'ack' });
consumeJetStream(consumer, { parallelism: 8, handler: async (): Promise<Outcome> => 'ack' });
consumeJetStream(consumer, { parallelism: 8, handler: async () => 'ack' as const });
const settlements = consumeJetStream(consumer, {
  parallelism: 8,
  perKey: 1,
  key: (delivery) => delivery.subject.length,
  handler: async (delivery, context) => {
    expectTypeOf(delivery).toEqualTypeOf<JetStreamDelivery>();
    expectTypeOf(context).toEqualTypeOf<JetStreamHandlerContext<number>>();
    expectTypeOf(context.key).toEqualTypeOf<number>();
    return { nak: 500 };
  },
  onError: (_error, delivery) => (delivery.info.deliveryCount > 3 ? 'term' : 'nak'),
});
expectTypeOf(settlements).toEqualTypeOf<Observable<JetStreamSettlement<number>>>();

declare const settlement: JetStreamSettlement<number>;
expectTypeOf(settlement.outcome).toEqualTypeOf<Outcome>();
expectTypeOf(settlement.key).toEqualTypeOf<number>();
expectTypeOf<Outcome>().toEqualTypeOf<'ack' | 'nak' | 'term' | { readonly nak: number }>();

// batchByLane + settleBatchResults: the batch handler's results are outcomes.
fromJetStream(consumer, { window: 100 }).pipe(
  batchByLane({ key: (d) => d.subject, size: 10 }, async (batch) => batch.map((d): Outcome => (d.redelivered ? 'term' : 'ack'))),
  settleBatchResults({ onMissing: 'nak' }),
);

// window is optional (default 100) and must be a number
fromJetStream(consumer);
// @ts-expect-error -- window is a number
fromJetStream(consumer, { window: '100' });
// @ts-expect-error -- 'retry' is not an outcome
consumeJetStream(consumer, { parallelism: 1, handler: async () => 'retry' });
// @ts-expect-error -- the handler is an option
consumeJetStream(consumer, { parallelism: 1 }, async () => 'ack');
// @ts-expect-error -- onDuplicateSettle became onDiagnostic
fromJetStream(consumer, { window: 10, onDuplicateSettle: () => undefined });
// @ts-expect-error -- settleBatchResults takes an outcome for missing results
settleBatchResults({ onMissing: 'drop' });
