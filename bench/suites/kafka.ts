/**
 * Part 1 (`npm run bench -- kafka`): consumeKafka versus kafkajs's own way of consuming, side by side in
 * one process on the in-memory fake broker of spec/kafka/fakeKafka.ts (network and broker costs are
 * absent: these ratios measure the consuming side only). Part 2 (`npm run bench:kafka`, runBroker below):
 * the same comparison on a real Kafka 4 broker, through kafkajs and through @confluentinc/kafka-javascript. kafkajs's way is `eachMessage`: one
 * message at a time per partition, `partitionsConsumedConcurrently` partitions at once, auto-commit.
 *
 * 1. overhead — 100,000 messages, 4 partitions, 1,000 keys, a no-op async handler: consumeKafka
 *    (parallelism 32, perKey 1, commit tracking) versus eachMessage over 4 partitions. The 0.8× target
 *    is set for JetStream against a real server (bench/nats.ts); here it is a reference point.
 *    The fake hands out ready-made messages; real kafkajs first decodes every fetched record batch, a
 *    per-message cost both sides pay. It is measured here with kafkajs's own RecordBatch encoder and
 *    decoder (no network), and the ratio with that cost added to both sides is printed as an estimate.
 * 2. latency hiding — 2,000 messages, 4 partitions, 100 keys, a handler taking 2 ms (a real timer):
 *    consumeKafka (parallelism 32, perKey 1) versus eachMessage over 4 partitions, whose concurrency is
 *    capped by the partition count; target: a speed-up close to 32 / 4 = 8×.
 */
import type { EachMessagePayload } from 'kafkajs';
import { consumeKafka as consume, type KafkaConsumerLike } from '../../src/kafka';
import { consumeKafka } from '../../src/kafka/consumeKafka';
import { FakeBroker } from '../../spec/kafka/fakeKafka';
import { line, perSecond, table, time, type Timing } from '../harness';

const PARTITIONS = 4;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
let groups = 0;

function broker(messages: number, keys: number): FakeBroker {
  const b = new FakeBroker();
  b.createTopic('t', PARTITIONS);
  for (let i = 0; i < messages; i++) b.produceKeyed('t', `key-${i % keys}`, `value-${i}`);
  return b;
}

/** kafkajs's usual way: eachMessage, partitions consumed concurrently, auto-commit; stops after `total`. */
async function kafkajsEachMessage(b: FakeBroker, total: number, handler: () => Promise<void>): Promise<void> {
  const consumer = b.consumer({ groupId: `g${++groups}`, topics: ['t'], maxWaitTimeInMs: 5 });
  let count = 0;
  let finish!: () => void;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  await consumer.run({
    partitionsConsumedConcurrently: PARTITIONS,
    eachMessage: async (_: EachMessagePayload) => {
      await handler();
      if (++count === total) finish();
    },
  });
  await finished;
  await consumer.stop();
  if (count !== total) throw new Error(`eachMessage handled ${count} of ${total}`);
}

async function lanes(b: FakeBroker, total: number, handler: () => Promise<void>): Promise<void> {
  const consumer = b.consumer({ groupId: `g${++groups}`, topics: ['t'], maxWaitTimeInMs: 5 });
  let count = 0;
  let finish!: () => void;
  const stop = new Promise<void>((resolve) => (finish = resolve));
  await new Promise<void>((resolve, reject) =>
    consumeKafka(consumer, {
      parallelism: 32,
      handler: async () => {
        await handler();
        if (++count === total) finish();
      },
      stop,
    }).subscribe({ error: reject, complete: resolve }),
  );
  if (count !== total) throw new Error(`consumeKafka handled ${count} of ${total}`);
  for (let p = 0; p < PARTITIONS; p++) {
    if (b.group(`g${groups}`).committedOffset('t', p) !== b.endOffset('t', p)) throw new Error('consumeKafka: not all committed');
  }
}

/** kafkajs's per-message cost of decoding fetched record batches (its own encoder and decoder, no network). */
async function kafkajsDecodeMicros(): Promise<number> {
  /* eslint-disable @typescript-eslint/no-require-imports */
  const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0') as {
    RecordBatch: (options: { records: unknown[]; lastOffsetDelta: number }) => Promise<{ buffer: Buffer }>;
  };
  const Record = require('kafkajs/src/protocol/recordBatch/record/v0') as (options: {
    offsetDelta: number;
    key: Buffer;
    value: Buffer;
  }) => unknown;
  const decodeBatch = require('kafkajs/src/protocol/recordBatch/v0/decoder') as (decoder: unknown) => Promise<{ records: unknown[] }>;
  const Decoder = require('kafkajs/src/protocol/decoder') as new (buffer: Buffer) => unknown;
  const KafkajsBatch = require('kafkajs/src/consumer/batch') as new (
    topic: string,
    fetchedOffset: string,
    data: unknown,
  ) => { messages: unknown[] };
  /* eslint-enable @typescript-eslint/no-require-imports */
  const records = Array.from({ length: 100 }, (_, i) =>
    Record({ offsetDelta: i, key: Buffer.from(`key-${i % 1000}`), value: Buffer.from(`value-${i}`) }),
  );
  const { buffer } = await RecordBatch({ records, lastOffsetDelta: 99 });
  const decode = async () => {
    for (let i = 0; i < 1000; i++) {
      const { records: decoded } = await decodeBatch(new Decoder(buffer));
      new KafkajsBatch('t', '0', { partition: 0, highWatermark: '100000', messages: decoded, abortedTransactions: [] });
    }
  };
  const t = await time('kafkajs RecordBatch decode', 100_000, decode);
  return (t.ms * 1000) / t.elements;
}

