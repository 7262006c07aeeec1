/**
 * End to end: the built service as a real child process against a real nats-server (Debian's 2.9, started
 * here on loopback with JetStream and a temporary store, stopped by PID with SIGINT at the end).
 *
 * 1. The service starts before the durable consumer exists: /health/ready answers 503.
 * 2. Part A of a burst is published (ORDERS orders × SEQ_A events each, interleaved, sequence-numbered,
 *    plus one poison message); the consumer is created; the service consumes: /health/ready answers 200,
 *    and reports exactly one copy of rxjs loaded (this project's) and rxjs-lanes from the staged build.
 * 3. SIGTERM midway: the process drains (log: draining → drained → connection closed) and exits with
 *    code 0; the server's consumer then shows nothing pending an ack, nothing redelivered, everything
 *    delivered acked — and messages still waiting (it really was midway). Every delivered message is in
 *    the ledger exactly once.
 * 4. Part B (events SEQ_A+1..SEQ_B of every order) is published while the service is down; the service is
 *    restarted, becomes ready, and consumes the rest: num_pending 0 and num_ack_pending 0. SIGTERM again:
 *    /health/ready answers 503 while it drains, and it exits with code 0.
 * 5. The ledger (written by the service's bulk step before acking) holds every event exactly once, each
 *    order's events in sequence across both processes, one at a time per order (each step finished
 *    before the order's next one started), several orders at once, and batched writes of one shard each.
 */
import { AckPolicy, DeliverPolicy, jetstreamManager, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { startNatsServer, type NatsServer } from './nats-server.js';
import { shardOf } from '../src/orders/shard.js';
import { Service } from './service.js';

const project = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const STREAM = 'ORDERS';
const CONSUMER = 'orders-processor';
const ORDERS = 40;
const SEQ_A = 25; // events 1..SEQ_A of every order before the SIGTERM
const SEQ_B = 35; // events SEQ_A+1..SEQ_B while the service is down
const PARALLELISM = 8;
const SHARDS = 4;
const BATCH_SIZE = 10;
const SIGTERM_AFTER = 100; // ledger lines before SIGTERM (part A has ORDERS × SEQ_A + 1 = 1001 messages, ≈ 1 s of work)
const ms = (n: number) => n * 1_000_000;
const sleep = (n: number) => new Promise((resolve) => setTimeout(resolve, n));

/** `promise`, or a rejection after `timeoutMs` (the timer is cleared, so it keeps nothing alive). */
async function within<T>(promise: Promise<T>, timeoutMs: number, what: () => string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(what())), timeoutMs)));
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

interface LedgerLine {
  kind: 'event' | 'rejected';
  orderId: string;
  seq?: number;
  reason?: string;
  shard: number;
  streamSeq: number;
  deliveryCount: number;
  pid: number;
  started: number;
  finished: number;
  write: number;
}

interface Health {
  status: number;
  body: { ready: boolean; status: string; pid: number; rxjs: string[]; rxjsLanes: string; settled: Record<string, number> };
}

