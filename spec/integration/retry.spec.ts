/**
 * Retries and dead letters against a real nats-server: a backoff schedule for the naks, `maxAttempts`,
 * then a dead letter published (with headers) to a stream before the message is terminated; a long
 * handler kept alive with `working()` is not redelivered meanwhile.
 */
import { AckPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, headers as natsHeaders, type NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom, Subject, tap } from 'rxjs';
import { consumeJetStream, type JetStreamSettlement } from '../../src/jetstream/index';
import { startNatsServer, type NatsServer } from './natsServer';
import { ms, sleep, Wire } from './wire';

describe('retries and dead letters against nats-server', () => {
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

  it('naks with the backoff schedule, dead-letters on delivery maxAttempts (headers included), then terminates; the others are acked once', async () => {
    await jsm.streams.add({ name: 'JOBS', subjects: ['jobs.>'] });
    await jsm.streams.add({ name: 'DLQ', subjects: ['dlq.>'] });
    await jsm.consumers.add('JOBS', { durable_name: 'jobs', ack_policy: AckPolicy.Explicit, ack_wait: ms(1000), max_deliver: 10 });
    const h = natsHeaders();
    h.set('Trace-Id', 'abc');
    await js.publish('jobs.poison', 'bad', { headers: h });
    for (let i = 0; i < 20; i++) await js.publish(`jobs.ok${i % 4}`, String(i));
    await js.publish('jobs.slow', 'slow');

    const wire = new Wire();
    const stop = new Subject<void>();
    const times: number[] = [];
    const settlements: JetStreamSettlement<string>[] = [];
    await lastValueFrom(
      consumeJetStream(wire.wrap(await js.consumers.get('JOBS', 'jobs')), {
        parallelism: 4,
        expires: 1000,
        stop,
        keepAlive: 300, // working() every 300 ms: the 2.5 s handler outlives ack_wait (1 s) without redelivery
        retry: {
          backoff: [200, 600],
          maxAttempts: 4,
          deadLetter: {
            subject: (m) => `dlq.${m.subject}`,
            publish: (subject, data, hs) => {
              const dh = natsHeaders();
              for (const [k, v] of hs) dh.append(k, v);
              return js.publish(subject, data, { headers: dh });
            },
          },
        },
        handler: async (d) => {
          if (d.subject === 'jobs.poison') {
            times.push(Date.now());
            throw new Error(`cannot handle\ndelivery ${d.info.deliveryCount}`);
          }
          if (d.subject === 'jobs.slow') await sleep(2500);
        },
      }).pipe(
        tap((s) => {
          settlements.push(s);
          if (settlements.length === 22 + 3) stop.next(); // 21 acks + 3 naks + 1 dead letter
        }),
      ),
    );
    expect(wire.problems).toEqual([]);
    const poison = wire.received.filter((m) => m.subject === 'jobs.poison');
    expect(poison.map((m) => m.info.deliveryCount)).toEqual([1, 2, 3, 4]);
    // the schedule: 200 ms, 600 ms, then the last delay repeats (600 ms)
    const gaps = times.slice(1).map((t, i) => t - times[i]!);
    expect(gaps[0]).toBeGreaterThanOrEqual(180);
    expect(gaps[1]).toBeGreaterThanOrEqual(580);
    expect(gaps[2]).toBeGreaterThanOrEqual(580);
    expect(gaps[0]).toBeLessThan(580);
    expect(wire.sent.filter(([, seq]) => seq === poison[0]!.seq).map(([k]) => k)).toEqual(['nak', 'nak', 'nak', 'term']);
    expect(settlements.filter((s) => s.outcome === 'term').map((s) => s.delivery.subject)).toEqual(['jobs.poison']);
    // the slow message was delivered once (kept alive) and acked; every other message acked exactly once
    expect(wire.received.filter((m) => m.subject === 'jobs.slow')).toHaveLength(1);
    expect(wire.settled('ack')).toHaveLength(21);
    expect(new Set(wire.settled('ack')).size).toBe(21);
    expect(wire.sent.filter(([k]) => k === 'working').length).toBeGreaterThanOrEqual(5);

    const dead = await jsm.streams.getMessage('DLQ', { last_by_subj: 'dlq.jobs.poison' });
    expect(dead!.string()).toBe('bad');
    const dh = dead!.header;
    expect(dh.get('Trace-Id')).toBe('abc');
    expect(dh.get('Lanes-Subject')).toBe('jobs.poison');
    expect(dh.get('Lanes-Stream')).toBe('JOBS');
    expect(dh.get('Lanes-Consumer')).toBe('jobs');
    expect(dh.get('Lanes-Stream-Sequence')).toBe(String(poison[0]!.seq));
    expect(dh.get('Lanes-Attempts')).toBe('4');
    expect(dh.get('Lanes-Error')).toBe('Error: cannot handle delivery 4');
    const info = await jsm.consumers.info('JOBS', 'jobs');
    expect([info.num_pending, info.num_ack_pending]).toEqual([0, 0]);
  });

  it('refuses a consumer whose max_deliver would drop a message before its dead letter', async () => {
    await jsm.streams.add({ name: 'SHORT', subjects: ['short.>'] });
    await jsm.consumers.add('SHORT', { durable_name: 'short', ack_policy: AckPolicy.Explicit, max_deliver: 3 });
    const run = lastValueFrom(
      consumeJetStream(await js.consumers.get('SHORT', 'short'), {
        parallelism: 1,
        retry: { backoff: [100], maxAttempts: 5 },
        handler: () => undefined,
      }),
    );
    await expect(run).rejects.toThrow(/consumeJetStream: retry.maxAttempts \(5\) must be at most the consumer's max_deliver \(3\)/);
  });
});
