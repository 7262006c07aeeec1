/**
 * The Kafka test beds the contract suite (spec/support/kafkaContract.ts) runs on: the in-memory fake
 * (spec/kafka/fakeKafka.ts), and a real broker (KAFKA_BROKERS, started by the Kafka integration run)
 * driven through kafkajs or through @confluentinc/kafka-javascript's KafkaJS-compatible API.
 */
import type { KafkaCommittedOffset, KafkaConsumerLike, KafkaProducerLike } from '../../src/kafka';
import { committedFromAdmin } from '../../src/kafka';
import { FakeBroker } from '../kafka/fakeKafka';

export interface TestMessage {
  readonly key: string | null;
  readonly value: string;
}

export interface ReadMessage {
  readonly partition: number;
  readonly offset: number;
  readonly key: string | null;
  readonly value: string;
  readonly headers: Record<string, string>;
}

export interface ConsumerSettings {
  /** The group session timeout in ms (a killed member's partitions move after it). */
  readonly sessionTimeout?: number;
}

export interface KafkaTestBed {
  readonly name: 'fake' | 'kafkajs' | 'confluent';
  /** A new topic with a unique name. */
  topic(partitions: number): Promise<string>;
  /** Produces in order; a key always goes to the same partition, keyless messages to partition 0. */
  produce(topic: string, messages: readonly TestMessage[]): Promise<void>;
  /** A consumer of the group, connected and subscribed to `topic`, reading a new group from the earliest offset. */
  consumer(groupId: string, topic: string, settings?: ConsumerSettings): Promise<KafkaConsumerLike>;
  /** A connected producer of the bed's client (for dead letters). */
  producer(): Promise<KafkaProducerLike>;
  /** The `readCommitted` option for `recordFinished` (undefined: the consumer reads them itself). */
  readCommitted(
    groupId: string,
  ): ((partitions: readonly { topic: string; partition: number }[]) => Promise<readonly KafkaCommittedOffset[]>) | undefined;
  /** The group's committed offsets per partition (absent: none) with their metadata. */
  committed(groupId: string, topic: string): Promise<Map<number, { offset: number; metadata: string | null }>>;
  /** One past the last offset, per partition. */
  endOffsets(topic: string): Promise<Map<number, number>>;
  /** Every message of a topic, waiting until there are at least `count`. */
  read(topic: string, count: number): Promise<ReadMessage[]>;
  /** Disconnects every client the bed made (consumers still running are disconnected too). */
  close(): Promise<void>;
}

let names = 0;
const unique = (prefix: string) => `${prefix}-${process.pid}-${Date.now().toString(36)}-${++names}`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// ---- the fake ------------------------------------------------------------------------------------

export function fakeBed(): KafkaTestBed {
  const broker = new FakeBroker();
  return {
    name: 'fake',
    async topic(partitions) {
      const topic = unique('t');
      broker.createTopic(topic, partitions);
      return topic;
    },
    async produce(topic, messages) {
      for (const m of messages) {
        if (m.key === null) broker.produce(topic, 0, null, m.value);
        else broker.produceKeyed(topic, m.key, m.value);
      }
    },
    async consumer(groupId, topic) {
      return broker.consumer({ groupId, topics: [topic], maxWaitTimeInMs: 20 });
    },
    async producer() {
      return broker.producer();
    },
    readCommitted(groupId) {
      return async (partitions) =>
        partitions.map(({ topic, partition }) => ({
          topic,
          partition,
          offset: String(broker.group(groupId).committedOffset(topic, partition) ?? -1),
          metadata: broker.group(groupId).committedMetadata(topic, partition),
        }));
    },
    async committed(groupId, topic) {
      const result = new Map<number, { offset: number; metadata: string | null }>();
      for (let p = 0; p < broker.partitionsOf(topic); p++) {
        const offset = broker.group(groupId).committedOffset(topic, p);
        if (offset !== undefined) result.set(p, { offset, metadata: broker.group(groupId).committedMetadata(topic, p) });
      }
      return result;
    },
    async endOffsets(topic) {
      return new Map(Array.from({ length: broker.partitionsOf(topic) }, (_, p) => [p, broker.endOffset(topic, p)]));
    },
    async read(topic, count) {
      const all = () =>
        Array.from({ length: broker.partitionsOf(topic) }, (_, p) =>
          broker.records(topic, p).map((r) => ({ partition: p, offset: r.offset, key: r.key, value: r.value, headers: r.headers ?? {} })),
        ).flat();
      for (let i = 0; all().length < count && i < 500; i++) await sleep(10);
      return all();
    },
    async close() {
      await Promise.all(broker.consumers.map((c) => c.stop()));
    },
  };
}

// ---- a real broker -------------------------------------------------------------------------------

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
type Kafkajs = typeof import('kafkajs');

