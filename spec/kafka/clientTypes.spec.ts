// Type-level checks, run by ts-jest's type-check (tsconfig.spec.json): the adapter's own structural
// client types accept both client libraries' consumers and producers as their own typings describe them.
import type { KafkaJS } from '@confluentinc/kafka-javascript';
import type { Admin, Consumer, Producer } from 'kafkajs';
import { committedFromAdmin, consumeKafka, type KafkaConsumerLike, type KafkaProducerLike } from '../../src/kafka';

declare const kafkajsConsumer: Consumer;
declare const kafkajsProducer: Producer;
declare const kafkajsAdmin: Admin;
declare const confluentConsumer: KafkaJS.Consumer;
declare const confluentProducer: KafkaJS.Producer;

/** Compiles only when `T` is assignable to `U`. */
const assignable =
  <U>() =>
  <T extends U>(value?: T) =>
    value;

describe('client types', () => {
  it('accept kafkajs and @confluentinc/kafka-javascript consumers and producers', () => {
    assignable<KafkaConsumerLike>()<Consumer>();
    assignable<KafkaConsumerLike>()<KafkaJS.Consumer>();
    assignable<KafkaProducerLike>()<Producer>();
    assignable<KafkaProducerLike>()<KafkaJS.Producer>();
    const both = (run: boolean) => {
      if (!run) return;
      consumeKafka(kafkajsConsumer, {
        parallelism: 4,
        handler: (d) => void d.message.value?.toString(),
        deadLetter: { producer: kafkajsProducer, topic: 'dlt' },
        recordFinished: true,
        readCommitted: committedFromAdmin(kafkajsAdmin, 'g'),
      });
      consumeKafka(confluentConsumer, { parallelism: 4, handler: () => 'ack', deadLetter: { producer: confluentProducer, topic: 'dlt' } });
    };
    both(false);
    // @ts-expect-error: a plain object is no consumer
    assignable<KafkaConsumerLike>()<{ run(): Promise<void> }>();
    expect(typeof both).toBe('function');
  });
});
