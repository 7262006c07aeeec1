/**
 * End to end: the built service as a real child process against a real nats-server (Debian's 2.9, started
 * here on loopback with JetStream and a temporary store, stopped by PID with SIGINT), as a user runs it.
 *
 * 1. NATS is down when the service starts: it listens anyway, on 0.0.0.0 (HTTP_HOST's default: reachable
 *    on 127.0.0.2 too), and /health/ready answers 503 (not connection refused) with a body that holds no
 *    pid and no path. The server comes up, the stream is filled (part A: ORDERS orders × SEQ_A events,
 *    interleaved, plus one poison message) and the consumer created: 200.
 * 2. SIGTERM midway: the process drains (log: draining → drained → connection closed) and exits with
 *    code 0; the server's consumer then shows nothing pending an ack, nothing redelivered, everything
 *    delivered acked — and messages still waiting (it really was midway).
 * 3. Part B is published while the service is down; a restarted service consumes the rest, answers 503
 *    while it drains on SIGTERM, and exits with code 0.
 * 4. The ledger holds every event exactly once, each order's events in sequence across both processes,
 *    one at a time per order, several orders at once, and batched writes of one shard each.
 * 5. A nats-server restart while a third process consumes part C does not crash it: it reconnects,
 *    consumes everything (at-least-once: per order in sequence of first handling) and drains on SIGTERM.
 * 6. `npm start` runs node in npm's place (`exec`): SIGTERM to npm's process drains the service and
 *    leaves no process behind.
 * 7. The package: one copy each of rxjs, @nestjs/* and rxjs-lanes, resolved from the staged packages; the
 *    default ledger file is ignored by git; every installed package's engines admit Node 20.6.
 */
import { AckPolicy, DeliverPolicy, jetstreamManager, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, realpathSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { natsServer, type NatsServer } from './nats-server.js';
import { shardOf } from '../src/orders/shard.js';
import { isRunning, Service } from './service.js';

const project = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const STREAM = 'ORDERS';
const CONSUMER = 'orders-processor';
const ORDERS = 40;
const SEQ_A = 25; // events 1..SEQ_A of every order before the SIGTERM
const SEQ_B = 35; // events SEQ_A+1..SEQ_B while the service is down
const SEQ_C = 40; // events SEQ_B+1..SEQ_C across a nats-server restart
const PARALLELISM = 8;
const SHARDS = 4;
const BATCH_SIZE = 10;
const SIGTERM_AFTER = 100; // ledger lines before SIGTERM (part A has ORDERS × SEQ_A + 1 = 1001 messages, ≈ 1 s of work)
const ms = (n: number) => n * 1_000_000;
const sleep = (n: number) => new Promise((resolve) => setTimeout(resolve, n));

/** Polls `condition` (a failing request counts as "not yet") until it holds; fails after `timeoutMs`. */
async function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await Promise.resolve().then(condition).catch(() => false))) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

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

interface ServerStats {
  status: string;
  settled: Record<string, number>;
  unhandled: number;
  undecodable: number;
  restarts: number;
}

interface Health {
  status: number;
  body: { orders: { status: 'up' | 'down'; servers: { orders: ServerStats } } };
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