function verdict(name: string, ratio: number, target: string): void {
  line(`${name}: ${ratio.toFixed(2)}× (target ${target})`);
}

export async function run(): Promise<void> {
  line('\n# kafka (on the in-memory fake broker: no broker, no network; `npm run bench:kafka` for a real broker)');

  const noop = () => Promise.resolve();
  const big = broker(100_000, 1_000);
  const eachMessage = await time('kafkajs eachMessage (4 partitions at once)', 100_000, () => kafkajsEachMessage(big, 100_000, noop));
  const ours = await time('consumeKafka(parallelism 32, perKey 1)', 100_000, () => lanes(big, 100_000, noop));
  table('overhead: 100,000 messages, 4 partitions, 1,000 keys, no-op async handler', [eachMessage, ours], eachMessage);
  verdict(
    'consumeKafka / eachMessage, no-op handler',
    perSecond(ours) / perSecond(eachMessage),
    "none set for Kafka; JetStream's is ≥ 0.8× against a real server",
  );
  const decode = await kafkajsDecodeMicros();
  const perMessage = (t: { ms: number; elements: number }) => (t.ms * 1000) / t.elements;
  line(
    `kafkajs decodes a fetched message in ${decode.toFixed(2)} µs (RecordBatch decoder, no network); with that added to both ` +
      `sides (${perMessage(eachMessage).toFixed(2)} vs ${perMessage(ours).toFixed(2)} µs per message here), the estimated ratio is ` +
      `${((perMessage(eachMessage) + decode) / (perMessage(ours) + decode)).toFixed(2)}×`,
  );

  const slow = () => sleep(2);
  const small = broker(2_000, 100);
  const eachMessageSlow = await time('kafkajs eachMessage (4 partitions at once)', 2_000, () => kafkajsEachMessage(small, 2_000, slow), 1);
  const oursSlow = await time('consumeKafka(parallelism 32, perKey 1)', 2_000, () => lanes(small, 2_000, slow), 1);
  table('latency hiding: 2,000 messages, 4 partitions, 100 keys, 2 ms handler', [eachMessageSlow, oursSlow], eachMessageSlow);
  verdict('consumeKafka / eachMessage, 2 ms handler', perSecond(oursSlow) / perSecond(eachMessageSlow), 'close to 32 / 4 = 8×');
}

// ---- Part 2: a real Kafka 4 broker ----------------------------------------------------------------
//
// One broker (spec/support/kafkaBroker.ts) on this machine; one topic of 4 partitions and 1,000 keys,
// produced once; each case is a new consumer group reading it from the beginning. A case's time runs from
// its first handled message to its last, so the group join (hundreds of ms, varying) is not counted;
// kafkajs fetches at most 64 KB per partition (about 1,500 of these messages), so fetching and decoding
// are inside the measured span (librdkafka prefetches on its own threads either way).
//
// - no-op handler, 50,000 messages: the client's plain `eachBatch` loop (auto-resolve, the client's
//   auto-commit, an awaited no-op per message) versus consumeKafka(parallelism 32, perKey 1, no-op);
// - 2 ms handler, 2,000 messages: `eachBatch` with the 4 partitions consumed concurrently, each
//   message awaited in turn, versus consumeKafka(parallelism 32).

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
type Client = 'kafkajs' | 'confluent';

