/**
 * End to end on a real nats-server (Debian's 2.9, started by the repository's spec/integration/natsServer.ts
 * on loopback with free ports): a Nest application whose @EventPattern('orders.*') handler runs in
 * JetStreamLanesServer lanes.
 *
 * 1. 30 orders × 12 events, interleaved: every event handled once, each order's events in sequence and one
 *    at a time, several orders at once and never more than `parallelism`; everything acked.
 * 2. The nats-server is restarted while the service consumes a second burst: the service survives
 *    (consuming again, with or without a restart of its run) and handles the rest; at-least-once: every
 *    event handled, per order in sequence order of first handling.
 * 3. app.close() while handlers run: they finish, their messages are acked, nothing is left pending.
 */
import 'reflect-metadata';
import { AckPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { connect, nanos, type NatsConnection } from '@nats-io/transport-node';
import { Controller, Injectable, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { connectLanes, JetStreamLanesServer, LanesModule, lanesServerToken, type JetStreamLanesContext } from '../src/index.js';
import { startNatsServer, type NatsServer } from './support.js';

const STREAM = 'ORDERS';
const CONSUMER = 'orders';
const PARALLELISM = 6;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Event {
  orderId: string;
  seq: number;
}

@Injectable()
class Ledger {
  readonly handled: (Event & { start: number; end: number; delivery: number })[] = [];
  running = 0;
  most = 0;
  tick = 0;
  /** Handlers waiting for the test (phase 3). */
  hold: Promise<void> | undefined;
}

@Controller()
class OrdersController {
  constructor(private readonly ledger: Ledger) {}

  @EventPattern<string>('orders.*')
  async apply(@Payload() event: Event, @Ctx() ctx: JetStreamLanesContext): Promise<void> {
    const { ledger } = this;
    const start = ++ledger.tick;
    ledger.running++;
    ledger.most = Math.max(ledger.most, ledger.running);
    try {
      await sleep(1 + (event.seq % 3));
      if (ledger.hold) await ledger.hold;
    } finally {
      ledger.running--;
    }
    ledger.handled.push({ ...event, start, end: ++ledger.tick, delivery: ctx.getDelivery().info.deliveryCount });
  }
}

async function waitFor(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  // a request that fails (the server restarting) counts as "not yet"
  while (!(await Promise.resolve().then(condition).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

describe('JetStreamLanesServer on a real nats-server', { timeout: 180_000 }, () => {
  let server: NatsServer;
  let nc: NatsConnection; // the service's connection (reconnects across the server restart)
  let admin: NatsConnection;
  let jsm: JetStreamManager;
  let app: INestApplication;
  let lanes: JetStreamLanesServer;
  let ledger: Ledger;

  const publish = async (orders: number, from: number, to: number) => {
    const js = jetstream(admin);
    for (let seq = from; seq <= to; seq++) {
      for (let o = 1; o <= orders; o++) {
        // retried while the server restarts (JetStream answers "no responders" until it is back)
        for (let attempt = 1; ; attempt++) {
          try {
            await js.publish(`orders.o${o}`, JSON.stringify({ orderId: `o${o}`, seq }), { msgID: `o${o}-${seq}` });
            break;
          } catch (error) {
            if (attempt >= 100) throw error;
            await sleep(100);
          }
        }
      }
    }
  };
  const info = () => jsm.consumers.info(STREAM, CONSUMER);
  const allAcked = async (total: number) => {
    const i = await info();
    return i.num_pending === 0 && i.num_ack_pending === 0 && i.ack_floor.stream_seq === total;
  };

  before(async () => {
    server = await startNatsServer();
    admin = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
    jsm = await jetstreamManager(admin);
    await jsm.streams.add({ name: STREAM, subjects: ['orders.>'] });
    await jsm.consumers.add(STREAM, { durable_name: CONSUMER, ack_policy: AckPolicy.Explicit, ack_wait: nanos(30_000), max_ack_pending: 200 });
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 50 });
    app = await NestFactory.create(
      {
        module: class AppModule {},
        imports: [
          LanesModule.forRootAsync({
            useFactory: () =>
              new JetStreamLanesServer({
                consumer: () => jetstream(nc).consumers.get(STREAM, CONSUMER),
                parallelism: PARALLELISM,
                key: (d) => d.subject,
                restart: { delay: 100, maxDelay: 1000 },
              }),
          }),
        ],
        controllers: [OrdersController],
        providers: [Ledger],
      },
      { logger: process.env.E2E_VERBOSE ? ['log', 'warn', 'error'] : ['error'] },
    );
    connectLanes(app);
    await app.startAllMicroservices();
    await app.init();
    lanes = app.get(lanesServerToken());
    ledger = app.get(Ledger);
  });

  after(async () => {
    await app?.close();
    await nc?.close();
    await admin?.close();
    await server?.stop();
  });

  it('handles every event once, per order in sequence and one at a time, several orders at once, all acked', async () => {
    await waitFor(() => lanes.ready, 'consuming');
    await publish(30, 1, 12);
    await waitFor(() => allAcked(360), 'all 360 acked');
    assert.equal(ledger.handled.length, 360);
    for (let o = 1; o <= 30; o++) {
      const mine = ledger.handled.filter((e) => e.orderId === `o${o}`);
      assert.deepEqual(mine.map((e) => e.seq), Array.from({ length: 12 }, (_, i) => i + 1), `order o${o} in sequence`);
      for (let i = 1; i < mine.length; i++) assert.ok(mine[i - 1]!.end < mine[i]!.start, `order o${o}: one at a time`);
    }
    assert.ok(ledger.most > 1 && ledger.most <= PARALLELISM, `${ledger.most} handlers at once (1 < n ≤ ${PARALLELISM})`);
    assert.deepEqual(lanes.stats().settled, { ack: 360, nak: 0, term: 0 });
  });

  it('survives a nats-server restart while consuming, and handles everything that was pending', async () => {
    const before = ledger.handled.length;
    await publish(10, 13, 40); // 280 events
    await waitFor(() => ledger.handled.length > before + 20, 'consuming the second burst');
    await server.restart();
    await waitFor(() => lanes.ready, 'consuming again');
    const total = 360 + 280;
    await waitFor(() => allAcked(total), `all ${total} acked`, 90_000);
    const second = ledger.handled.slice(before);
    for (let o = 1; o <= 10; o++) {
      const firsts = [...new Set(second.filter((e) => e.orderId === `o${o}`).map((e) => e.seq))];
      assert.deepEqual(firsts, Array.from({ length: 28 }, (_, i) => i + 13), `order o${o}: every event, in sequence of first handling`);
    }
    console.log(`# restart: ${second.length - 280} events handled twice (at-least-once), server restarts of its run: ${lanes.stats().restarts}`);
  });

  it('app.close() drains: running handlers finish and are acked, nothing left pending', async () => {
    let release!: () => void;
    ledger.hold = new Promise<void>((resolve) => (release = resolve));
    const before = ledger.handled.length;
    await publish(5, 41, 42);
    await waitFor(() => ledger.running > 0, 'handlers running');
    const closing = app.close();
    await waitFor(() => lanes.currentStatus === 'draining', 'draining');
    release();
    await closing;
    assert.equal(lanes.currentStatus, 'drained');
    const handledInDrain = ledger.handled.length - before;
    assert.ok(handledInDrain > 0, 'the running handlers finished');
    // nothing the service took is left unacked (what it had not fetched is still pending)
    await waitFor(async () => (await info()).num_ack_pending === 0, 'acks applied', 5_000);
    const i = await info();
    assert.equal(i.num_ack_pending, 0);
    assert.equal(i.delivered.stream_seq - i.ack_floor.stream_seq, 0, 'every delivered message acked');
    app = undefined as never;
  });
});
