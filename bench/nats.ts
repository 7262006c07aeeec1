/**
 * `npm run bench:nats`: consume + process + ack from a real nats-server (started here, stopped at the
 * end), through the JetStream adapter versus a plain consume loop that acks each message — same server,
 * same run, ratios to the plain loop.
 *
 * - no-op handler: the adapter's overhead (target: at its default settings ≥ 0.9× the plain loop);
 * - 2 ms handler over 100 keys with parallelism 32, one at a time per key: the speed-up the keys allow
 *   (keys are round-robin, so any 32 consecutive messages have 32 distinct keys: ideal 32×).
 *
 * `node --expose-gc --import tsx bench/nats.ts [quick]` — `quick` runs one measured round instead of three.
 */
import { AckPolicy, jetstream, jetstreamManager, type Consumer, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { lastValueFrom, take } from 'rxjs';
import { startNatsServer } from '../spec/integration/natsServer.js';
import { Valve } from '../src/flow/Valve.js';
import { consumeJetStream, fromJetStream } from '../src/jetstream/index.js';
import { mapAsyncPartitioned } from '../src/mapAsyncPartitioned.js';
import { gc, line, table, type Timing } from './harness.js';

const KEYS = 100;
const PARALLELISM = 32;
const FAST_N = 40_000;
const SLOW_PLAIN_N = 500;
const SLOW_N = 8_000;
const SLOW_MS = 2;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const noop = (): void => undefined;

interface Ctx {
  nc: NatsConnection;
  js: JetStreamClient;
  jsm: JetStreamManager;
}

async function publish(ctx: Ctx, stream: string, count: number): Promise<void> {
  await ctx.jsm.streams.add({ name: stream, subjects: [`${stream}.>`] });
  const payload = new Uint8Array(64);
  let inFlight: Promise<unknown>[] = [];
  for (let i = 0; i < count; i++) {
    inFlight.push(ctx.js.publish(`${stream}.k${i % KEYS}`, payload));
    if (inFlight.length === 256) {
      await Promise.all(inFlight);
      inFlight = [];
    }
  }
  await Promise.all(inFlight);
}

let consumerSerial = 0;
async function freshConsumer(ctx: Ctx, stream: string): Promise<{ consumer: Consumer; remove: () => Promise<void> }> {
  const name = `bench${consumerSerial++}`;
  await ctx.jsm.consumers.add(stream, { durable_name: name, ack_policy: AckPolicy.Explicit, max_ack_pending: 1000 });
  const consumer = await ctx.js.consumers.get(stream, name);
  return { consumer, remove: () => ctx.jsm.consumers.delete(stream, name).then(noop, noop) };
}

type Case = (consumer: Consumer, n: number, work: () => void | Promise<void>) => Promise<void>;

/** The baseline: the client's own consume loop, one message at a time, ack after the work. */
const plainLoop: Case = async (consumer, n, work) => {
  const messages = await consumer.consume({ max_messages: PLAIN_PREFETCH });
  let done = 0;
  for await (const m of messages) {
    await work();
    m.ack();
    if (++done === n) break;
  }
};

/** The plain loop's prefetch: `consume({ max_messages })` keeps up to this many messages on their way. */
const PLAIN_PREFETCH = 100;

/**
 * fromJetStream + mapAsyncPartitioned (ordered output), acking in project after the work. `window` bounds
 * the unsettled deliveries (the adapter's prefetch; `undefined`: its default); the operator still runs at
 * most PARALLELISM at once.
 */
const adapterPartitioned =
  (window: number | undefined): Case =>
  async (consumer, n, work) => {
    const valve = new Valve();
    await lastValueFrom(
      fromJetStream(consumer, { ...(window === undefined ? {} : { window }), valve, awaitPending: false }).pipe(
        mapAsyncPartitioned({
          parallelism: PARALLELISM,
          perKey: 1,
          key: (d) => d.subject,
          valve,
          project: async (d) => {
            await work();
            d.ack();
          },
        }),
        take(n),
      ),
    );
  };

/** consumeJetStream: the handler convenience (mapAsyncPartitionedUnordered inside, settles for you). */
const adapterConsume =
  (window: number | undefined): Case =>
  async (consumer, n, work) => {
    await lastValueFrom(
      consumeJetStream(consumer, {
        parallelism: PARALLELISM,
        perKey: 1,
        ...(window === undefined ? {} : { window }),
        handler: () => work(),
        awaitPending: false,
      }).pipe(take(n)),
    );
  };

interface Entry {
  name: string;
  run: Case;
  n: number;
}

/**
 * Runs the cases interleaved (A B C, A B C, …: a warm-up round, then `rounds` measured ones), each on a
 * fresh durable consumer of `stream`, and keeps each case's best round — load that comes and goes on a
 * shared machine then affects the compared cases alike.
 */
async function compareCases(
  ctx: Ctx,
  stream: string,
  entries: Entry[],
  work: () => void | Promise<void>,
  rounds: number,
): Promise<Timing[]> {
  const best = entries.map(() => Infinity);
  for (let round = 0; round <= rounds; round++) {
    for (const [i, entry] of entries.entries()) {
      const { consumer, remove } = await freshConsumer(ctx, stream);
      gc();
      const start = performance.now();
      await entry.run(consumer, entry.n, work);
      const ms = performance.now() - start;
      if (round > 0) best[i] = Math.min(best[i]!, ms); // round 0 is the warm-up
      await remove();
    }
  }
  return entries.map((entry, i) => ({ name: entry.name, ms: best[i]!, elements: entry.n }));
}

/** The ceiling on this machine: PARALLELISM loops of back-to-back handlers, no broker at all. */
async function measureTimers(n: number, work: () => void | Promise<void>): Promise<Timing> {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: PARALLELISM }, async () => {
      for (let i = 0; i < n / PARALLELISM; i++) await work();
    }),
  );
  return { name: `(ceiling: ${PARALLELISM} handler loops, no broker)`, ms: performance.now() - start, elements: n };
}

