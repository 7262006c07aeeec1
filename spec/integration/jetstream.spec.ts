/**
 * The JetStream adapter against a real nats-server with JetStream (2.9 or current, see run.sh) (started by this suite on loopback
 * with a temporary store, stopped by PID at the end). Run with `npm run test:integration` or
 * `bash spec/integration/run.sh`.
 *
 * Every check is made on what went over the wire: the consumer handed to the adapter is wrapped so that
 * each message it receives and each ack / nak / term / working sent for it is recorded, independently
 * of the adapter's own bookkeeping; the server's consumer info is sampled as a second witness.
 */
import {
  AckPolicy,
  jetstream,
  jetstreamManager,
  type Consumer,
  type ConsumerInfo,
  type JetStreamClient,
  type JetStreamManager,
} from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { filter, lastValueFrom, Subject, tap } from 'rxjs';
import { Valve } from '../../src/flow/Valve';
import { consumeJetStream, fromJetStream, type JetStreamConsumerStatus } from '../../src/jetstream/index';
import { mapAsyncPartitioned } from '../../src/mapAsyncPartitioned';
import { startNatsServer, type NatsServer } from './natsServer';
import { ms, random, sampleAckPending, sleep, Wire, type Published } from './wire';

describe('JetStream adapter against nats-server', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    server = await startNatsServer();
    nc = await connect({ servers: server.url, reconnect: false });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    await server?.stop();
  });

  async function stream(name: string, count: number, keys: number, seed = 1): Promise<Published[]> {
    await jsm.streams.add({ name, subjects: [`${name}.>`] });
    const rnd = random(seed);
    const perKey = new Map<string, number>();
    const published: Published[] = [];
    let inFlight: Promise<unknown>[] = [];
    for (let i = 0; i < count; i++) {
      const key = `k${Math.floor(rnd() * keys)}`;
      const n = perKey.get(key) ?? 0;
      perKey.set(key, n + 1);
      inFlight.push(js.publish(`${name}.${key}`, JSON.stringify({ key, n })).then((ack) => published.push({ seq: ack.seq, key, n })));
      if (inFlight.length === 256) {
        await Promise.all(inFlight);
        inFlight = [];
      }
    }
    await Promise.all(inFlight);
    return published.sort((a, b) => a.seq - b.seq);
  }

  async function durable(streamName: string, name: string, config: { ackWaitMs?: number; maxAckPending?: number } = {}): Promise<Consumer> {
    await jsm.consumers.add(streamName, {
      durable_name: name,
      ack_policy: AckPolicy.Explicit,
      ack_wait: ms(config.ackWaitMs ?? 30_000),
      max_ack_pending: config.maxAckPending ?? 1000,
    });
    return js.consumers.get(streamName, name);
  }

  /** The server's view, once every ack sent so far has reached it (acks are fire-and-forget). */
  const info = async (streamName: string, name: string): Promise<ConsumerInfo> => {
    await nc.flush();
    return jsm.consumers.info(streamName, name);
  };

  /** Checks that, per key, the sequence numbers in `order` follow publish order. */
  function expectPerKeyOrder(published: Published[], order: number[]): void {
    const bySeq = new Map(published.map((p) => [p.seq, p]));
    const next = new Map<string, number>();
    const wrong: string[] = [];
    for (const seq of order) {
      const p = bySeq.get(seq)!;
      const expected = next.get(p.key) ?? 0;
      if (p.n !== expected) wrong.push(`${p.key}: got #${p.n} (seq ${seq}), expected #${expected}`);
      next.set(p.key, p.n + 1);
    }
    expect(wrong.slice(0, 5)).toEqual([]);
  }

  it('10,000 messages over 100 keys, 0–5 ms handlers, parallelism 32, perKey 1: all processed in per-key order, acked after their handler, never more than the default window (64) unsettled nor 32 handlers running', async () => {
    const published = await stream('LOAD', 10_000, 100, 42);
    const consumer = await durable('LOAD', 'load', { maxAckPending: 80 });
    const wire = new Wire();
    const finished = new WeakSet<object>();
    wire.beforeAck = (m) => {
      if (!finished.has(m)) throw new Error(`seq ${m.seq} acked before its handler finished`);
    };
    const rnd = random(7);
    const started: number[] = [];
    const stop = new Subject<void>();
    const server = sampleAckPending(jsm, 'LOAD', 'load');
    let settledCount = 0;
    let running = 0;
    let maxRunning = 0;
    await lastValueFrom(
      consumeJetStream(wire.wrap(consumer), {
        parallelism: 32,
        perKey: 1,
        expires: 1000,
        stop,
        handler: async (d) => {
          started.push(d.seq);
          maxRunning = Math.max(maxRunning, ++running);
          await sleep(Math.floor(rnd() * 6));
          running--;
          finished.add(d.message);
        },
      }).pipe(tap(() => ++settledCount === published.length && stop.next())),
    );
    const maxServerPending = await server.stop();

    expect(wire.problems).toEqual([]);
    expect(new Set(started).size).toBe(10_000);
    expect(started).toHaveLength(10_000); // nothing redelivered
    expectPerKeyOrder(published, started);
    expect(wire.settled('ack')).toHaveLength(10_000);
    // The bound, counted on the wire: deliveries received and not yet acked never exceeded the window
    // (default 2 × parallelism); the handlers running never exceeded parallelism.
    expect(wire.maxUnsettled).toBeLessThanOrEqual(64);
    expect(wire.maxUnsettled).toBeGreaterThan(32); // deliveries did wait beyond parallelism: the window was used
    expect(maxRunning).toBeLessThanOrEqual(32);
    expect(maxRunning).toBeGreaterThan(16);
    // The server's count also includes acks still in transit (acks are fire-and-forget and applied
    // asynchronously), so it may briefly exceed the window; it stays within max_ack_pending.
    expect(maxServerPending).toBeLessThanOrEqual(80);
    const after = await info('LOAD', 'load');
    expect([after.num_ack_pending, after.num_pending]).toEqual([0, 0]);
  });

  it('works with mapAsyncPartitioned (ordered output, acks downstream in output order) under the same bound', async () => {
    const published = await stream('ORDERED', 3_000, 100, 3);
    const consumer = await durable('ORDERED', 'ordered');
    const wire = new Wire();
    const finished = new WeakSet<object>();
    wire.beforeAck = (m) => {
      if (!finished.has(m)) throw new Error(`seq ${m.seq} acked before its handler finished`);
    };
    const rnd = random(9);
    const started: number[] = [];
    const acked: number[] = [];
    const valve = new Valve();
    const stop = new Subject<void>();
    await lastValueFrom(
      fromJetStream(wire.wrap(consumer), { window: 32, valve, stop, expires: 1000 }).pipe(
        mapAsyncPartitioned({
          parallelism: 32,
          perKey: 1,
          key: (d) => d.subject,
          valve,
          project: async (d) => {
            started.push(d.seq);
            await sleep(Math.floor(rnd() * 6));
            finished.add(d.message);
            return d;
          },
        }),
        tap((d) => {
          d.ack();
          acked.push(d.seq);
          if (acked.length === published.length) stop.next();
        }),
      ),
    );
    expect(wire.problems).toEqual([]);
    expectPerKeyOrder(published, started);
    expect(acked).toEqual(wire.received.map((m) => m.seq)); // output order = delivery order
    expect(wire.maxUnsettled).toBeLessThanOrEqual(32);
    const after = await info('ORDERED', 'ordered');
    expect([after.num_ack_pending, after.num_pending]).toEqual([0, 0]);
  });

  it('crash: a consumer stopped abruptly and a new one started — every message processed at least once, no acked message redelivered, per-key order of first processing holds', async () => {
    const published = await stream('CRASH', 3_000, 30, 11);
    await durable('CRASH', 'crash', { ackWaitMs: 2000 });
    const rnd = random(5);
    const firstStart: number[] = [];
    const seen = new Set<number>();
    const handler = async (d: { seq: number }) => {
      if (!seen.has(d.seq)) {
        seen.add(d.seq);
        firstStart.push(d.seq);
      }
      await sleep(Math.floor(rnd() * 4));
    };

    // Session 1: its own connection; stopped abruptly once ~1,000 messages were acked.
    const nc1 = await connect({ servers: server.url, reconnect: false });
    const wire1 = new Wire();
    const consumer1 = await jetstream(nc1).consumers.get('CRASH', 'crash');
    const crashed = new Promise<void>((resolve) => {
      const subscription = consumeJetStream(wire1.wrap(consumer1), { parallelism: 16, handler }).subscribe(() => {
        if (wire1.settled('ack').length >= 1000) {
          subscription.unsubscribe(); // no drain: running handlers are abandoned, queued messages unsettled
          resolve();
        }
      });
    });
    await crashed;
    const acked1 = new Set(wire1.settled('ack'));
    const unsettledAtCrash = wire1.received.length - acked1.size;
    expect(unsettledAtCrash).toBeGreaterThan(0); // the crash really left work behind
    await nc1.flush(); // the acks already sent reach the server (a killed process could lose its last ones)
    await nc1.close();

    // Session 2: a new process.
    const statuses: JetStreamConsumerStatus[] = [];
    const wire2 = new Wire();
    const consumer2 = await js.consumers.get('CRASH', 'crash');
    const stop = new Subject<void>();
    const t0 = Date.now();
    let firstDeliveryAt = 0;
    await lastValueFrom(
      consumeJetStream(wire2.wrap(consumer2), {
        parallelism: 16,
        handler: (d) => {
          firstDeliveryAt ||= Date.now();
          return handler(d);
        },
        stop,
        expires: 1000,
        onStatus: (s) => statuses.push(s),
      }).pipe(
        tap(() => {
          const done = new Set([...acked1, ...wire2.settled('ack')]);
          if (done.size === published.length) stop.next();
        }),
      ),
    );
    expect(statuses.slice(0, 3)).toEqual(['starting', 'awaiting-redelivery', 'consuming']);
    expect(firstDeliveryAt - t0).toBeGreaterThanOrEqual(2000); // waited for session 1's deliveries to come back

    const redeliveredAcked = wire2.received.filter((m) => acked1.has(m.seq)).map((m) => m.seq);
    expect(redeliveredAcked).toEqual([]);
    expect(new Set([...acked1, ...wire2.settled('ack')]).size).toBe(3_000);
    expect(seen.size).toBe(3_000);
    expectPerKeyOrder(published, firstStart);
    // session 1's unsettled deliveries were the first ones session 2 got, in stream order
    const firstOfSession2 = wire2.received.slice(0, unsettledAtCrash).map((m) => m.seq);
    expect(firstOfSession2).toEqual([...firstOfSession2].sort((a, b) => a - b));
    expect(wire2.received.slice(0, unsettledAtCrash).every((m) => m.redelivered)).toBe(true);
    expect([...wire1.problems, ...wire2.problems]).toEqual([]);
    const after = await info('CRASH', 'crash');
    expect([after.num_ack_pending, after.num_pending]).toEqual([0, 0]);
  });

  it('nak with a delay is redelivered after the delay', async () => {
    await stream('NAK', 1, 1);
    const wire = new Wire();
    const consumer = await durable('NAK', 'nak');
    const times: number[] = [];
    const stop = new Subject<void>();
    await lastValueFrom(
      fromJetStream(wire.wrap(consumer), { window: 4, stop, expires: 1000 }).pipe(
        tap((d) => {
          times.push(Date.now());
          if (times.length === 1) d.nak(1500);
          else {
            d.ack();
            stop.next();
          }
        }),
      ),
    );
    expect(wire.received.map((m) => [m.seq, m.info.deliveryCount])).toEqual([
      [1, 1],
      [1, 2],
    ]);
    expect(times[1]! - times[0]!).toBeGreaterThanOrEqual(1450);
    expect(wire.sent.map(([k]) => k)).toEqual(['nak', 'ack']);
  });

  it('term is not redelivered (and the server reports it terminated); in-progress keeps a slow message from redelivery', async () => {
    await stream('TERM', 3, 3);
    const wire = new Wire();
    const consumer = await durable('TERM', 'term', { ackWaitMs: 1000 });
    const terminated: string[] = [];
    const advisories = nc.subscribe('$JS.EVENT.ADVISORY.CONSUMER.MSG_TERMINATED.TERM.term', {
      callback: (_e, m) => void terminated.push(String(m.json<{ stream_seq: number }>().stream_seq)),
    });
    const stop = new Subject<void>();
    const handled: number[] = [];
    const run = lastValueFrom(
      consumeJetStream(wire.wrap(consumer), {
        parallelism: 4,
        stop,
        expires: 1000,
        handler: async (d, { signal }) => {
          handled.push(d.seq);
          if (d.seq === 1) return 'term';
          if (d.seq === 2) d.keepAlive({ interval: 300, signal }); // in progress: ack_wait keeps restarting
          if (d.info.deliveryCount === 1) await sleep(3000); // 3× ack_wait (redelivered copies of 3 are quick)
          return undefined;
        },
      }),
    );
    await sleep(3500);
    stop.next();
    await run;
    advisories.unsubscribe();
    // 1 was terminated once and never came back; 2 (kept alive) was delivered once; 3 (not kept alive)
    // came back while its handler ran — the control showing that ack_wait really expired.
    expect(wire.received.filter((m) => m.seq === 1)).toHaveLength(1);
    expect(wire.received.filter((m) => m.seq === 2)).toHaveLength(1);
    expect(wire.received.filter((m) => m.seq === 3).length).toBeGreaterThanOrEqual(2);
    expect(wire.sent.filter(([k, seq]) => k === 'working' && seq === 2).length).toBeGreaterThanOrEqual(8);
    expect(wire.settled('term')).toEqual([1]);
    expect(terminated).toEqual(['1']);
    expect(handled.filter((s) => s === 1)).toEqual([1]);
  });

  it('graceful drain: stops fetching, finishes and settles the work in flight, completes with nothing pending; the rest is consumed by the next process exactly once', async () => {
    const published = await stream('DRAIN', 2_000, 50, 21);
    const consumer = await durable('DRAIN', 'drain');
    const wire = new Wire();
    const statuses: JetStreamConsumerStatus[] = [];
    const stop = new AbortController();
    const processed: number[] = [];
    let completedAt = 0;
    await new Promise<void>((resolve, reject) => {
      consumeJetStream(wire.wrap(consumer), {
        parallelism: 16,
        stop: stop.signal,
        expires: 1000,
        onStatus: (s) => statuses.push(s),
        handler: async (d) => {
          processed.push(d.seq);
          if (processed.length === 500) stop.abort(); // a SIGTERM in the middle of the run
          await sleep(2);
        },
      }).subscribe({ error: reject, complete: () => ((completedAt = Date.now()), resolve()) });
    });
    expect(statuses).toEqual(['starting', 'consuming', 'draining', 'drained']);
    expect(wire.unsettled).toBe(0);
    expect(wire.received.length).toBeGreaterThanOrEqual(500);
    expect(wire.settled('ack')).toHaveLength(wire.received.length); // everything it fetched, it processed and acked
    const after = await info('DRAIN', 'drain');
    expect(after.num_ack_pending).toBe(0);
    expect(after.num_pending).toBe(2_000 - wire.received.length);
    expect(completedAt).toBeGreaterThan(0);

    const wire2 = new Wire();
    const stop2 = new Subject<void>();
    await lastValueFrom(
      consumeJetStream(wire2.wrap(await js.consumers.get('DRAIN', 'drain')), {
        parallelism: 16,
        stop: stop2,
        expires: 1000,
        handler: (d) => void processed.push(d.seq),
      }).pipe(
        filter(() => processed.length === 2_000),
        tap(() => stop2.next()),
      ),
    );
    expect(processed).toHaveLength(2_000); // exactly once overall
    expect(new Set(processed).size).toBe(2_000);
    expectPerKeyOrder(published, processed);
    expect(wire2.received.some((m) => m.redelivered)).toBe(false);
    const final = await info('DRAIN', 'drain');
    expect([final.num_ack_pending, final.num_pending]).toEqual([0, 0]);
  });

  it('a throwing handler settles its message with the failure outcome without losing or double-acking any other', async () => {
    await stream('FAIL', 400, 10, 8);
    const poison = (seq: number) => seq % 37 === 0;

    // onError 'term': poison messages are dead-lettered once; every other message acked exactly once.
    const wire = new Wire();
    const stop = new Subject<void>();
    let count = 0;
    await lastValueFrom(
      consumeJetStream(wire.wrap(await durable('FAIL', 'fail-term', { ackWaitMs: 1000 })), {
        parallelism: 8,
        onError: 'term',
        stop,
        expires: 1000,
        handler: async (d) => {
          await sleep(1);
          if (poison(d.seq)) throw new Error(`cannot handle ${d.seq}`);
        },
      }).pipe(tap(() => ++count === 400 && stop.next())),
    );
    const poisoned = Array.from({ length: 400 }, (_, i) => i + 1).filter(poison);
    expect(wire.problems).toEqual([]);
    expect(wire.settled('term').sort((a, b) => a - b)).toEqual(poisoned);
    expect(wire.settled('ack').sort((a, b) => a - b)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1).filter((s) => !poison(s)));
    expect(wire.received).toHaveLength(400);
    const afterTerm = await info('FAIL', 'fail-term');
    expect([afterTerm.num_ack_pending, afterTerm.num_pending]).toEqual([0, 0]);

    // onError { nak: 200 }: a handler that fails on first delivery only; the nak'd messages come back
    // after the delay and are acked; nothing is acked twice.
    const wire2 = new Wire();
    const stop2 = new Subject<void>();
    const acked = new Set<number>();
    await lastValueFrom(
      consumeJetStream(wire2.wrap(await durable('FAIL', 'fail-nak')), {
        parallelism: 8,
        onError: { nak: 200 },
        stop: stop2,
        expires: 1000,
        handler: async (d) => {
          await sleep(1);
          if (poison(d.seq) && d.info.deliveryCount === 1) throw new Error('transient');
        },
      }).pipe(
        tap((s) => {
          if (s.outcome === 'ack') acked.add(s.delivery.seq);
          if (acked.size === 400) stop2.next();
        }),
      ),
    );
    expect(wire2.problems).toEqual([]);
    expect(wire2.settled('ack')).toHaveLength(400);
    expect(new Set(wire2.settled('ack')).size).toBe(400);
    expect(wire2.settled('nak').sort((a, b) => a - b)).toEqual(poisoned);
    const afterNak = await info('FAIL', 'fail-nak');
    expect([afterNak.num_ack_pending, afterNak.num_pending]).toEqual([0, 0]);

    // onError 'fail': the stream errors; the failing message is nak'd, no other message is acked twice
    // or left acked-but-unprocessed; a restart finishes the job.
    const wire3 = new Wire();
    const handled = new Set<number>();
    const failed = await lastValueFrom(
      consumeJetStream(wire3.wrap(await durable('FAIL', 'fail-fail', { ackWaitMs: 1000 })), {
        parallelism: 8,
        onError: 'fail',
        handler: async (d) => {
          await sleep(1);
          if (d.seq === 100) throw new Error('stop the world');
          handled.add(d.seq);
        },
      }),
    ).then(
      () => 'completed',
      (error: Error) => error.message,
    );
    expect(failed).toBe('stop the world');
    expect(wire3.sent.filter(([, seq]) => seq === 100).map(([k]) => k)).toEqual(['nak']);
    expect(wire3.settled('ack').every((seq) => handled.has(seq))).toBe(true);
    expect(wire3.problems).toEqual([]);
    const wire4 = new Wire();
    const stop4 = new Subject<void>();
    const acked34 = new Set(wire3.settled('ack'));
    await lastValueFrom(
      consumeJetStream(wire4.wrap(await js.consumers.get('FAIL', 'fail-fail')), {
        parallelism: 8,
        stop: stop4,
        expires: 1000,
        handler: () => undefined,
      }).pipe(
        tap((s) => {
          acked34.add(s.delivery.seq);
          if (acked34.size === 400) stop4.next();
        }),
      ),
    );
    expect(wire4.received.filter((m) => wire3.settled('ack').includes(m.seq))).toEqual([]);
    const afterFail = await info('FAIL', 'fail-fail');
    expect([afterFail.num_ack_pending, afterFail.num_pending]).toEqual([0, 0]);
  });
});
