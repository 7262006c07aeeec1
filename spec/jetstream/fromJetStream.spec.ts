import fc from 'fast-check';
import { Subject, take, VirtualTimeScheduler, type Subscription } from 'rxjs';
import { Valve } from '../../src/flow/Valve';
import { fromJetStream, type JetStreamConsumerStatus, type JetStreamDelivery } from '../../src/jetstream/index';
import { FakeConsumer, settle } from './fakeConsumer';

/** Subscribes and records everything. */
function run(consumer: FakeConsumer, options: Parameters<typeof fromJetStream>[1]) {
  const deliveries: JetStreamDelivery[] = [];
  const statuses: JetStreamConsumerStatus[] = [];
  const result = {
    deliveries,
    statuses,
    completed: false,
    error: undefined as unknown,
    subscription: undefined as unknown as Subscription,
  };
  result.subscription = fromJetStream(consumer, { onStatus: (s) => statuses.push(s), ...options }).subscribe({
    next: (d) => deliveries.push(d),
    error: (e: unknown) => (result.error = e),
    complete: () => (result.completed = true),
  });
  return result;
}

describe('fromJetStream', () => {
  describe('arguments (checked when called, not on subscribe)', () => {
    const c = new FakeConsumer();
    it.each([
      [{ window: 0 }, RangeError, /fromJetStream: window must be an integer ≥ 1, got 0/],
      [{ window: 1.5 }, RangeError, /window must be an integer ≥ 1, got 1.5/],
      [{ window: '4' }, TypeError, /window must be a number, got "4"/],
      [{ window: null }, TypeError, /window must be a number, got null/],
      [{ window: 4, expires: 999 }, RangeError, /expires must be an integer ≥ 1000 \(ms\), got 999/],
      [{ window: 4, minPull: 0 }, RangeError, /minPull must be an integer ≥ 1, got 0/],
      [{ window: 4, maxPull: Infinity }, RangeError, /maxPull must be an integer ≥ 1, got Infinity/],
      [{ window: 4, valve: {} }, TypeError, /valve must be a Valve, got an object/],
      [{ window: 4, stop: 'now' }, TypeError, /stop must be an AbortSignal, a Promise or an Observable, got "now"/],
      [{ window: 4, onStatus: 1 }, TypeError, /onStatus must be a function, got 1/],
      [{ window: 4, awaitPending: 'yes' }, TypeError, /awaitPending must be a boolean, got "yes"/],
      [{ window: 4, scheduler: {} }, TypeError, /scheduler must be a SchedulerLike/],
      [{ window: 4, batch: 10 }, TypeError, /unknown option "batch"/],
    ])('%p throws', (options, type, message) => {
      expect(() => fromJetStream(c, options as never)).toThrow(type);
      expect(() => fromJetStream(c, options as never)).toThrow(message);
    });
    it('rejects something that is not a pull consumer, and non-object options', () => {
      expect(() => fromJetStream({} as never, { window: 1 })).toThrow(
        /consumer must be a JetStream pull consumer \(with fetch and info\), got an object/,
      );
      expect(() => fromJetStream(null as never, { window: 1 })).toThrow(TypeError);
      expect(() => fromJetStream(c, null as never)).toThrow(/options must be an object, got null/);
    });
    it('window is optional: 100 by default (the client consume()’s prefetch), capped by max_ack_pending', async () => {
      const wide = new FakeConsumer();
      fromJetStream(wide).subscribe();
      await settle();
      expect(wide.pulls.map((p) => p.asked)).toEqual([100]);
      const capped = new FakeConsumer({ maxAckPending: 40 });
      fromJetStream(capped, {}).subscribe();
      await settle();
      expect(capped.pulls.map((p) => p.asked)).toEqual([40]);
    });
    it('does nothing until subscribed', async () => {
      const consumer = new FakeConsumer();
      const info = jest.spyOn(consumer, 'info');
      fromJetStream(consumer, { window: 4 });
      await settle();
      expect(info).not.toHaveBeenCalled();
      expect(consumer.pulls).toHaveLength(0);
    });
  });

  it('asks only for free slots and emits deliveries in delivery order across open requests', async () => {
    const consumer = new FakeConsumer();
    const r = run(consumer, { window: 8, minPull: 2 });
    await settle();
    expect(r.statuses).toEqual(['starting', 'consuming']);
    expect(consumer.events).toEqual(['pull 0 8']);
    consumer.deliver(3);
    r.deliveries[0]!.ack();
    r.deliveries[1]!.ack();
    await settle();
    // 2 freed → a second request for 2 while the first still has 5 to give
    expect(consumer.events).toEqual(['pull 0 8', 'pull 1 2']);
    consumer.deliver(7); // 5 to request 0, then 2 to request 1
    expect(r.deliveries.map((d) => d.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(r.deliveries.map((d) => d.info.deliverySequence)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(consumer.unsettled).toBe(8);
    await settle();
    expect(consumer.openPulls).toHaveLength(0); // no room: no request
    expect(consumer.pulls).toHaveLength(2);
    r.subscription.unsubscribe();
  });

  it('caps the window at the consumer max_ack_pending', async () => {
    const consumer = new FakeConsumer({ maxAckPending: 3 });
    const r = run(consumer, { window: 50 });
    await settle();
    expect(consumer.events).toEqual(['pull 0 3']);
    r.subscription.unsubscribe();
  });

  it('property: unsettled deliveries plus messages asked for never exceed the window', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 12 }),
        fc.array(fc.oneof(fc.constant('deliver'), fc.constant('settle'), fc.constant('expire'), fc.constant('settleAll')), {
          maxLength: 60,
        }),
        fc.array(fc.nat(), { minLength: 60, maxLength: 60 }),
        async (window, ops, picks) => {
          const consumer = new FakeConsumer();
          const r = run(consumer, { window });
          await settle(2);
          let maxSeen = 0;
          ops.forEach((op, i) => {
            const pick = picks[i]!;
            if (op === 'deliver') consumer.deliver(1 + (pick % 4));
            else if (op === 'expire' && consumer.openPulls.length > 0)
              consumer.expire(consumer.openPulls[pick % consumer.openPulls.length]!.id);
            else if (op === 'settle' || op === 'settleAll') {
              const open = r.deliveries.filter((d) => !d.settled);
              const chosen = op === 'settleAll' ? open : open.slice(0, 1 + (pick % 3));
              for (const d of chosen) d.settle((['ack', 'nak', 'term', { nak: 5 }] as const)[pick % 4]!);
            }
            maxSeen = Math.max(maxSeen, consumer.unsettled + consumer.outstanding);
          });
          await settle(2);
          maxSeen = Math.max(maxSeen, consumer.unsettled + consumer.outstanding);
          r.subscription.unsubscribe();
          expect(maxSeen).toBeLessThanOrEqual(window);
          expect(r.deliveries.map((d) => d.seq)).toEqual(consumer.delivered.map((m) => m.seq));
        },
      ),
      { numRuns: 60 },
    );
  });

  describe('settling', () => {
    it('sends each outcome once; later settle calls are no-ops reported to onDuplicateSettle', async () => {
      const consumer = new FakeConsumer();
      const duplicates: string[] = [];
      const r = run(consumer, {
        window: 10,
        onDiagnostic: ({ delivery: d, attempted }) => duplicates.push(`${d.seq}:${JSON.stringify(attempted)}`),
      });
      await settle();
      consumer.deliver(5);
      const [a, b, c, d, e] = r.deliveries as [
        JetStreamDelivery,
        JetStreamDelivery,
        JetStreamDelivery,
        JetStreamDelivery,
        JetStreamDelivery,
      ];
      expect(a.ack()).toBe(true);
      expect(b.nak(250)).toBe(true);
      expect(c.term('poison')).toBe(true);
      expect(d.settle({ nak: 0 })).toBe(true);
      expect(e.working()).toBe(true);
      expect(e.settled).toBe(false);
      expect(e.settle('nak')).toBe(true);
      expect(a.nak()).toBe(false);
      expect(b.ack()).toBe(false);
      expect(c.settle('ack')).toBe(false);
      await expect(d.ackAck()).resolves.toBe(false);
      expect(e.working()).toBe(false);
      expect(consumer.delivered.map((m) => m.log)).toEqual([
        [{ kind: 'ack' }],
        [{ kind: 'nak', delay: 250 }],
        [{ kind: 'term' }], // no reason: nats-server 2.9 ignores +TERM with one
        [{ kind: 'nak', delay: 0 }],
        [{ kind: 'working' }, { kind: 'nak' }],
      ]);
      expect([a, b, c, d, e].map((x) => x.outcome)).toEqual(['ack', { nak: 250 }, 'term', { nak: 0 }, 'nak']);
      expect(duplicates).toEqual(['1:"nak"', '2:"ack"', '3:"ack"', '4:"ack"']);
      r.subscription.unsubscribe();
    });

    it('ackAck() settles once and resolves with the confirmation; a throwing onDuplicateSettle throws from the settle call', async () => {
      const consumer = new FakeConsumer();
      const r = run(consumer, {
        window: 4,
        onDiagnostic: () => {
          throw new Error('double settle');
        },
      });
      await settle();
      consumer.deliver(1);
      const d = r.deliveries[0]!;
      await expect(d.ackAck()).resolves.toBe(true);
      expect(d.outcome).toBe('ack');
      expect(() => d.term()).toThrow('double settle');
      expect(consumer.delivered[0]!.log).toEqual([{ kind: 'ack' }]);
      r.subscription.unsubscribe();
    });

    it('warns once per subscription about duplicates when no onDuplicateSettle is given', async () => {
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        const consumer = new FakeConsumer();
        const r = run(consumer, { window: 4 });
        await settle();
        consumer.deliver(2);
        r.deliveries[0]!.ack();
        r.deliveries[0]!.ack();
        r.deliveries[1]!.term();
        r.deliveries[1]!.nak();
        expect(warn).toHaveBeenCalledTimes(1);
        expect(String(warn.mock.calls[0]![0])).toMatch(
          /fromJetStream: ack on a delivery already settled with ack \(stream sequence 1\) was ignored/,
        );
        r.subscription.unsubscribe();
      } finally {
        warn.mockRestore();
      }
    });

    it('exposes the message (subject, data, info, json) and rejects bad settle arguments', async () => {
      const consumer = new FakeConsumer();
      const r = run(consumer, { window: 4 });
      await settle();
      consumer.deliver(1, () => 'orders.42');
      const d = r.deliveries[0]!;
      expect(d.subject).toBe('orders.42');
      expect(d.seq).toBe(1);
      expect(d.info.streamSequence).toBe(1);
      expect(d.json()).toEqual({ seq: 1 });
      expect(d.string()).toBe('{"seq":1}');
      expect(d.redelivered).toBe(false);
      expect(d.message).toBe(consumer.delivered[0]!.msg);
      expect(() => d.nak(-1)).toThrow(/JetStreamDelivery.nak: delay must be a finite number of milliseconds ≥ 0, got -1/);
      expect(() => d.settle('retry' as never)).toThrow(/outcome: an outcome must be 'ack', 'nak', 'term' or \{ nak: delay \}, got "retry"/);
      expect(() => d.settle({ nak: -5 })).toThrow(RangeError);
      expect(() => d.next()).toThrow(/not supported/);
      expect(d.settled).toBe(false);
      r.subscription.unsubscribe();
    });
  });

  describe('keepAlive', () => {
    it('sends working() every interval (default half ack_wait) until settled, on the scheduler', async () => {
      const scheduler = new VirtualTimeScheduler();
      const consumer = new FakeConsumer({ ackWaitMs: 1000 });
      const r = run(consumer, { window: 4, scheduler });
      await settle();
      consumer.deliver(2);
      const [a, b] = r.deliveries as [JetStreamDelivery, JetStreamDelivery];
      a.keepAlive();
      const stopB = b.keepAlive({ interval: 300 });
      scheduler.maxFrames = 1100;
      scheduler.flush();
      expect(consumer.delivered[0]!.log.filter((e) => e.kind === 'working')).toHaveLength(2); // 500, 1000
      expect(consumer.delivered[1]!.log.filter((e) => e.kind === 'working')).toHaveLength(3); // 300, 600, 900
      a.ack();
      stopB();
      scheduler.maxFrames = 5000;
      scheduler.flush();
      expect(consumer.delivered[0]!.log).toEqual([{ kind: 'working' }, { kind: 'working' }, { kind: 'ack' }]);
      expect(consumer.delivered[1]!.log.filter((e) => e.kind === 'working')).toHaveLength(3);
      expect(scheduler.actions).toHaveLength(0);
      r.subscription.unsubscribe();
    });

    it('stops when its signal aborts, and when the subscription is unsubscribed', async () => {
      const scheduler = new VirtualTimeScheduler();
      const consumer = new FakeConsumer();
      const r = run(consumer, { window: 4, scheduler });
      await settle();
      consumer.deliver(2);
      const controller = new AbortController();
      r.deliveries[0]!.keepAlive({ interval: 10, signal: controller.signal });
      r.deliveries[1]!.keepAlive({ interval: 10 });
      controller.abort();
      r.subscription.unsubscribe();
      scheduler.flush();
      expect(scheduler.actions).toHaveLength(0);
      expect(consumer.delivered.every((m) => m.log.length === 0)).toBe(true);
      expect(() => r.deliveries[0]!.keepAlive({ interval: 0 })).toThrow(/interval must be a finite number of milliseconds > 0, got 0/);
    });
  });

  describe('flow control', () => {
    it('sends no request while the valve is closed, and resumes when it opens', async () => {
      const valve = new Valve();
      const lease = valve.attach();
      lease.setFull(true);
      const consumer = new FakeConsumer();
      const r = run(consumer, { window: 4, valve });
      await settle();
      expect(r.statuses).toEqual(['starting', 'consuming']);
      expect(consumer.pulls).toHaveLength(0);
      lease.setFull(false);
      await settle();
      expect(consumer.events).toEqual(['pull 0 4']);
      consumer.deliver(2);
      lease.setFull(true);
      r.deliveries[0]!.ack();
      r.deliveries[1]!.ack();
      consumer.deliver(2); // the open request still delivers: it is inside the window
      expect(r.deliveries).toHaveLength(4);
      await settle();
      expect(consumer.pulls).toHaveLength(1);
      lease.setFull(false);
      await settle();
      expect(consumer.events).toEqual(['pull 0 4', 'end 0', 'pull 1 2']);
      r.subscription.unsubscribe();
    });

    it('stops a synchronous burst when a downstream take(n) unsubscribes mid-emission', async () => {
      const consumer = new FakeConsumer();
      const seen: number[] = [];
      fromJetStream(consumer, { window: 10 })
        .pipe(take(2))
        .subscribe((d) => seen.push(d.seq));
      await settle();
      expect(consumer.deliver(10)).toBe(2); // the request was closed after the second delivery
      expect(seen).toEqual([1, 2]);
      expect(consumer.openPulls).toHaveLength(0);
    });
  });

  describe('graceful drain', () => {
    it('stops asking, still delivers what open requests bring, completes when they end, then reports drained', async () => {
      const stop = new AbortController();
      const consumer = new FakeConsumer();
      const r = run(consumer, { window: 6, minPull: 1, stop: stop.signal });
      await settle();
      consumer.deliver(2);
      r.deliveries[0]!.ack();
      await settle();
      expect(consumer.pulls).toHaveLength(2);
      stop.abort();
      expect(r.statuses).toEqual(['starting', 'consuming', 'draining']);
      r.deliveries[1]!.ack();
      await settle();
      expect(consumer.pulls).toHaveLength(2); // no new request
      consumer.deliver(3); // in flight when stop came: still delivered
      expect(r.deliveries).toHaveLength(5);
      expect(r.completed).toBe(false);
      for (const p of consumer.openPulls) consumer.expire(p.id);
      await settle();
      expect(r.completed).toBe(true);
      expect(r.statuses).toEqual(['starting', 'consuming', 'draining']);
      for (const d of r.deliveries.slice(2)) d.ack();
      expect(r.statuses).toEqual(['starting', 'consuming', 'draining', 'drained']);
      expect(consumer.unsettled).toBe(0);
    });

    it('accepts a Promise or an Observable as the stop signal; a stop before start completes at once', async () => {
      const consumer = new FakeConsumer();
      const r = run(consumer, { window: 2, stop: Promise.resolve() });
      await settle();
      expect(r.completed).toBe(true);
      expect(consumer.pulls).toHaveLength(0);
      expect(r.statuses).toEqual(['starting', 'draining', 'drained']);

      const stop$ = new Subject<void>();
      const consumer2 = new FakeConsumer();
      const r2 = run(consumer2, { window: 2, stop: stop$ });
      await settle();
      stop$.next();
      expect(r2.completed).toBe(false); // request 0 is still open
      consumer2.expire(0);
      await settle();
      expect(r2.completed).toBe(true);
      expect(stop$.observed).toBe(false);
    });

    it('fails the output when the stop Promise rejects or the stop Observable errors', async () => {
      const r = run(new FakeConsumer(), { window: 2, stop: Promise.reject(new Error('boom')) });
      await settle();
      expect((r.error as Error).message).toBe('boom');
      const stop$ = new Subject<void>();
      const r2 = run(new FakeConsumer(), { window: 2, stop: stop$ });
      stop$.error(new Error('bang'));
      expect((r2.error as Error).message).toBe('bang');
      expect(r2.statuses).toEqual(['starting', 'failed']);
    });
  });

  describe('after a crash: awaitPending', () => {
    it('waits ack_wait + 500 ms (scheduler time) before fetching when deliveries are pending elsewhere', async () => {
      const scheduler = new VirtualTimeScheduler();
      const consumer = new FakeConsumer({ numAckPending: 7, ackWaitMs: 2000 });
      const r = run(consumer, { window: 4, scheduler });
      await settle();
      expect(r.statuses).toEqual(['starting', 'awaiting-redelivery']);
      scheduler.maxFrames = 2499;
      scheduler.flush();
      await settle();
      expect(consumer.pulls).toHaveLength(0);
      scheduler.maxFrames = 2500;
      scheduler.flush();
      await settle();
      expect(r.statuses).toEqual(['starting', 'awaiting-redelivery', 'consuming']);
      expect(consumer.pulls).toHaveLength(1);
      r.subscription.unsubscribe();
    });

    it('does not wait with awaitPending: false; a stop during the wait completes at once', async () => {
      const consumer = new FakeConsumer({ numAckPending: 7 });
      const r = run(consumer, { window: 4, awaitPending: false });
      await settle();
      expect(consumer.pulls).toHaveLength(1);
      r.subscription.unsubscribe();

      const scheduler = new VirtualTimeScheduler();
      const stop = new AbortController();
      const r2 = run(new FakeConsumer({ numAckPending: 1 }), { window: 4, scheduler, stop: stop.signal });
      await settle();
      stop.abort();
      expect(r2.completed).toBe(true);
      expect(scheduler.actions).toHaveLength(0);
    });
  });

  describe('errors', () => {
    it('fails when info() fails or the consumer does not ack explicitly', async () => {
      const r = run(new FakeConsumer({ infoError: new Error('consumer not found') }), { window: 2 });
      await settle();
      expect((r.error as Error).message).toBe('consumer not found');
      expect(r.statuses).toEqual(['starting', 'failed']);
      const r2 = run(new FakeConsumer({ ackPolicy: 'all' }), { window: 2 });
      await settle();
      expect(r2.error).toBeInstanceOf(TypeError);
      expect((r2.error as Error).message).toMatch(
        /fromJetStream: the consumer must use ack_policy "explicit" \(one ack per message\), got "all"/,
      );
    });

    it('fails on a fetch error that is not transient, and closes its other requests', async () => {
      const consumer = new FakeConsumer();
      const r = run(consumer, { window: 4, minPull: 1 });
      await settle();
      consumer.deliver(1);
      r.deliveries[0]!.ack();
      await settle();
      expect(consumer.openPulls).toHaveLength(2);
      const deleted = Object.assign(new Error('consumer deleted'), { name: 'JetStreamStatusError', code: 409 });
      consumer.failPull(0, deleted);
      await settle();
      expect(r.error).toBe(deleted);
      expect(consumer.openPulls).toHaveLength(0);
      expect(r.statuses.at(-1)).toBe('failed');
    });

    it('fails when fetch() rejects (closed connection)', async () => {
      const consumer = new FakeConsumer();
      consumer.fetchError = new Error('closed connection');
      const r = run(consumer, { window: 4 });
      await settle();
      expect((r.error as Error).message).toBe('closed connection');
    });

    it('retries transient failures with backoff on the scheduler', async () => {
      const scheduler = new VirtualTimeScheduler();
      const consumer = new FakeConsumer();
      const r = run(consumer, { window: 4, scheduler });
      await settle();
      consumer.failPull(0, new Error('heartbeats missed'));
      await settle();
      expect(consumer.pulls).toHaveLength(1);
      scheduler.flush(); // 250 ms
      await settle();
      expect(consumer.pulls).toHaveLength(2);
      consumer.failPull(1, Object.assign(new Error('exceeded maxwaiting'), { name: 'JetStreamStatusError', code: 409 }));
      await settle();
      scheduler.maxFrames = scheduler.frame + 499;
      scheduler.flush();
      await settle();
      expect(consumer.pulls).toHaveLength(2); // 500 ms the second time
      scheduler.maxFrames = Infinity;
      scheduler.flush();
      await settle();
      expect(consumer.pulls).toHaveLength(3);
      expect(r.error).toBeUndefined();
      r.subscription.unsubscribe();
    });

    it('fails when onStatus throws', async () => {
      const r = run(new FakeConsumer(), {
        window: 2,
        onStatus: (s) => {
          if (s === 'consuming') throw new Error('probe broke');
        },
      });
      await settle();
      expect((r.error as Error).message).toBe('probe broke');
    });
  });

  describe('teardown', () => {
    it('closes open requests, reports stopped, and leaves unsettled deliveries to redelivery; late settles still go out', async () => {
      const consumer = new FakeConsumer();
      const r = run(consumer, { window: 4 });
      await settle();
      consumer.deliver(2);
      r.subscription.unsubscribe();
      expect(consumer.openPulls).toHaveLength(0);
      expect(r.statuses).toEqual(['starting', 'consuming', 'stopped']);
      expect(consumer.delivered.every((m) => m.log.length === 0)).toBe(true);
      expect(r.deliveries[0]!.ack()).toBe(true);
      expect(consumer.delivered[0]!.log).toEqual([{ kind: 'ack' }]);
      await settle();
      expect(consumer.pulls).toHaveLength(1);
    });

    it('unsubscribing before info() resolves sends no request', async () => {
      const consumer = new FakeConsumer();
      const r = run(consumer, { window: 4 });
      r.subscription.unsubscribe();
      await settle();
      expect(consumer.pulls).toHaveLength(0);
    });

    it('keeps subscriptions independent', async () => {
      const consumer = new FakeConsumer();
      const source = fromJetStream(consumer, { window: 2 });
      const a: number[] = [];
      const b: number[] = [];
      const sa = source.subscribe((d) => a.push(d.seq));
      const sb = source.subscribe((d) => b.push(d.seq));
      await settle();
      expect(consumer.events).toEqual(['pull 0 2', 'pull 1 2']);
      consumer.deliver(4);
      expect(a).toEqual([1, 2]);
      expect(b).toEqual([3, 4]);
      sa.unsubscribe();
      sb.unsubscribe();
    });
  });

  it('falls back to one request at a time when the client ignores the fetch callback', async () => {
    const consumer = new FakeConsumer({ callbacks: false });
    const r = run(consumer, { window: 4, minPull: 1 });
    await settle();
    consumer.deliver(2);
    await settle();
    expect(r.deliveries.map((d) => d.seq)).toEqual([1, 2]);
    r.deliveries[0]!.ack();
    await settle();
    expect(consumer.pulls).toHaveLength(1); // request 0 is still open: no second one in iterator mode
    consumer.expire(0);
    await settle();
    expect(consumer.events).toEqual(['pull 0 4', 'end 0', 'pull 1 3']);
    consumer.deliver(3);
    await settle();
    expect(r.deliveries.map((d) => d.seq)).toEqual([1, 2, 3, 4, 5]);
    r.subscription.unsubscribe();
  });
});