/** Deterministic shuffle (a failure can be replayed). */
function shuffled<T>(items: T[], seed: number): T[] {
  let s = seed >>> 0;
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    s = (s * 1664525 + 1013904223) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

describe('orders service (NestJS) on NATS JetStream', { timeout: 180_000 }, () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let dir: string;
  let ledgerFile: string;
  const services: Service[] = [];
  const orderIds = Array.from({ length: ORDERS }, (_, i) => `o${String(i + 1).padStart(3, '0')}`);
  let firstRun: { pid: number; info: ConsumerInfo; lines: number } | undefined;

  const env = () => ({
    NATS_URL: server.url,
    ORDERS_STREAM: STREAM,
    ORDERS_CONSUMER: CONSUMER,
    HTTP_PORT: '0',
    LEDGER_FILE: ledgerFile,
    PARALLELISM: String(PARALLELISM),
    WINDOW: '32',
    SHARDS: String(SHARDS),
    BATCH_SIZE: String(BATCH_SIZE),
    BATCH_MAX_WAIT_MS: '5',
    BATCH_CONCURRENCY: '2',
    WORK_MS: '4-12',
    WRITE_MS: '5-15',
  });

  const ledger = (): LedgerLine[] =>
    existsSync(ledgerFile)
      ? readFileSync(ledgerFile, 'utf8')
          .split('\n')
          .filter((line) => line !== '')
          .map((line) => JSON.parse(line) as LedgerLine)
      : [];

  const start = async (): Promise<{ service: Service; url: string }> => {
    const service = new Service(env());
    services.push(service);
    const [, url] = await service.waitForLine(/listening on (http:\/\/\S+)/);
    return { service, url: url! };
  };

  const health = async (url: string): Promise<Health> => {
    const response = await fetch(`${url}/health/ready`);
    return { status: response.status, body: (await response.json()) as Health['body'] };
  };

  const waitForHealth = async (url: string, status: number, timeoutMs = 30_000): Promise<Health> => {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const h = await health(url);
      if (h.status === status) return h;
      if (Date.now() > deadline) throw new Error(`/health/ready still ${h.status} ${JSON.stringify(h.body)}`);
      await sleep(25);
    }
  };

  /**
   * The consumer's info once the server has applied the acks it received. nats-server queues incoming
   * acks and applies them on the consumer's own goroutine, so right after the service closed its
   * connection the last acks may not be counted yet. Waits at most 5 s — far below `ack_wait` (30 s):
   * with no client connected, `num_ack_pending` can only fall by applying acks that were really sent.
   */
  const settledConsumerInfo = async (): Promise<ConsumerInfo> => {
    const started = Date.now();
    for (;;) {
      const info = await jsm.consumers.info(STREAM, CONSUMER);
      const settled = info.num_ack_pending === 0 && info.ack_floor.consumer_seq === info.delivered.consumer_seq;
      if (settled || Date.now() - started > 5_000) {
        if (Date.now() > started + 50) console.log(`# waited ${Date.now() - started} ms for the server to apply the acks`);
        return info;
      }
      await sleep(50);
    }
  };

  const publish = async (fromSeq: number, toSeq: number, seed: number): Promise<void> => {
    const js = (await import('@nats-io/jetstream')).jetstream(nc);
    for (let seq = fromSeq; seq <= toSeq; seq++) {
      for (const orderId of shuffled(orderIds, seed + seq)) {
        await js.publish(`orders.${orderId}`, JSON.stringify({ orderId, seq, type: seq === 1 ? 'created' : 'item-added', amount: seq }));
      }
    }
  };

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'nestjs-example-e2e-'));
    ledgerFile = join(dir, 'ledger.jsonl');
    server = await startNatsServer();
    nc = await connect({ servers: server.url, reconnect: false });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: STREAM, subjects: ['orders.>'] });
  });

  after(async () => {
    for (const service of services) await service.kill();
    await nc?.close();
    const code = await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, 'nats-server stopped cleanly with SIGINT');
  });

  it('runs: not ready before the consumer exists, ready while consuming; one copy of rxjs', async () => {
    const { service, url } = await start();
    const early = await health(url);
    assert.equal(early.status, 503, 'not ready before consuming');
    assert.equal(early.body.ready, false);
    assert.equal(early.body.status, 'waiting-for-consumer');

    await publish(1, SEQ_A, 1);
    await nc.publish('orders.poison', 'this is not JSON');
    await nc.flush();
    await jsm.consumers.add(STREAM, {
      durable_name: CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: ms(30_000),
      max_ack_pending: 64,
    });

    const ready = await waitForHealth(url, 200);
    assert.equal(ready.body.ready, true);
    assert.equal(ready.body.status, 'consuming');
    assert.equal(ready.body.pid, service.pid);
    assert.deepEqual(ready.body.rxjs, [realpathSync(join(project, 'node_modules', 'rxjs'))], 'exactly one rxjs: the project\'s');
    assert.equal(ready.body.rxjsLanes.startsWith(realpathSync(join(project, 'vendor', 'rxjs-lanes')) + '/'), true, `rxjs-lanes from the staged build, got ${ready.body.rxjsLanes}`);
  });

  it('SIGTERM midway: drains, exits 0, leaves nothing pending an ack', async () => {
    const service = services[0]!;
    for (const deadline = Date.now() + 60_000; ledger().length < SIGTERM_AFTER; await sleep(10)) {
      if (Date.now() > deadline || service.exit) throw new Error(`the ledger did not reach ${SIGTERM_AFTER} lines:\n${service.log()}`);
    }
    const before = ledger().length;
    service.signal('SIGTERM');
    const exit = await within(service.exited, 30_000, () => `the service did not exit within 30 s of SIGTERM:\n${service.log()}`);
    assert.deepEqual(exit, { code: 0, signal: null }, `clean exit:\n${service.log()}`);

    const info = await settledConsumerInfo();
    assert.equal(info.num_ack_pending, 0, 'nothing left pending an ack');
    assert.equal(info.num_redelivered, 0, 'nothing redelivered');
    assert.equal(info.ack_floor.consumer_seq, info.delivered.consumer_seq, 'every delivered message acked (or terminated)');
    console.log(`# SIGTERM after ${before} ledger lines; then: ${info.delivered.consumer_seq} delivered and acked, ${info.num_pending} not delivered`);
    assert.ok(info.num_pending > 0, `SIGTERM came midway: ${info.num_pending} messages not yet delivered`);

    const lines = ledger();
    assert.equal(lines.length, info.delivered.consumer_seq, 'every delivered message processed and recorded once');
    assert.ok(lines.every((line) => line.pid === service.pid));
    const steps = [/shutdown \(SIGTERM\): draining/, /consumer status: draining/, /consumer status: drained/, /drained: settled/, /connection drained and closed/];
    const at = steps.map((step) => service.indexOf(step));
    assert.ok(at.every((i) => i >= 0) && at.every((i, n) => n === 0 || i > at[n - 1]!), `drain logged in order:\n${service.log()}`);
    assert.equal(service.indexOf(/ERROR/), -1, `no error logged:\n${service.log()}`);

    firstRun = { pid: service.pid, info, lines: lines.length };
  });

  it('restart: consumes the rest, nothing pending', async () => {
    assert.ok(firstRun, 'the first run completed');
    await publish(SEQ_A + 1, SEQ_B, 2); // while the service is down
    const { service, url } = await start();
    const ready = await waitForHealth(url, 200);
    assert.equal(ready.body.pid, service.pid);

    const total = ORDERS * SEQ_B + 1;
    let info = await jsm.consumers.info(STREAM, CONSUMER);
    for (const deadline = Date.now() + 90_000; info.num_pending > 0 || info.num_ack_pending > 0 || ledger().length < total; ) {
      if (Date.now() > deadline || service.exit) throw new Error(`not consumed: ${JSON.stringify(info)}\n${service.log()}`);
      await sleep(50);
      info = await jsm.consumers.info(STREAM, CONSUMER);
    }
    service.signal('SIGTERM');
    // An idle drain waits for the open pull request to expire (up to 2 s): readiness is off meanwhile.
    await service.waitForLine(/consumer status: draining/);
    const draining = await health(url).catch(() => undefined); // undefined: the HTTP server already closed
    if (draining) assert.equal(draining.status, 503, `not ready while draining: ${JSON.stringify(draining.body)}`);
    const exit = await within(service.exited, 30_000, () => `the service did not exit within 30 s of SIGTERM:\n${service.log()}`);
    assert.deepEqual(exit, { code: 0, signal: null }, `clean exit:\n${service.log()}`);

    info = await settledConsumerInfo();
    const stream = await jsm.streams.info(STREAM);
    assert.equal(info.num_pending, 0);
    assert.equal(info.num_ack_pending, 0);
    assert.equal(info.num_redelivered, 0);
    assert.equal(info.ack_floor.stream_seq, stream.state.last_seq, 'acked up to the end of the stream');
    assert.equal(stream.state.messages, total);
  });

  it('every order event was processed once, in per-order sequence, one at a time per order', () => {
    assert.ok(firstRun, 'the first run completed');
    const lines = ledger();
    const pids = [firstRun.pid, services[1]!.pid];
    assert.deepEqual([...new Set(lines.map((l) => l.pid))], pids, 'both processes recorded, the first one first');
    assert.ok(lines.every((l) => l.deliveryCount === 1), 'no message was delivered twice');

    const rejected = lines.filter((l) => l.kind === 'rejected');
    assert.equal(rejected.length, 1, 'the poison message was terminated once');
    assert.equal(rejected[0]!.orderId, 'poison');

    const events = lines.filter((l) => l.kind === 'event');
    assert.equal(events.length, ORDERS * SEQ_B);
    for (const orderId of orderIds) {
      const mine = events.filter((l) => l.orderId === orderId);
      assert.deepEqual(mine.map((l) => l.seq), Array.from({ length: SEQ_B }, (_, i) => i + 1), `order ${orderId}: every event once, in sequence`);
      for (let i = 1; i < mine.length; i++) {
        const [prev, next] = [mine[i - 1]!, mine[i]!];
        assert.ok(pids.indexOf(prev.pid) <= pids.indexOf(next.pid), `order ${orderId}: the first process's events come first`);
        if (prev.pid === next.pid) {
          assert.ok(prev.finished < next.started, `order ${orderId}: event ${prev.seq} finished before ${next.seq} started`);
          assert.ok(prev.write <= next.write, `order ${orderId}: written in order`);
        }
      }
    }

    for (const pid of pids) {
      // Several orders at once: the most per-event steps overlapping in time, from the ticks.
      const ticks = events.filter((l) => l.pid === pid).flatMap((l) => [[l.started, 1] as const, [l.finished, -1] as const]);
      ticks.sort((a, b) => a[0] - b[0]);
      let running = 0;
      let most = 0;
      for (const [, delta] of ticks) most = Math.max(most, (running += delta));
      assert.ok(most > 1 && most <= PARALLELISM, `process ${pid}: ${most} steps at once (1 < n ≤ ${PARALLELISM})`);

      // The bulk step: each write holds events of one shard (the orders hashed to it), at most BATCH_SIZE,
      // and batches form (a write holds several events).
      const writes = new Map<number, LedgerLine[]>();
      for (const line of lines.filter((l) => l.pid === pid)) writes.set(line.write, [...(writes.get(line.write) ?? []), line]);
      for (const batch of writes.values()) {
        assert.deepEqual([...new Set(batch.map((l) => l.shard))], [shardOf(batch[0]!.orderId, SHARDS)], 'a write holds one shard');
        assert.ok(batch.every((l) => shardOf(l.orderId, SHARDS) === l.shard), 'each order in its own shard');
        assert.ok(batch.length <= BATCH_SIZE);
      }
      const sizes = [...writes.values()].map((batch) => batch.length);
      console.log(`# process ${pid}: ${most} steps at once at most; ${sizes.length} writes for ${sizes.reduce((a, n) => a + n, 0)} messages (largest ${Math.max(...sizes)})`);
      assert.ok(sizes.some((n) => n > 1), `process ${pid}: some writes were batched`);
    }
  });
});
