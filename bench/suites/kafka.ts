/**
 * consumeKafka versus kafkajs's own way of consuming, side by side in one process on the in-memory fake
 * broker of spec/kafka/fakeKafka.ts (no Kafka broker can run on these machines, so network and broker
 * costs are absent: these ratios measure the consuming side only). kafkajs's way is `eachMessage`: one
 * message at a time per partition, `partitionsConsumedConcurrently` partitions at once, auto-commit.
 *
 * 1. overhead — 100,000 messages, 4 partitions, 1,000 keys, a no-op async handler: consumeKafka
 *    (parallelism 32, perKey 1, commit tracking) versus eachMessage over 4 partitions. The issue sets
 *    its 0.8× target for JetStream against a real server (bench/nats.ts); here it is a reference point.
 *    The fake hands out ready-made messages; real kafkajs first decodes every fetched record batch, a
 *    per-message cost both sides pay. It is measured here with kafkajs's own RecordBatch encoder and
 *    decoder (no network), and the ratio with that cost added to both sides is printed as an estimate.
 * 2. latency hiding — 2,000 messages, 4 partitions, 100 keys, a handler taking 2 ms (a real timer):
 *    consumeKafka (parallelism 32, perKey 1) versus eachMessage over 4 partitions, whose concurrency is
 *    capped by the partition count; target: a speed-up close to 32 / 4 = 8×.
 */
import type { EachMessagePayload } from 'kafkajs';
import { consumeKafka } from '../../src/kafka/consumeKafka';
import { FakeBroker } from '../../spec/kafka/fakeKafka';
import { line, perSecond, table, time } from '../harness';

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
  line('\n# kafka (on the in-memory fake broker: no broker, no network)');

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
