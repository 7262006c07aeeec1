import fc from 'fast-check';
import { of, Subject, throwError, VirtualTimeScheduler, type Subscription } from 'rxjs';
import { consumeJetStream, type JetStreamSettlement } from '../../src/jetstream/index';
import { FakeConsumer, settle } from './fakeConsumer';

function deferred<T = void>() {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

function collect<K>(source: ReturnType<typeof consumeJetStream<K>>) {
  const out = {
    settlements: [] as JetStreamSettlement<K>[],
    completed: false,
    error: undefined as unknown,
    subscription: undefined as unknown as Subscription,
  };
  out.subscription = source.subscribe({
    next: (s) => out.settlements.push(s),
    error: (e: unknown) => (out.error = e),
    complete: () => (out.completed = true),
  });
  return out;
}

describe('consumeJetStream', () => {
  describe('arguments (checked when called)', () => {
    const c = new FakeConsumer();
    const handler = () => undefined;
    it.each([
      [{ parallelism: 0, handler }, RangeError, /consumeJetStream: parallelism must be an integer ≥ 1, got 0/],
      [{ parallelism: 4, perKey: 4, handler }, RangeError, /perKey \(4\) must be less than parallelism \(4\)/],
      [{ parallelism: 1, perKey: 2, handler }, RangeError, /perKey must be 1 when parallelism is 1, got 2/],
      [{ parallelism: 4 }, TypeError, /handler must be a function, got undefined/],
      [{ parallelism: 4, handler, key: 'subject' }, TypeError, /key must be a function, got "subject"/],
      [
        { parallelism: 4, handler, onError: 'retry' },
        TypeError,
        /onError: an outcome must be 'ack', 'nak', 'term' or \{ nak: delay \}, got "retry"/,
      ],
      [
        { parallelism: 4, handler, onError: { nak: -1 } },
        RangeError,
        /onError: \{ nak \} must be a finite number of milliseconds ≥ 0, got -1/,
      ],
      [{ parallelism: 4, handler, keepAlive: 0 }, TypeError, /keepAlive must be a boolean or a finite number of ms > 0, got 0/],
      [{ parallelism: 4, handler, window: 2 }, RangeError, /window \(2\) must be at least parallelism \(4\)/],
      [{ parallelism: 4, handler, valve: {} }, TypeError, /unknown option "valve"/],
      [{ parallelism: 4, handler, expires: 10 }, RangeError, /fromJetStream: expires must be an integer ≥ 1000 \(ms\), got 10/],
    ])('%p throws', (options, type, message) => {
      expect(() => consumeJetStream(c, options as never)).toThrow(type);
      expect(() => consumeJetStream(c, options as never)).toThrow(message);
    });
  });

  it('acks after the handler resolves, with the outcome it returns, per key in order, never before it finished', async () => {
    const consumer = new FakeConsumer();
    const running = new Map<number, ReturnType<typeof deferred<unknown>>>();
    const started: number[] = [];
    const out = collect(
      consumeJetStream(consumer, {
        parallelism: 4,
        key: (d) => d.subject,
        handler: (d) => {
          started.push(d.seq);
          const job = deferred<unknown>();
          running.set(d.seq, job);
          return job.promise as Promise<undefined>;
        },
      }),
    );
    await settle();
    consumer.deliver(4, (seq) => (seq <= 2 ? 'k.a' : `k.${seq}`)); // 1,2 share a key
    await settle();
    expect(started).toEqual([1, 3, 4]); // 2 waits for 1
    expect(consumer.delivered.every((m) => m.log.length === 0)).toBe(true); // nothing acked before its handler finished
    running.get(3)!.resolve({ nak: 100 });
    running.get(1)!.resolve(undefined);
    await settle();
    expect(started).toEqual([1, 3, 4, 2]);
    expect(consumer.delivered[0]!.log).toEqual([{ kind: 'ack' }]);
    expect(consumer.delivered[2]!.log).toEqual([{ kind: 'nak', delay: 100 }]);
    expect(consumer.delivered[1]!.log).toEqual([]);
    expect(out.settlements.map((s) => [s.delivery.seq, s.key, s.outcome, s.error])).toEqual([
      [3, 'k.3', { nak: 100 }, undefined],
      [1, 'k.a', 'ack', undefined],
    ]);
    out.subscription.unsubscribe();
  });

  it('settles a failed handler with the failure policy (default nak after 1 s) and goes on', async () => {
    const consumer = new FakeConsumer();
    const boom = new Error('boom');
    const out = collect(
      consumeJetStream(consumer, {
        parallelism: 6,
        handler: (d) => {
          if (d.seq === 2) throw boom;
          if (d.seq === 3) return Promise.reject(boom);
          if (d.seq === 4) return throwError(() => boom);
          if (d.seq === 5) return 'bogus' as never;
          return of('term' as const);
        },
      }),
    );
    await settle();
    consumer.deliver(5);
    await settle();
    expect(consumer.delivered.map((m) => m.log)).toEqual([
      [{ kind: 'term' }],
      [{ kind: 'nak', delay: 1000 }],
      [{ kind: 'nak', delay: 1000 }],
      [{ kind: 'nak', delay: 1000 }],
      [{ kind: 'nak', delay: 1000 }],
    ]);
    expect(out.settlements.find((s) => s.delivery.seq === 2)!.error).toBe(boom);
    expect(String(out.settlements.find((s) => s.delivery.seq === 5)!.error)).toMatch(
      /TypeError: consumeJetStream: the handler's result is not an outcome: .*got "bogus"/,
    );
    expect(out.error).toBeUndefined();
    out.subscription.unsubscribe();
  });

  it('lets a policy function choose per error; a handler that settled itself is left alone', async () => {
    const consumer = new FakeConsumer();
    const duplicates: unknown[] = [];
    const out = collect(
      consumeJetStream(consumer, {
        parallelism: 4,
        onDiagnostic: ({ attempted }) => duplicates.push(attempted),
        onError: (error) => ((error as Error).message === 'poison' ? 'term' : 'nak'),
        handler: (d) => {
          if (d.seq === 1) throw new Error('poison');
          if (d.seq === 2) throw new Error('later');
          d.nak(5);
          return undefined;
        },
      }),
    );
    await settle();
    consumer.deliver(3);
    await settle();
    expect(consumer.delivered.map((m) => m.log)).toEqual([[{ kind: 'term' }], [{ kind: 'nak' }], [{ kind: 'nak', delay: 5 }]]);
    expect(out.settlements.map((s) => s.outcome)).toEqual(['term', 'nak', { nak: 5 }]);
    expect(duplicates).toEqual([]);
    out.subscription.unsubscribe();
  });

  it("onError 'fail': naks the message, errors the output, leaves the other running messages unsettled", async () => {
    const consumer = new FakeConsumer();
    const slow = deferred();
    let aborted = false;
    const statuses: string[] = [];
    const out = collect(
      consumeJetStream(consumer, {
        parallelism: 4,
        onError: 'fail',
        onStatus: (s) => statuses.push(s),
        handler: (d, { signal }) => {
          if (d.seq === 2) return Promise.reject(new Error('fatal'));
          signal.addEventListener('abort', () => (aborted = true));
          return slow.promise;
        },
      }),
    );
    await settle();
    consumer.deliver(2);
    await settle();
    expect((out.error as Error).message).toBe('fatal');
    expect(consumer.delivered[1]!.log).toEqual([{ kind: 'nak' }]);
    expect(aborted).toBe(true);
    slow.resolve();
    await settle();
    expect(consumer.delivered[0]!.log).toEqual([]); // abandoned, not acked: redelivered after ack_wait
    expect(consumer.openPulls).toHaveLength(0);
    expect(statuses).toEqual(['starting', 'consuming', 'failed']);
  });

  it('drains: no new fetch after stop, running handlers finish and settle, then it completes', async () => {
    const consumer = new FakeConsumer();
    const stop = new AbortController();
    const jobs: ReturnType<typeof deferred<void>>[] = [];
    const statuses: string[] = [];
    const out = collect(
      consumeJetStream(consumer, {
        parallelism: 3,
        stop: stop.signal,
        onStatus: (s) => statuses.push(s),
        handler: () => {
          const job = deferred();
          jobs.push(job);
          return job.promise;
        },
      }),
    );
    await settle();
    consumer.deliver(2);
    await settle();
    stop.abort();
    consumer.expire(0);
    await settle();
    expect(out.completed).toBe(false);
    jobs.forEach((j) => j.resolve());
    await settle();
    expect(out.completed).toBe(true);
    expect(consumer.unsettled).toBe(0);
    expect(consumer.pulls).toHaveLength(1);
    expect(statuses).toEqual(['starting', 'consuming', 'draining', 'drained']);
  });

  it('unsubscribing aborts running handlers and settles nothing more', async () => {
    const consumer = new FakeConsumer();
    const job = deferred();
    let signal: AbortSignal | undefined;
    const out = collect(
      consumeJetStream(consumer, {
        parallelism: 2,
        handler: (_d, context) => {
          signal = context.signal;
          return job.promise;
        },
      }),
    );
    await settle();
    consumer.deliver(1);
    await settle();
    out.subscription.unsubscribe();
    expect(signal!.aborted).toBe(true);
    job.resolve();
    await settle();
    expect(consumer.delivered[0]!.log).toEqual([]);
  });

  it('keeps slow handlers alive with working() while they run (keepAlive)', async () => {
    const scheduler = new VirtualTimeScheduler();
    const consumer = new FakeConsumer({ ackWaitMs: 200 });
    const job = deferred();
    const out = collect(consumeJetStream(consumer, { parallelism: 2, keepAlive: true, scheduler, handler: () => job.promise }));
    await settle();
    consumer.deliver(1);
    await settle();
    scheduler.maxFrames = 350;
    scheduler.flush();
    expect(consumer.delivered[0]!.log).toEqual([{ kind: 'working' }, { kind: 'working' }, { kind: 'working' }]);
    job.resolve();
    await settle();
    scheduler.maxFrames = Infinity;
    scheduler.flush();
    expect(consumer.delivered[0]!.log.at(-1)).toEqual({ kind: 'ack' });
    expect(consumer.delivered[0]!.log).toHaveLength(4);
    out.subscription.unsubscribe();
  });

  it('uses the last value of an Observable handler; an empty one means ack', async () => {
    const consumer = new FakeConsumer();
    const values = new Subject<'term' | 'nak'>();
    const out = collect(consumeJetStream(consumer, { parallelism: 2, handler: (d) => (d.seq === 1 ? values : of()) }));
    await settle();
    consumer.deliver(2);
    values.next('term');
    values.next('nak');
    values.complete();
    await settle();
    expect(consumer.delivered.map((m) => m.log)).toEqual([[{ kind: 'nak' }], [{ kind: 'ack' }]]);
    out.subscription.unsubscribe();
  });

  it('property: every delivered message is settled exactly once, per key in delivery order, within the window (default 2 × parallelism), at most parallelism handled at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 6 }),
        fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
        fc.array(fc.record({ key: fc.integer({ min: 0, max: 3 }), fail: fc.boolean() }), { minLength: 1, maxLength: 40 }),
        fc.scheduler(),
        async (parallelism, extra, messages, s) => {
          const consumer = new FakeConsumer();
          const order = new Map<string, number[]>();
          let maxUnsettled = 0;
          let running = 0;
          let maxRunning = 0;
          const window = extra === undefined ? undefined : parallelism + extra;
          const out = collect(
            consumeJetStream(consumer, {
              parallelism,
              ...(window === undefined ? {} : { window }),
              onError: 'term',
              handler: (d) => {
                maxUnsettled = Math.max(maxUnsettled, consumer.unsettled + consumer.outstanding);
                maxRunning = Math.max(maxRunning, ++running);
                const list = order.get(d.subject) ?? [];
                list.push(d.seq);
                order.set(d.subject, list);
                const failing = messages[d.seq - 1]!.fail;
                return s.schedule(Promise.resolve(), `handle ${d.seq}`).then(() => {
                  running--;
                  if (failing) throw new Error('no');
                });
              },
            }),
          );
          let sent = 0;
          while (sent < messages.length) {
            await settle(1);
            sent += consumer.deliver(messages.length - sent, (seq) => `k.${messages[seq - 1]!.key}`);
            maxUnsettled = Math.max(maxUnsettled, consumer.unsettled + consumer.outstanding);
            if (s.count() > 0) await s.waitOne();
          }
          for (let guard = 0; consumer.unsettled > 0 && guard < 1000; guard++) {
            await settle(1);
            if (s.count() > 0) await s.waitOne();
          }
          out.subscription.unsubscribe();
          expect(consumer.delivered.map((m) => m.log)).toEqual(messages.map((m) => [{ kind: m.fail ? 'term' : 'ack' }]));
          for (const seqs of order.values()) expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
          expect(maxUnsettled).toBeLessThanOrEqual(window ?? 2 * parallelism);
          expect(maxRunning).toBeLessThanOrEqual(parallelism);
        },
      ),
      { numRuns: 40 },
    );
  });
});
