/**
 * End to end on a real Apache Kafka 4 broker (KRaft, started by the repository's spec/support/kafkaBroker.ts
 * with the jars of scripts/brokers/kafka/ensure.js) with kafkajs: a Nest application whose
 * @EventPattern('orders') handler runs in KafkaLanesServer lanes.
 *
 * 1. 24 keys × 10 events on 3 partitions: every event handled, each key's events in sequence and one at a
 *    time, several keys at once and never more than `parallelism`; a handler's `{ nak }` comes back as
 *    attempt 2.
 * 2. A handler throwing an RpcException that onError maps to 'fail' fails the run: the server restarts it
 *    (kafkajs's consumer runs again) and the rest is consumed.
 * 3. app.close() drains and commits: the group's committed offsets reach the end of every partition.
 */
import 'reflect-metadata';
import { Controller, Injectable, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload, RpcException } from '@nestjs/microservices';
import kafkajs from 'kafkajs';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectLanes, KafkaLanesServer, LanesModule, lanesServerToken, type KafkaLanesContext } from '../src/index.js';
import { startKafkaBroker, type KafkaBroker } from './support.js';

const TOPIC = 'orders';
const GROUP = 'nest-lanes-e2e';
const PARALLELISM = 8;
const KEYS = 24;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Event {
  key: string;
  seq: number;
  /** 'nak-once': nak on the first attempt; 'fail-once': fail the run on the first attempt. */
  mode?: string;
}

@Injectable()
class Ledger {
  readonly handled: (Event & { attempt: number; start: number; end: number })[] = [];
  readonly failedOnce = new Set<string>();
  running = 0;
  most = 0;
  tick = 0;
}

@Controller()
class OrdersController {
  constructor(private readonly ledger: Ledger) {}

  @EventPattern<string>(TOPIC)
  async apply(@Payload() event: Event, @Ctx() ctx: KafkaLanesContext): Promise<unknown> {
    const { ledger } = this;
    const start = ++ledger.tick;
    ledger.running++;
    ledger.most = Math.max(ledger.most, ledger.running);
    try {
      await sleep(1 + (event.seq % 3));
    } finally {
      ledger.running--;
    }
    const attempt = ctx.getAttempt();
    const id = `${event.key}/${event.seq}`;
    if (event.mode === 'fail-once' && !ledger.failedOnce.has(id)) {
      ledger.failedOnce.add(id);
      throw new RpcException({ fatal: true, id }); // onError below turns it into 'fail'
    }
    ledger.handled.push({ ...event, attempt, start, end: ++ledger.tick });
    if (event.mode === 'nak-once' && attempt === 1) return { nak: 50 };
    return undefined;
  }
}

