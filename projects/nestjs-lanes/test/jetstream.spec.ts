/**
 * JetStreamLanesServer in a Nest application built with @nestjs/testing, against a fake consumer: what
 * @EventPattern handlers receive, when and how each message is settled, bounds and per-key order, the
 * shutdown order through Nest's hooks, restarts, and option checks.
 */
import 'reflect-metadata';
import { Controller, Injectable, type INestApplication, type OnApplicationShutdown } from '@nestjs/common';
import { Ctx, EventPattern, MessagePattern, Payload } from '@nestjs/microservices';
import { Test } from '@nestjs/testing';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { connectLanes, JetStreamLanesContext, JetStreamLanesServer, LanesModule, type JetStreamLanesOptions } from '../src/index.js';
import { deferred, FakeJetStream, until } from './fakeJetStream.js';

/** What the handlers saw, and a hook for each test to decide what a handler does. */
@Injectable()
class Probe {
  readonly calls: { subject: string; payload: unknown; key: unknown }[] = [];
  behaviour: (payload: any, ctx: JetStreamLanesContext) => unknown = () => undefined;
}

@Controller()
class OrdersController {
  constructor(private readonly probe: Probe) {}

  @EventPattern<string>('orders.*')
  handle(@Payload() payload: unknown, @Ctx() ctx: JetStreamLanesContext): unknown {
    this.probe.calls.push({ subject: ctx.getSubject(), payload, key: ctx.getKey() });
    return this.probe.behaviour(payload, ctx);
  }
}

let app: INestApplication | undefined;

