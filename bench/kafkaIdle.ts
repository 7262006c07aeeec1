/**
 * `npm run bench:kafka:idle`: what an idle subscription costs. One consumer on an empty topic (4
 * partitions) of a real Kafka 4 broker, in a process of its own, at the clients' default settings; the
 * CPU time of that process (all its threads: librdkafka's too) is read over a window (30 s, or
 * IDLE_WINDOW_MS) once the consumer has joined its group. Four cases: the plain client (`run` with a
 * no-op `eachBatch`) and consumeKafka at its defaults (heartbeat ticker 1 s, commit ticker 5 s), with
 * kafkajs and with @confluentinc/kafka-javascript. The figure is CPU ms per second of wall time.
 */
import { spawn } from 'node:child_process';
import { line } from './harness';
import type { KafkaConsumerLike } from '../src/kafka';

/* eslint-disable @typescript-eslint/no-require-imports, @typescript-eslint/no-explicit-any */
type Client = 'kafkajs' | 'confluent';
type Mode = 'plain' | 'consumeKafka';

const WINDOW_MS = Number(process.env.IDLE_WINDOW_MS ?? 30_000);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One case, in this (child) process: prints `{"cpuMs":…,"wallMs":…}`. */
async function child(client: Client, mode: Mode, bootstrap: string, topic: string): Promise<void> {
  const groupId = `idle-${client}-${mode}-${Date.now().toString(36)}`;
  let consumer: any;
  if (client === 'kafkajs') {
    const kafkajs = require('kafkajs') as typeof import('kafkajs');
    const kafka = new kafkajs.Kafka({ brokers: [bootstrap], logLevel: kafkajs.logLevel.NOTHING, clientId: 'idle' });
    consumer = kafka.consumer({ groupId });
  } else {
    const { KafkaJS } = require('@confluentinc/kafka-javascript');
    const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: [bootstrap], logLevel: KafkaJS.logLevel.NOTHING } });
    consumer = kafka.consumer({ kafkaJS: { groupId, fromBeginning: true, autoCommit: mode === 'plain' } });
  }
  await consumer.connect();
  await consumer.subscribe(client === 'kafkajs' ? { topics: [topic], fromBeginning: true } : { topics: [topic] });
  let joined = false;
  if (client === 'kafkajs') consumer.on(consumer.events.GROUP_JOIN, () => (joined = true));
  const stop = new AbortController();
  let ended: Promise<void> = Promise.resolve();
  if (mode === 'plain') {
    await consumer.run({ eachBatch: async () => undefined });
  } else {
    ended = new Promise<void>((resolve, reject) => {
      const { consumeKafka } = require('../src/kafka') as typeof import('../src/kafka');
      consumeKafka(consumer as KafkaConsumerLike, { parallelism: 32, handler: () => undefined, stop: stop.signal }).subscribe({
        error: reject,
        complete: resolve,
      });
    });
  }
  const isJoined = () => (client === 'kafkajs' ? joined : consumer.assignment().length > 0);
  for (let i = 0; !isJoined(); i++) {
    if (i > 600) throw new Error('the consumer did not join its group within 60 s');
    await sleep(100);
  }
  await sleep(2000); // settle after the join
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  await sleep(WINDOW_MS);
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ cpuMs: (cpu.user + cpu.system) / 1000, wallMs })}\n`);
  stop.abort();
  await ended;
  await consumer.disconnect();
}

function runChild(client: Client, mode: Mode, bootstrap: string, topic: string): Promise<{ cpuMs: number; wallMs: number }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, [__filename, 'child', client, mode, bootstrap, topic], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout!.on('data', (c: Buffer) => (out += c.toString()));
    proc.once('exit', (code) => {
      const result = out.split('\n').find((l) => l.startsWith('{'));
      if (code !== 0 || result === undefined) reject(new Error(`${client} ${mode}: exited with ${code}: ${out}`));
      else resolve(JSON.parse(result) as { cpuMs: number; wallMs: number });
    });
  });
}

async function main(): Promise<void> {
  const { startKafkaBroker } = require('../spec/support/kafkaBroker') as typeof import('../spec/support/kafkaBroker');
  const broker = await startKafkaBroker();
  try {
    process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
    const kafkajs = require('kafkajs') as typeof import('kafkajs');
    const admin = new kafkajs.Kafka({ brokers: [broker.bootstrap], logLevel: kafkajs.logLevel.NOTHING }).admin();
    await admin.connect();
    const topic = `idle-${Date.now().toString(36)}`;
    await admin.createTopics({ topics: [{ topic, numPartitions: 4 }], waitForLeaders: true });
    await admin.disconnect();
    line(
      `\n# kafka, idle: CPU of one consumer process on an empty topic over ${WINDOW_MS / 1000} s (Kafka ${broker.version}, node ${process.version})`,
    );
    for (const client of ['kafkajs', 'confluent'] as const) {
      for (const mode of ['plain', 'consumeKafka'] as const) {
        const { cpuMs, wallMs } = await runChild(client, mode, broker.bootstrap, topic);
        line(
          `${client.padEnd(9)} ${mode.padEnd(12)} ${((cpuMs / wallMs) * 1000).toFixed(1).padStart(6)} ms CPU per s (${cpuMs.toFixed(0)} ms in ${(wallMs / 1000).toFixed(1)} s)`,
        );
      }
    }
  } finally {
    await broker.stop();
  }
}

if (require.main === module) {
  const [, , role, client, mode, bootstrap, topic] = process.argv;
  const work = role === 'child' ? child(client as Client, mode as Mode, bootstrap, topic) : main();
  work.then(
    () => process.exit(0),
    (error: unknown) => {
      console.error(error);
      process.exit(1);
    },
  );
}
