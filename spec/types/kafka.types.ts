// Type-level tests of rxjs-lanes/kafka (see mapAsync.types.ts).
import { expectTypeOf } from 'expect-type';
import { type Observable } from 'rxjs';
import {
  CommitTracker,
  consumeKafka,
  type CommitPoint,
  type KafkaConsumerLike,
  type KafkaDelivery,
  type KafkaHandlerContext,
  type KafkaSettlement,
  type OffsetTicket,
  type Outcome,
} from 'rxjs-lanes/kafka';

declare const consumer: KafkaConsumerLike;

// The default key is the message key as a string (or null); a key function sets K.
expectTypeOf(consumeKafka(consumer, { parallelism: 8, handler: () => 'ack' })).toEqualTypeOf<Observable<KafkaSettlement<string | null>>>();
// KNOWN LIMITATION (TypeScript): see jetstream.types.ts; remove the directive once this compiles.
// @ts-expect-error -- widened to Promise<string>
consumeKafka(consumer, { parallelism: 8, handler: async () => 'ack' });
const settlements = consumeKafka(consumer, {
  parallelism: 8,
  perKey: 1,
  key: (delivery) => delivery.partition,
  handler: async (delivery, context) => {
    expectTypeOf(delivery).toEqualTypeOf<KafkaDelivery>();
    expectTypeOf(context).toEqualTypeOf<KafkaHandlerContext<number>>();
    expectTypeOf(context.signal).toEqualTypeOf<AbortSignal>();
    return delivery.attempt > 3 ? 'term' : { nak: 1000 };
  },
  commitInterval: 5000,
});
expectTypeOf(settlements).toEqualTypeOf<Observable<KafkaSettlement<number>>>();
declare const settlement: KafkaSettlement<number>;
expectTypeOf(settlement.outcome).toEqualTypeOf<Outcome>();
expectTypeOf(settlement.fenced).toEqualTypeOf<boolean>();

const tracker = new CommitTracker();
expectTypeOf(tracker.assign('t', 0)).toEqualTypeOf<number>();
const ticket = tracker.deliver('t', 0, 0);
expectTypeOf(ticket).toEqualTypeOf<OffsetTicket | undefined>();
if (ticket) expectTypeOf(tracker.settle(ticket, { nak: 100 })).toEqualTypeOf<boolean>();
expectTypeOf(tracker.committable()).toEqualTypeOf<CommitPoint[]>();

// @ts-expect-error -- parallelism is required
consumeKafka(consumer, { handler: () => 'ack' });
// @ts-expect-error -- 'retry' is not an outcome
consumeKafka(consumer, { parallelism: 1, handler: () => 'retry' });
// @ts-expect-error -- a key must be a Map-comparable primitive, not an object
consumeKafka(consumer, { parallelism: 1, key: (d) => d.message, handler: () => 'ack' });
// @ts-expect-error -- Akka's name is not an option name (perKey)
consumeKafka(consumer, { parallelism: 1, perPartition: 1, handler: () => 'ack' });
// @ts-expect-error -- a ticket is what deliver() returned, not a number
tracker.settle(0, 'ack');