function brokers(): string[] {
  const list = process.env.KAFKA_BROKERS;
  if (!list) throw new Error('KAFKA_BROKERS is not set: run spec/integration/kafka/run.sh');
  return list.split(',');
}

/** What both real beds share: a kafkajs admin and producer for topics, producing, offsets and reading. */
async function realBase() {
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const kafkajs = require('kafkajs') as Kafkajs;
  const kafka = new kafkajs.Kafka({ clientId: 'rxjs-lanes-test', brokers: brokers(), logLevel: kafkajs.logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  const closers: (() => Promise<unknown>)[] = [];
  return {
    kafkajs,
    kafka,
    admin,
    closers,
    async topic(partitions: number) {
      const topic = unique('t');
      await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
      return topic;
    },
    async produce(topic: string, messages: readonly TestMessage[]) {
      for (let i = 0; i < messages.length; i += 1000) {
        await producer.send({
          topic,
          messages: messages.slice(i, i + 1000).map((m) => (m.key === null ? { key: null, value: m.value, partition: 0 } : m)),
        });
      }
    },
    async committed(groupId: string, topic: string) {
      const result = new Map<number, { offset: number; metadata: string | null }>();
      const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
      for (const { partition, offset, metadata } of offsets?.partitions ?? []) {
        if (Number(offset) >= 0) result.set(partition, { offset: Number(offset), metadata });
      }
      return result;
    },
    async endOffsets(topic: string) {
      return new Map((await admin.fetchTopicOffsets(topic)).map((p) => [p.partition, Number(p.high)]));
    },
    async read(topic: string, count: number): Promise<ReadMessage[]> {
      const consumer = kafka.consumer({ groupId: unique('reader'), maxWaitTimeInMs: 100 });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      const messages: ReadMessage[] = [];
      let done!: () => void;
      const enough = new Promise<void>((r) => (done = r));
      await consumer.run({
        eachMessage: async ({ partition, message }) => {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
          messages.push({
            partition,
            offset: Number(message.offset),
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? '',
            headers,
          });
          if (messages.length >= count) done();
        },
      });
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([enough, new Promise<void>((r) => (timer = setTimeout(r, 30_000)))]);
      clearTimeout(timer);
      await consumer.disconnect();
      return messages;
    },
    async close() {
      for (const close of closers.splice(0).reverse()) await close().catch(() => undefined);
      await producer.disconnect();
      await admin.disconnect();
    },
  };
}

export async function kafkajsBed(): Promise<KafkaTestBed> {
  const base = await realBase();
  return {
    name: 'kafkajs',
    topic: base.topic,
    produce: base.produce,
    committed: base.committed,
    endOffsets: base.endOffsets,
    read: base.read,
    close: base.close,
    async consumer(groupId, topic, settings = {}) {
      const sessionTimeout = settings.sessionTimeout ?? 6000;
      const consumer = base.kafka.consumer({
        groupId,
        sessionTimeout,
        heartbeatInterval: Math.min(500, Math.floor(sessionTimeout / 4)),
        rebalanceTimeout: 20_000,
        maxWaitTimeInMs: 100,
        retry: { retries: 3, initialRetryTime: 100 },
      });
      await consumer.connect();
      await consumer.subscribe({ topics: [topic], fromBeginning: true });
      base.closers.push(() => consumer.disconnect());
      return consumer;
    },
    async producer() {
      const producer = base.kafka.producer({ createPartitioner: base.kafkajs.Partitioners.DefaultPartitioner });
      await producer.connect();
      base.closers.push(() => producer.disconnect());
      return producer;
    },
    readCommitted: (groupId) => committedFromAdmin(base.admin, groupId),
  };
}

export async function confluentBed(): Promise<KafkaTestBed> {
  const base = await realBase();
  const { KafkaJS } = require('@confluentinc/kafka-javascript') as typeof import('@confluentinc/kafka-javascript');
  const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: brokers(), logLevel: KafkaJS.logLevel.NOTHING } });
  return {
    name: 'confluent',
    topic: base.topic,
    produce: base.produce,
    committed: base.committed,
    endOffsets: base.endOffsets,
    read: base.read,
    close: base.close,
    async consumer(groupId, topic, settings = {}) {
      const consumer = kafka.consumer({
        kafkaJS: {
          groupId,
          fromBeginning: true,
          autoCommit: false,
          sessionTimeout: settings.sessionTimeout ?? 6000,
          heartbeatInterval: 500,
        },
        'fetch.wait.max.ms': 100,
        'topic.metadata.refresh.interval.ms': 1000,
      } as any);
      await consumer.connect();
      await consumer.subscribe({ topics: [topic] });
      base.closers.push(() => consumer.disconnect());
      return consumer;
    },
    async producer() {
      const producer = kafka.producer({ kafkaJS: { acks: -1 } } as any);
      await producer.connect();
      base.closers.push(() => producer.disconnect());
      return producer;
    },
    readCommitted: () => undefined, // the confluent consumer reads them itself (committed())
  };
}
