/**
 * The JetStream adapter across real nats-server restarts (SIGINT, then the same ports and store): a consumer
 * whose connection reconnects keeps consuming — while idle (its open pull requests get `409 Server
 * Shutdown`) and while messages are in flight — and nothing is lost, acked before its handler finished, or
 * left pending. Its own server: the restarts would disturb the other suites.
 */
import { AckPolicy, jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom, Subject, tap } from 'rxjs';
import { consumeJetStream, type JetStreamConsumerStatus } from '../../src/jetstream/index';
import { startNatsServer, type NatsServer } from './natsServer';
import { ms, sleep, Wire } from './wire';

describe('JetStream adapter across nats-server restarts', () => {
  let server: NatsServer;
  let nc: NatsConnection;
  let js: JetStreamClient;
  let jsm: JetStreamManager;

  beforeAll(async () => {
    server = await startNatsServer();
    // Reconnects for ever, quickly: the connection a service would use.
    nc = await connect({ servers: server.url, reconnect: true, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    js = jetstream(nc);
    jsm = await jetstreamManager(nc);
  });

  afterAll(async () => {
    await nc?.close().catch(() => undefined);
    await server?.stop();
  });

  async function publish(from: number, count: number): Promise<void> {
    let acks: Promise<unknown>[] = [];
    for (let i = from; i < from + count; i++) {
      acks.push(js.publish(`RECON.k${i % 20}`, JSON.stringify({ i })));
      if (acks.length === 256) {
        await Promise.all(acks);
        acks = [];
      }
    }
    await Promise.all(acks);
  }

  /** Restarts the server and waits until the connection is back (a flush answers once reconnected). */
  async function restart(): Promise<void> {
    await server.restart({ downMs: 300 });
    const deadline = Date.now() + 15_000;
    for (;;) {
      try {
        await nc.flush(); // rejects while disconnected
        return;
      } catch (error) {
        if (Date.now() > deadline) throw error;
        await sleep(100);
      }
    }
  }

  async function until(condition: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!condition()) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await sleep(20);
    }
  }

  it('keeps consuming through a restart while idle and a restart with messages in flight; nothing lost, nothing acked early, nothing left pending', async () => {
    await jsm.streams.add({ name: 'RECON', subjects: ['RECON.>'] });
    await jsm.consumers.add('RECON', { durable_name: 'recon', ack_policy: AckPolicy.Explicit, ack_wait: ms(2000), max_ack_pending: 1000 });
    const wire = new Wire();
    const finished = new Set<number>();
    wire.beforeAck = (m) => {
      if (!finished.has(m.seq)) throw new Error(`seq ${m.seq} acked before its handler finished`);
    };
    const statuses: JetStreamConsumerStatus[] = [];
    const stop = new Subject<void>();
    const handled = new Set<number>();
    let outputError: unknown;
    const run = lastValueFrom(
      consumeJetStream(wire.wrap(await js.consumers.get('RECON', 'recon')), {
        parallelism: 16,
        expires: 1000,
        stop,
        onStatus: (s) => statuses.push(s),
        handler: async (d) => {
          await sleep(2);
          handled.add(d.seq);
          finished.add(d.seq);
        },
      }).pipe(tap({ error: (e: unknown) => (outputError = e) })),
    );
    const acked = () => new Set(wire.settled('ack')).size;

    await publish(0, 500);
    await until(() => acked() === 500, 'the first 500 acks');
    await sleep(200); // idle: the adapter's pull requests are open on the server
    await restart();
    await publish(500, 3000);
    await until(() => acked() > 1500, 'acks after the first restart');
    expect(acked()).toBeLessThan(3500); // the second restart really happens mid-run
    await restart();
    await until(() => acked() === 3500, 'every message acked', 60_000);
    // An ack on its way when the server went down is lost with it: that message comes back after ack_wait
    // and is handled again (at least once). Nothing is left pending once those redeliveries are settled too.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { num_pending, num_ack_pending } = await jsm.consumers.info('RECON', 'recon');
      if (num_pending === 0 && num_ack_pending === 0) break;
      if (Date.now() > deadline) throw new Error(`still pending on the server: ${num_pending} + ${num_ack_pending} unacked`);
      await sleep(100);
    }
    stop.next();
    await run;

    expect(outputError).toBeUndefined();
    expect(statuses).not.toContain('failed');
    expect(statuses.at(-1)).toBe('drained');
    expect(wire.problems).toEqual([]);
    expect(handled.size).toBe(3500);
    await nc.flush();
    const info = await jsm.consumers.info('RECON', 'recon');
    expect([info.num_pending, info.num_ack_pending]).toEqual([0, 0]); // the drain left nothing behind either
  });
});