const adapterCases = (n: number): Entry[] => [
  { name: 'consumeJetStream, defaults (window 2 × parallelism)', run: adapterConsume(undefined), n },
  { name: `consumeJetStream, window ${PARALLELISM} (= parallelism)`, run: adapterConsume(PARALLELISM), n },
  { name: 'fromJetStream, defaults (window 100) + mapAsyncPartitioned', run: adapterPartitioned(undefined), n },
  { name: `fromJetStream, window ${PARALLELISM} + mapAsyncPartitioned`, run: adapterPartitioned(PARALLELISM), n },
];

async function main(): Promise<void> {
  const rounds = process.argv.includes('quick') ? 1 : 3;
  const server = await startNatsServer();
  let nc: NatsConnection | undefined;
  try {
    nc = await connect({ servers: server.url, reconnect: false });
    const ctx: Ctx = { nc, js: jetstream(nc), jsm: await jetstreamManager(nc) };
    line(`# rxjs-lanes JetStream benchmark — node ${process.version}, nats-server ${nc.info?.version}, ${new Date().toISOString()}`);
    line(
      `${KEYS} keys (round-robin subjects), parallelism ${PARALLELISM}, perKey 1; cases interleaved, best of ${rounds} after a warm-up round`,
    );
    await publish(ctx, 'FAST', FAST_N);
    await publish(ctx, 'SLOW', SLOW_N);

    const plain = `plain consume loop (prefetch ${PLAIN_PREFETCH}, the client's default)`;
    const fast = await compareCases(ctx, 'FAST', [{ name: plain, run: plainLoop, n: FAST_N }, ...adapterCases(FAST_N)], noop, rounds);
    table(`no-op handler, ${FAST_N.toLocaleString('en-US')} messages (target: defaults ≥ 0.90×)`, fast, fast[0]!);

    const work = () => sleep(SLOW_MS);
    const slow = await compareCases(ctx, 'SLOW', [{ name: plain, run: plainLoop, n: SLOW_PLAIN_N }, ...adapterCases(SLOW_N)], work, rounds);
    const timers = await measureTimers(SLOW_N, work);
    table(`${SLOW_MS} ms handler (setTimeout), ideal speed-up ${Math.min(PARALLELISM, KEYS)}×`, [...slow, timers], slow[0]!);
  } finally {
    await nc?.close().catch(noop);
    await server.stop();
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