async function waitFor(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(condition).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

describe('KafkaLanesServer on a real Kafka 4 broker (kafkajs)', { timeout: 240_000 }, () => {
  let broker: KafkaBroker;
  let kafka: kafkajs.Kafka;
  let admin: kafkajs.Admin;
  let producer: kafkajs.Producer;
  let consumer: kafkajs.Consumer;
  let app: INestApplication | undefined;
  let lanes: KafkaLanesServer;
  let ledger: Ledger;
  let factoryCalls = 0;

  const produce = async (from: number, to: number, mode?: (key: number, seq: number) => string | undefined) => {
    const messages = [];
    for (let seq = from; seq <= to; seq++) {
      for (let k = 1; k <= KEYS; k++) messages.push({ key: `k${k}`, value: JSON.stringify({ key: `k${k}`, seq, mode: mode?.(k, seq) }) });
    }
    await producer.send({ topic: TOPIC, messages });
  };
  const firstHandling = (key: string) => [...new Set(ledger.handled.filter((e) => e.key === key).map((e) => e.seq))];

  before(async () => {
    broker = await startKafkaBroker();
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
    kafka = new kafkajs.Kafka({ clientId: 'nest-lanes-e2e', brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.NOTHING });
    admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: TOPIC, numPartitions: 3, replicationFactor: 1 }], waitForLeaders: true });
    producer = kafka.producer({ createPartitioner: kafkajs.Partitioners.DefaultPartitioner });
    await producer.connect();
    consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 6000, heartbeatInterval: 500, maxWaitTimeInMs: 100 });
    await consumer.connect();
    await consumer.subscribe({ topics: [TOPIC], fromBeginning: true });
    app = await NestFactory.create(
      {
        module: class AppModule {},
        imports: [
          LanesModule.forRootAsync({
            useFactory: () =>
              new KafkaLanesServer({
                consumer: () => (factoryCalls++, consumer), // the same consumer runs again after a failed run
                parallelism: PARALLELISM,
                commitInterval: 200,
                onError: (error) => ((error as { fatal?: boolean }).fatal ? 'fail' : { nak: 100 }),
                restart: { delay: 100, maxDelay: 1000 },
              }),
          }),
        ],
        controllers: [OrdersController],
        providers: [Ledger],
      },
      { logger: process.env.E2E_VERBOSE ? ['log', 'warn', 'error'] : false },
    );
    connectLanes(app);
    await app.startAllMicroservices();
    await app.init();
    lanes = app.get(lanesServerToken());
    ledger = app.get(Ledger);
  });

  after(async () => {
    await app?.close();
    await consumer?.disconnect().catch(() => undefined);
    await producer?.disconnect().catch(() => undefined);
    await admin?.disconnect().catch(() => undefined);
    await broker?.stop();
  });

  it('handles every event, per key in sequence and one at a time, several keys at once; a nak comes back as attempt 2', async () => {
    await produce(1, 10, (k, seq) => (k === 1 && seq === 5 ? 'nak-once' : undefined));
    await waitFor(
      () =>
        Array.from({ length: KEYS }, (_, k) => firstHandling(`k${k + 1}`).length).every((n) => n === 10) &&
        ledger.handled.some((e) => e.mode === 'nak-once' && e.attempt > 1),
      "all 240 handled, and the nak'd one again",
    );
    for (let k = 1; k <= KEYS; k++) {
      const mine = ledger.handled.filter((e) => e.key === `k${k}`);
      assert.deepEqual(firstHandling(`k${k}`), Array.from({ length: 10 }, (_, i) => i + 1), `k${k} in sequence`);
      for (let i = 1; i < mine.length; i++) assert.ok(mine[i - 1]!.end < mine[i]!.start, `k${k}: one at a time`);
    }
    const naked = ledger.handled.filter((e) => e.mode === 'nak-once').map((e) => e.attempt);
    assert.deepEqual(naked, [1, 2], 'the nak’d message came back once, as attempt 2');
    assert.ok(ledger.most > 1 && ledger.most <= PARALLELISM, `${ledger.most} handlers at once (1 < n ≤ ${PARALLELISM})`);
    assert.equal(lanes.ready, true);
  });

  it("a handler's 'fail' fails the run; the server runs the consumer again and consumes the rest", async () => {
    const before = ledger.handled.length;
    await produce(11, 14, (k, seq) => (k === 2 && seq === 12 ? 'fail-once' : undefined));
    await waitFor(() => lanes.stats().restarts >= 1, 'a restart of the run');
    await waitFor(() => lanes.ready, 'consuming again');
    await waitFor(() => Array.from({ length: KEYS }, (_, k) => firstHandling(`k${k + 1}`).length).every((n) => n === 14), 'all of 11..14 handled');
    assert.ok(factoryCalls >= 2, 'the consumer factory was called again');
    assert.deepEqual(firstHandling('k2'), Array.from({ length: 14 }, (_, i) => i + 1), 'k2 in sequence across the restart');
    console.log(`# fail-once: ${ledger.handled.length - before - KEYS * 4} events handled again after the restart (from the committed offsets)`);
  });

  it('app.close() drains and commits up to the end of every partition', async () => {
    const closing = app!.close();
    app = undefined;
    await closing;
    assert.equal(lanes.currentStatus, 'drained');
    const ends = new Map((await admin.fetchTopicOffsets(TOPIC)).map((p) => [p.partition, p.high]));
    const [committed] = await admin.fetchOffsets({ groupId: GROUP, topics: [TOPIC] });
    assert.deepEqual(new Map(committed!.partitions.map((p) => [p.partition, p.offset])), ends, 'committed = end offsets');
  });
});