async function start(fake: FakeJetStream | JetStreamLanesOptions['consumer'], options: Partial<JetStreamLanesOptions> = {}, extra: { controllers?: any[]; providers?: any[] } = {}) {
  const server = new JetStreamLanesServer({ consumer: fake as JetStreamLanesOptions['consumer'], parallelism: 4, restart: { delay: 0 }, ...options });
  const moduleRef = await Test.createTestingModule({
    imports: [LanesModule.forRoot(server)],
    controllers: [OrdersController, ...(extra.controllers ?? [])],
    providers: [Probe, ...(extra.providers ?? [])],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  connectLanes(app);
  await app.init();
  await app.startAllMicroservices();
  return { app, server, probe: app.get(Probe) };
}

/** Closes the app, ending the fakes' open pulls as a server would after `expires`. */
async function closeApp(): Promise<void> {
  let closed = false;
  const closing = app?.close().finally(() => (closed = true));
  app = undefined;
  while (closing && !closed) {
    for (const fake of FakeJetStream.all) fake.expirePulls();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await closing;
}

afterEach(async () => {
  await closeApp();
  FakeJetStream.all.clear();
});

describe('JetStreamLanesServer: dispatch and settling', () => {
  it('calls the @EventPattern handler with the decoded payload and a context; acks only after the handler finished', async () => {
    const fake = new FakeJetStream();
    const { probe, server } = await start(fake);
    const gate = deferred();
    probe.behaviour = () => gate.promise;
    await until(() => server.currentStatus === 'consuming', 'consuming');
    const message = fake.publish('orders.o1', { orderId: 'o1', seq: 1 });
    await until(() => probe.calls.length === 1, 'the handler was called');
    assert.deepEqual(probe.calls[0], { subject: 'orders.o1', payload: { orderId: 'o1', seq: 1 }, key: 'orders.o1' });
    assert.deepEqual(message.log, [], 'nothing settled while the handler runs');
    gate.resolve();
    await until(() => message.log.length > 0, 'settled');
    assert.deepEqual(message.log, ['ack']);
    assert.deepEqual(server.stats().settled, { ack: 1, nak: 0, term: 0 });
  });

  it('settles with the outcome a handler returns; a throw goes to onError', async () => {
    const fake = new FakeJetStream();
    const { probe, server } = await start(fake, { onError: { nak: 7000 } });
    probe.behaviour = (payload: { do: string }) => {
      if (payload.do === 'throw') throw new Error('boom');
      if (payload.do === 'reject') return Promise.reject(new Error('boom'));
      if (payload.do === 'not-an-outcome') return 'nack';
      return payload.do === 'none' ? undefined : (JSON.parse(payload.do) as unknown);
    };
    await until(() => server.ready, 'ready');
    const cases: [string, string[]][] = [
      ['none', ['ack']],
      ['"ack"', ['ack']],
      ['"term"', ['term']],
      ['"nak"', ['nak']],
      ['{"nak":2500}', ['nak 2500']],
      ['throw', ['nak 7000']],
      ['reject', ['nak 7000']],
      ['not-an-outcome', ['nak 7000']],
    ];
    const messages = cases.map(([what], i) => fake.publish(`orders.c${i}`, { do: what }));
    await until(() => messages.every((m) => m.log.length > 0), 'all settled');
    assert.deepEqual(
      messages.map((m) => m.log),
      cases.map(([, log]) => log),
    );
  });

  it('a subject no pattern matches is settled with onUnhandled, an undecodable payload with onUndecodable; both are counted', async () => {
    const fake = new FakeJetStream();
    const { probe, server } = await start(fake, { onUnhandled: { nak: 60_000 } });
    await until(() => server.ready, 'ready');
    const unhandled = fake.publish('invoices.i1', {});
    const poison = fake.publish('orders.o1', undefined, '{not json');
    const empty = fake.publish('orders.o2', undefined, '');
    await until(() => [unhandled, poison, empty].every((m) => m.log.length > 0), 'settled');
    assert.deepEqual(unhandled.log, ['nak 60000']);
    assert.deepEqual(poison.log, ['term']);
    assert.deepEqual(empty.log, ['ack'], 'an empty payload is undefined, not an error');
    assert.deepEqual(probe.calls.map((c) => c.payload), [undefined]);
    assert.equal(server.stats().unhandled, 1);
    assert.equal(server.stats().undecodable, 1);
  });

  it('several handlers of one pattern all run; the message settles after the last, a nak winning over a term', async () => {
    @Controller()
    class Second {
      constructor(private readonly probe: Probe) {}
      @EventPattern<string>('orders.*')
      second(@Payload() payload: { second: unknown }): unknown {
        this.probe.calls.push({ subject: 'second', payload, key: undefined });
        return payload.second;
      }
    }
    const fake = new FakeJetStream();
    const { probe, server } = await start(fake, {}, { controllers: [Second] });
    probe.behaviour = (payload: { first: unknown }) => payload.first;
    await until(() => server.ready, 'ready');
    const both = fake.publish('orders.a', { first: 'term', second: { nak: 100 } });
    const termOnly = fake.publish('orders.b', { first: 'term' });
    const acked = fake.publish('orders.c', {});
    await until(() => [both, termOnly, acked].every((m) => m.log.length > 0), 'settled');
    assert.deepEqual([both.log, termOnly.log, acked.log], [['nak 100'], ['term'], ['ack']]);
    assert.equal(probe.calls.length, 6, 'each message reached both handlers');
  });

  it('runs at most parallelism handlers, one at a time per key, a key in delivery order', async () => {
    const fake = new FakeJetStream();
    const { probe, server } = await start(fake, { parallelism: 3, key: (d) => d.subject });
    let running = 0;
    let most = 0;
    const perKey = new Map<string, number>();
    const order = new Map<string, number[]>();
    probe.behaviour = async (payload: { n: number }, ctx) => {
      const key = ctx.getKey();
      running++;
      most = Math.max(most, running);
      perKey.set(key, (perKey.get(key) ?? 0) + 1);
      assert.equal(perKey.get(key), 1, `one handler at a time for ${key}`);
      order.set(key, [...(order.get(key) ?? []), payload.n]);
      await new Promise((resolve) => setImmediate(resolve));
      perKey.set(key, perKey.get(key)! - 1);
      running--;
    };
    await until(() => server.ready, 'ready');
    const sent: ReturnType<FakeJetStream['publish']>[] = [];
    for (let n = 0; n < 60; n++) sent.push(fake.publish(`orders.k${n % 5}`, { n }));
    await until(() => sent.every((m) => m.log.length > 0), 'all settled');
    assert.ok(most <= 3, `at most parallelism at once (saw ${most})`);
    assert.ok(most > 1, 'several keys at once');
    for (let k = 0; k < 5; k++) assert.deepEqual(order.get(`orders.k${k}`), Array.from({ length: 12 }, (_, i) => i * 5 + k));
  });

  it('rejects @MessagePattern handlers when listening (a consumer has no reply path)', async () => {
    @Controller()
    class Rpc {
      @MessagePattern('orders.get')
      get(): string {
        return 'x';
      }
    }
    await assert.rejects(start(new FakeJetStream(), {}, { controllers: [Rpc] }), /@MessagePattern\("orders.get"\) needs a reply/);
  });

  it('rejects a pattern that is not a subject pattern when listening', async () => {
    @Controller()
    class Bad {
      @EventPattern<string>('orders.>.x')
      bad(): void {}
    }
    await assert.rejects(start(new FakeJetStream(), {}, { controllers: [Bad] }), /not a NATS subject pattern: it has '>' before its last token/);
  });
});

describe('JetStreamLanesServer: shutdown through Nest', () => {
  it('app.close() drains in beforeApplicationShutdown: the running handler finishes and is acked, no fetch after the stop, before onApplicationShutdown hooks', async () => {
    const events: string[] = [];
    @Injectable()
    class Connection implements OnApplicationShutdown {
      onApplicationShutdown(): void {
        events.push('connection closed');
      }
    }
    const fake = new FakeJetStream();
    const { probe, server } = await start(fake, {}, { providers: [Connection] });
    const gate = deferred();
    probe.behaviour = async () => {
      await gate.promise;
      events.push('handler finished');
    };
    await until(() => server.ready, 'ready');
    const message = fake.publish('orders.o1', {});
    await until(() => probe.calls.length === 1, 'running');

    const closing = closeApp(); // (ends open pull requests as a server does after `expires`)
    await until(() => server.currentStatus === 'draining', 'draining');
    assert.equal(server.ready, false, 'not ready while draining');
    const fetchesAtStop = fake.fetches;
    gate.resolve();
    await closing;
    events.push(`closed: ${server.currentStatus}`);
    assert.deepEqual(message.log, ['ack']);
    assert.equal(fake.fetches, fetchesAtStop, 'no fetch after the stop signal');
    assert.deepEqual(events, ['handler finished', 'connection closed', 'closed: drained']);
  });

  it('a stop while the consumer factory has not resolved ends at once', async () => {
    const never = new Promise<never>(() => undefined);
    const { server } = await start(() => never);
    assert.equal(server.currentStatus, 'connecting');
    await closeApp();
    assert.equal(server.currentStatus, 'drained');
  });

  it('drainTimeout cuts a stuck drain short: the handler is aborted and its message left unsettled', async () => {
    const fake = new FakeJetStream();
    const { probe, server } = await start(fake, { drainTimeout: 20 });
    let aborted = false;
    probe.behaviour = (_payload, ctx) =>
      new Promise<void>((_, reject) => ctx.getSignal().addEventListener('abort', () => ((aborted = true), reject(new Error('aborted')))));
    await until(() => server.ready, 'ready');
    const message = fake.publish('orders.o1', {});
    await until(() => probe.calls.length === 1, 'running');
    await closeApp();
    assert.equal(server.currentStatus, 'stopped');
    assert.equal(aborted, true, 'the handler was aborted');
    assert.deepEqual(message.log, [], 'left to redelivery');
  });
});

describe('JetStreamLanesServer: start and restart', () => {
  it('retries a failing consumer factory while connecting, then consumes', async () => {
    const fake = new FakeJetStream();
    let calls = 0;
    const { server } = await start(async () => {
      calls++;
      if (calls < 3) throw new Error('NATS is not reachable');
      return fake;
    });
    await until(() => server.ready, 'ready after the factory resolved');
    assert.equal(calls, 3);
    assert.equal(server.stats().restarts, 2);
  });

  it('a failed run (the consumer was deleted) is replaced by a new one: the server keeps consuming', async () => {
    const fake = new FakeJetStream();
    const { probe, server } = await start(fake);
    const statuses: string[] = [];
    server.status.subscribe((s) => statuses.push(s));
    await until(() => server.ready, 'ready');
    fake.failPulls(Object.assign(new Error('consumer deleted'), { name: 'ConsumerNotFoundError' }));
    await until(() => server.stats().restarts === 1 && server.ready, 'consuming again');
    const message = fake.publish('orders.o1', {});
    await until(() => message.log.length > 0, 'acked by the new run');
    assert.deepEqual(message.log, ['ack']);
    assert.equal(probe.calls.length, 1);
    assert.deepEqual(statuses, ['consuming', 'failed', 'restarting', 'connecting', 'starting', 'consuming']);
  });

  it('restart: false stays failed', async () => {
    const fake = new FakeJetStream();
    const { server } = await start(fake, { restart: false });
    await until(() => server.ready, 'ready');
    fake.failPulls(new Error('connection closed'));
    await until(() => server.currentStatus === 'failed', 'failed');
    assert.equal(server.stats().restarts, 0);
  });
});

describe('JetStreamLanesServer: options', () => {
  const consumer = new FakeJetStream();
  it("checks the adapter's options when constructed", () => {
    assert.throws(() => new JetStreamLanesServer({ consumer, parallelism: 0 }), { name: 'RangeError', message: /consumeJetStream: parallelism must be an integer ≥ 1, got 0/ });
    assert.throws(() => new JetStreamLanesServer({ consumer, parallelism: 2, paralelism: 3 } as never), { name: 'TypeError', message: /unknown option "paralelism"/ });
    assert.throws(() => new JetStreamLanesServer({ consumer: () => consumer, parallelism: 2, window: 1 }), { name: 'RangeError', message: /window \(1\) must be at least parallelism/ });
  });
  it('checks its own options', () => {
    assert.throws(() => new JetStreamLanesServer({ consumer: 42 as never, parallelism: 1 }), { name: 'TypeError', message: /JetStreamLanesServer: consumer must be a JetStream pull consumer or a function returning one, got 42/ });
    assert.throws(() => new JetStreamLanesServer({ consumer, parallelism: 1, handler: () => undefined } as never), { name: 'TypeError', message: /handler is the server's own/ });
    assert.throws(() => new JetStreamLanesServer({ consumer, parallelism: 1, onUnhandled: 'skip' as never }), { name: 'TypeError', message: /onUnhandled must be an outcome/ });
    assert.throws(() => new JetStreamLanesServer({ consumer, parallelism: 1, restart: { delay: -1 } }), { name: 'RangeError', message: /restart.delay must be a finite number ≥ 0, got -1/ });
    assert.throws(() => new JetStreamLanesServer({ consumer, parallelism: 1, restart: { dealy: 1 } as never }), { name: 'TypeError', message: /unknown option "restart.dealy"/ });
    assert.throws(() => new JetStreamLanesServer({ consumer, parallelism: 1, drainTimeout: 0 }), { name: 'RangeError', message: /drainTimeout must be a number > 0/ });
  });
});