  /** Starts the service; `url` is its loopback address (it listens on `host`). */
  const start = async (options: { viaNpm?: boolean } = {}): Promise<{ service: Service; url: string; host: string }> => {
    const service = new Service(env(), options);
    services.push(service);
    const [, host, port] = await service.waitForLine(/listening on http:\/\/(\S+):(\d+)/);
    return { service, url: `http://127.0.0.1:${port}`, host: host! };
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
   * connection the last acks may not be counted yet. Waits at most 5 s — below `ack_wait` (10 s):
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
    server = await natsServer(); // started by the first test, after the service
  });

  after(async () => {
    for (const service of services) await service.kill();
    await nc?.close();
    const code = await server?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
    assert.equal(code, 0, 'nats-server stopped cleanly with SIGINT');
  });

  it('NATS down at start: listens on 0.0.0.0 and answers 503 (no pid, no path); ready once NATS and the consumer are up', async () => {
    const { service, url, host } = await start();
    assert.equal(host, '0.0.0.0', 'HTTP_HOST defaults to every interface');
    const port = new URL(url).port;
    assert.equal((await fetch(`http://127.0.0.2:${port}/health/live`)).status, 200, 'reachable on another address than 127.0.0.1');
    await service.waitForLine(/NATS not reachable/);
    const early = await health(url);
    assert.equal(early.status, 503, 'not ready while NATS is down');
    assert.deepEqual(early.body, {
      orders: { status: 'down', servers: { orders: { status: 'connecting', settled: { ack: 0, nak: 0, term: 0 }, unhandled: 0, undecodable: 0, restarts: early.body.orders.servers.orders.restarts } } },
    });
    assert.doesNotMatch(JSON.stringify(early.body), new RegExp(`${service.pid}|/`), 'no pid, no path in the readiness body');

    await server.start();
    nc = await connect({ servers: server.url, maxReconnectAttempts: -1, reconnectTimeWait: 100 });
    jsm = await jetstreamManager(nc);
    await jsm.streams.add({ name: STREAM, subjects: ['orders.>'] });
    await service.waitForLine(/connected to/);
    assert.equal((await health(url)).status, 503, 'still not ready: the consumer does not exist yet');

    await publish(1, SEQ_A, 1);
    await nc.publish('orders.poison', 'this is not JSON');
    await nc.flush();
    await jsm.consumers.add(STREAM, {
      durable_name: CONSUMER,
      ack_policy: AckPolicy.Explicit,
      deliver_policy: DeliverPolicy.All,
      ack_wait: ms(10_000), // what a nats-server restart loses comes back after this
      max_ack_pending: 64,
    });

    const ready = await waitForHealth(url, 200);
    assert.equal(ready.body.orders.status, 'up');
    assert.equal(ready.body.orders.servers.orders.status, 'consuming');
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
    const steps = [/JetStreamLanesServer:orders\] draining/, /status: draining/, /status: drained/, /drained: settled/, /connection drained and closed/];
    const at = steps.map((step) => service.indexOf(step));
    assert.ok(at.every((i) => i >= 0) && at.every((i, n) => n === 0 || i > at[n - 1]!), `drain logged in order:\n${service.log()}`);
    assert.equal(service.indexOf(/ERROR/), -1, `no error logged:\n${service.log()}`);

    firstRun = { pid: service.pid, info, lines: lines.length };
  });

  it('restart: consumes the rest, nothing pending', async () => {
    assert.ok(firstRun, 'the first run completed');
    await publish(SEQ_A + 1, SEQ_B, 2); // while the service is down
    const { service, url } = await start();
    await waitForHealth(url, 200);

    const total = ORDERS * SEQ_B + 1;
    let info = await jsm.consumers.info(STREAM, CONSUMER);
    for (const deadline = Date.now() + 90_000; info.num_pending > 0 || info.num_ack_pending > 0 || ledger().length < total; ) {
      if (Date.now() > deadline || service.exit) throw new Error(`not consumed: ${JSON.stringify(info)}\n${service.log()}`);
      await sleep(50);
      info = await jsm.consumers.info(STREAM, CONSUMER);
    }
    service.signal('SIGTERM');
    // An idle drain waits for the open pull request to expire (up to 2 s): readiness is off meanwhile.
    await service.waitForLine(/status: draining/);
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
    const pids = [firstRun.pid, services[1]!.pid];
    const lines = ledger().filter((l) => pids.includes(l.pid));
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

  it('a nats-server restart while consuming does not crash the service: it reconnects, consumes everything and drains', async () => {
    await publish(SEQ_B + 1, SEQ_C, 3);
    const { service, url } = await start();
    await waitForHealth(url, 200);
    const mine = () => ledger().filter((l) => l.pid === service.pid);
    await waitUntil(() => mine().length >= 40, 'some of part C consumed');
    assert.equal(await server.kill(), 0, 'nats-server stopped');
    await service.waitForLine(/NATS disconnect/);
    await server.start();
    const total = ORDERS * SEQ_C + 1;
    await waitUntil(async () => {
      const info = await jsm.consumers.info(STREAM, CONSUMER);
      return info.num_pending === 0 && info.num_ack_pending === 0 && info.ack_floor.stream_seq === total;
    }, 'everything acked after the restart', 90_000).catch(async (error: Error) => {
      throw new Error(`${error.message}: ${JSON.stringify(await jsm.consumers.info(STREAM, CONSUMER).catch(String))}\n${service.log()}`);
    });
    assert.equal(service.exit, undefined, `still running:\n${service.log()}`);
    assert.equal((await waitForHealth(url, 200)).body.orders.status, 'up');
    for (const orderId of orderIds) {
      const firsts = [...new Set(mine().filter((l) => l.orderId === orderId).map((l) => l.seq))];
      assert.deepEqual(firsts, Array.from({ length: SEQ_C - SEQ_B }, (_, i) => SEQ_B + 1 + i), `order ${orderId}: part C, in sequence of first handling`);
    }
    console.log(`# nats-server restart: ${mine().length - ORDERS * (SEQ_C - SEQ_B)} events written twice (at-least-once); lanes restarts: ${(await health(url)).body.orders.servers.orders.restarts}`);
    service.signal('SIGTERM');
    const exit = await within(service.exited, 30_000, () => `the service did not exit within 30 s of SIGTERM:\n${service.log()}`);
    assert.deepEqual(exit, { code: 0, signal: null }, `clean exit:\n${service.log()}`);
  });

  it('npm start: node runs in npm\'s place; SIGTERM to npm\'s process drains the service and leaves no process behind', async () => {
    const { service } = await start({ viaNpm: true });
    const children = service.children();
    assert.equal(children.length, 1, `one child of npm: ${JSON.stringify(children)}`);
    assert.match(children[0]!.command, /^(\S*\/)?node dist\/src\/main\.js$/, 'the service itself, not a shell');
    const node = children[0]!.pid;
    service.signal('SIGTERM'); // to npm, as an orchestrator or a terminal sends it
    const exit = await within(service.exited, 30_000, () => `npm did not exit within 30 s of SIGTERM:\n${service.log()}`);
    await waitUntil(() => !isRunning(node), 'the service process ended', 10_000);
    assert.ok(service.indexOf(/drained: settled/) >= 0 && service.indexOf(/connection drained and closed/) >= 0, `drained:\n${service.log()}`);
    assert.equal(exit.code, 0, `npm exited 0 (the service did):\n${service.log()}`);
  });

  it('one copy each of rxjs, @nestjs/* and rxjs-lanes, from the staged packages; the ledger file is ignored; engines admit Node 20.6', () => {
    // On disk: one physical copy of each, and the staged packages carry no node_modules of their own.
    const names = ['rxjs', '@nestjs/common', '@nestjs/core', '@nestjs/microservices', 'rxjs-lanes', '@rxjs-lanes/nestjs'];
    const copies = packageCopies(join(project, 'node_modules'), names);
    for (const name of names) assert.equal(copies.get(name)?.size, 1, `one copy of ${name}: ${[...(copies.get(name) ?? [])].join(', ')}`);
    for (const staged of ['rxjs-lanes', 'rxjs-lanes-nestjs']) assert.equal(existsSync(join(project, 'vendor', staged, 'node_modules')), false, `vendor/${staged} has no node_modules`);
    // Resolved from the service's code and from the staged @rxjs-lanes/nestjs: the same files.
    const fromService = resolveFrom(join(project, 'dist', 'src'), names);
    const fromSatellite = resolveFrom(join(project, 'vendor', 'rxjs-lanes-nestjs', 'dist'), names);
    assert.deepEqual(fromSatellite, fromService, '@rxjs-lanes/nestjs loads the project\'s copies');
    assert.ok(fromService['rxjs-lanes']!.startsWith(realpathSync(join(project, 'vendor', 'rxjs-lanes')) + '/'), 'rxjs-lanes is the staged build');
    assert.ok(fromService['@rxjs-lanes/nestjs']!.startsWith(realpathSync(join(project, 'vendor', 'rxjs-lanes-nestjs')) + '/'), '@rxjs-lanes/nestjs is the staged build');

    const ignored = spawnSync('git', ['check-ignore', '-q', 'orders-ledger.jsonl'], { cwd: project });
    assert.equal(ignored.status, 0, 'the default ledger file (./orders-ledger.jsonl) is ignored by git');

    const lock = JSON.parse(readFileSync(join(project, 'package-lock.json'), 'utf8')) as { packages: Record<string, { engines?: { node?: string } }> };
    const minimum = (JSON.parse(readFileSync(join(project, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
    assert.equal(minimum, '>=20.6');
    for (const [path, entry] of Object.entries(lock.packages)) {
      const range = entry.engines?.node;
      if (range !== undefined) assert.equal(admits(range, [20, 6, 0]), true, `${path || 'the project'}: engines.node ${JSON.stringify(range)} admits Node 20.6`);
    }
  });
});

/** Every installed copy (real path) of each package in `names`, found by walking node_modules. */
function packageCopies(root: string, names: readonly string[]): Map<string, Set<string>> {
  const found = new Map<string, Set<string>>();
  const walk = (dir: string): void => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory() && !entry.isSymbolicLink()) continue;
      const names2 = entry.name.startsWith('@') ? readdirSync(join(dir, entry.name)).map((n) => `${entry.name}/${n}`) : [entry.name];
      for (const name of names2) {
        const at = join(dir, name);
        if (names.includes(name)) found.set(name, (found.get(name) ?? new Set()).add(realpathSync(at)));
        if (existsSync(join(at, 'node_modules'))) walk(join(at, 'node_modules'));
      }
    }
  };
  walk(root);
  return found;
}

/** Where Node resolves each package from `dir` (an ES module there): real paths. */
function resolveFrom(dir: string, names: readonly string[]): Record<string, string> {
  const script = `for (const n of ${JSON.stringify(names)}) console.log(n + ' ' + import.meta.resolve(n));`;
  const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { cwd: dir, encoding: 'utf8' });
  assert.equal(out.status, 0, out.stderr);
  return Object.fromEntries(out.stdout.trim().split('\n').map((line) => {
    const [name, url] = line.split(' ');
    return [name!, realpathSync(fileURLToPath(url!))];
  }));
}

/**
 * Whether an `engines.node` range admits `version`. Only the forms found in this lockfile are read
 * (`>=N`, `>= N.x`, `>=N.N.N`, joined by `||`); any other form fails the test, to be checked by hand.
 */
function admits(range: string, version: readonly [number, number, number]): boolean {
  return range.split('||').some((part) => {
    const match = /^\s*>=\s*(\d+)(?:\.(\d+|x))?(?:\.(\d+|x))?\s*$/.exec(part);
    if (!match) throw new Error(`engines.node ${JSON.stringify(range)}: a form this check does not read`);
    const wanted = [Number(match[1]), Number(match[2] === 'x' ? 0 : (match[2] ?? 0)), Number(match[3] === 'x' ? 0 : (match[3] ?? 0))];
    for (let i = 0; i < 3; i++) if (version[i] !== wanted[i]) return version[i]! > wanted[i]!;
    return true;
  });
}