async function brokerBench(): Promise<void> {
  const { startKafkaBroker } = require('../../spec/support/kafkaBroker') as typeof import('../../spec/support/kafkaBroker');
  const broker = await startKafkaBroker();
  line(`\n# kafka on a real broker: Apache Kafka ${broker.version} (KRaft, one node on this machine), node ${process.version}`);
  process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
  const kafkajs = require('kafkajs') as typeof import('kafkajs');
  const kjs = new kafkajs.Kafka({ brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.NOTHING, clientId: 'bench' });
  let confluent: any;
  try {
    const { KafkaJS } = require('@confluentinc/kafka-javascript');
    confluent = new KafkaJS.Kafka({ kafkaJS: { brokers: [broker.bootstrap], logLevel: KafkaJS.logLevel.NOTHING } });
  } catch (error) {
    line(
      `(@confluentinc/kafka-javascript does not load: ${String(error).split('\n')[0]}; run node scripts/brokers/kafka/ensure.js confluent)`,
    );
  }
  const admin = kjs.admin();
  await admin.connect();
  const producer = kjs.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
  await producer.connect();
  const topicOf = async (name: string, messages: number) => {
    await admin.createTopics({ topics: [{ topic: name, numPartitions: PARTITIONS }], waitForLeaders: true });
    for (let i = 0; i < messages; i += 2000) {
      await producer.send({
        topic: name,
        messages: Array.from({ length: Math.min(2000, messages - i) }, (_, j) => ({
          key: `key-${(i + j) % 1000}`,
          value: `value-${i + j}`,
        })),
      });
    }
  };
  let group = 0;
  const consumerOf = async (client: Client, topic: string, autoCommit: boolean): Promise<any> => {
    const groupId = `bench-${++group}`;
    const consumer =
      client === 'kafkajs'
        ? // fetches of ~1,500 messages: without a bound one fetch holds the whole topic, decoded before the
          // first message is handled, and the clock (first to last message) would miss fetching and decoding
          kjs.consumer({ groupId, maxWaitTimeInMs: 100, maxBytesPerPartition: 65_536, maxBytes: 262_144 })
        : confluent.consumer({ kafkaJS: { groupId, fromBeginning: true, autoCommit }, 'fetch.wait.max.ms': 100 });
    await consumer.connect();
    await consumer.subscribe(client === 'kafkajs' ? { topics: [topic], fromBeginning: true } : { topics: [topic] });
    return consumer;
  };
  /** Measures from the first handled message to the `total`-th. */
  const clock = (total: number) => {
    let first = 0;
    let count = 0;
    let finish!: () => void;
    const done = new Promise<void>((r) => (finish = r));
    return {
      tick() {
        if (count === 0) first = performance.now();
        if (++count === total) finish();
      },
      async result(name: string): Promise<Timing> {
        await done;
        return { name, ms: performance.now() - first, elements: total - 1 };
      },
    };
  };
  const eachBatchLoop = async (client: Client, topic: string, total: number, handler: () => Promise<void>, concurrently: number) => {
    const consumer = await consumerOf(client, topic, true);
    const c = clock(total);
    await consumer.run({
      partitionsConsumedConcurrently: concurrently,
      eachBatch: async ({ batch }: any) => {
        for (let i = 0; i < batch.messages.length; i++) {
          await handler();
          c.tick();
        }
      },
    });
    const t = await c.result(`${client} eachBatch loop${concurrently > 1 ? ` (${concurrently} partitions at once)` : ''}`);
    await consumer.disconnect();
    return t;
  };
  const lanesCase = async (client: Client, topic: string, total: number, handler: () => Promise<void>) => {
    const consumer = (await consumerOf(client, topic, false)) as KafkaConsumerLike;
    const c = clock(total);
    const stop = new AbortController();
    const ended = new Promise<void>((resolve, reject) =>
      consume(consumer, {
        parallelism: 32,
        handler: async () => {
          await handler();
          c.tick();
        },
        stop: stop.signal,
      }).subscribe({ error: reject, complete: resolve }),
    );
    const t = await c.result(`${client} consumeKafka(parallelism 32)`);
    stop.abort();
    await ended;
    if (client === 'kafkajs') await (consumer as any).disconnect();
    return t;
  };

  const clients: Client[] = confluent ? ['kafkajs', 'confluent'] : ['kafkajs'];
  const noop = () => Promise.resolve();
  const slow = () => sleep(2);
  await topicOf('bench-noop', 50_000);
  await topicOf('bench-slow', 2_000);
  for (const client of clients) {
    const rows: Timing[] = [];
    for (let round = 0; round < 2; round++) {
      rows.push(await eachBatchLoop(client, 'bench-noop', 50_000, noop, 1));
      rows.push(await lanesCase(client, 'bench-noop', 50_000, noop));
    }
    const best = (prefix: string) => rows.filter((r) => r.name.includes(prefix)).reduce((a, b) => (a.ms <= b.ms ? a : b));
    const loop = best('eachBatch');
    const ours = best('consumeKafka');
    table(`${client}, no-op handler: 50,000 messages, 4 partitions, 1,000 keys (best of 2)`, [loop, ours], loop);
    verdict(`${client}: consumeKafka / eachBatch loop, no-op handler`, perSecond(ours) / perSecond(loop), '≥ 0.8× (as JetStream)');
    const slowLoop = await eachBatchLoop(client, 'bench-slow', 2_000, slow, PARTITIONS);
    const slowOurs = await lanesCase(client, 'bench-slow', 2_000, slow);
    table(`${client}, 2 ms handler: 2,000 messages, 4 partitions, 1,000 keys`, [slowLoop, slowOurs], slowLoop);
    verdict(`${client}: consumeKafka / eachBatch loop, 2 ms handler`, perSecond(slowOurs) / perSecond(slowLoop), 'close to 32 / 4 = 8×');
  }
  await producer.disconnect();
  await admin.disconnect();
  await broker.stop();
}

/** `npm run bench:kafka`: the real-broker part. */
export const runBroker = brokerBench;

if (require.main === module) {
  brokerBench().then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
