/**
 * Starts a private single-node Apache Kafka 4.x broker in KRaft mode (broker and controller in one JVM)
 * on 127.0.0.1 with free ports and a temporary log directory, and stops it by PID. The jars come from
 * Maven Central through scripts/brokers/kafka/ensure.js (cached outside the repository).
 *
 * Tuned for tests: one partition for __consumer_offsets, no initial rebalance delay, short group session
 * timeouts allowed, small segments. Shared by the Kafka integration suites and bench/suites/kafkaBroker.ts.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The repository root (this file also runs compiled, from temp/bench-build). */
function repositoryRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    if (existsSync(join(dir, 'scripts/brokers/kafka/ensure.js'))) return dir;
  }
  throw new Error('kafkaBroker: the repository root (scripts/brokers/kafka) was not found');
}
const ROOT = repositoryRoot();
// eslint-disable-next-line @typescript-eslint/no-require-imports
const ensure = require(join(ROOT, 'scripts/brokers/kafka/ensure.js')) as { KAFKA_VERSION: string; jars(version?: string): string };

export interface KafkaBroker {
  /** `127.0.0.1:PORT`, for a client's `brokers` / `bootstrap.servers`. */
  readonly bootstrap: string;
  readonly version: string;
  readonly pid: number;
  /** The broker's log file (warnings and errors). */
  readonly logFile: string;
  /** Stops the broker (SIGTERM, then SIGKILL after 20 s), waits for it to exit and removes its data. */
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A free loopback port (the OS picks it; a tiny race with other sessions is retried by the caller). */
function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolvePort(port));
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = new Socket();
    const finish = (ok: boolean) => {
      socket.destroy();
      done(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.connect(port, '127.0.0.1', () => finish(true));
  });
}

/**
 * A KRaft cluster id: 16 random bytes, URL-safe base64 without padding (what `kafka-storage random-uuid`
 * prints). It may start with '-': pass it as `--cluster-id=ID`, or the argument parser takes it for an option.
 */
const clusterId = () => randomBytes(16).toString('base64url');

function serverProperties(nodeId: number, port: number, controllerPort: number, logDirs: string): string {
  return [
    'process.roles=broker,controller',
    `node.id=${nodeId}`,
    `controller.quorum.voters=${nodeId}@127.0.0.1:${controllerPort}`,
    `listeners=PLAINTEXT://127.0.0.1:${port},CONTROLLER://127.0.0.1:${controllerPort}`,
    `advertised.listeners=PLAINTEXT://127.0.0.1:${port}`,
    'controller.listener.names=CONTROLLER',
    'inter.broker.listener.name=PLAINTEXT',
    'listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
    `log.dirs=${logDirs}`,
    'num.partitions=1',
    'auto.create.topics.enable=false',
    'offsets.topic.replication.factor=1',
    'offsets.topic.num.partitions=1',
    'transaction.state.log.replication.factor=1',
    'transaction.state.log.min.isr=1',
    'share.coordinator.state.topic.replication.factor=1',
    'share.coordinator.state.topic.min.isr=1',
    'group.initial.rebalance.delay.ms=0',
    // tests use short sessions so that a killed member's partitions move quickly
    'group.min.session.timeout.ms=500',
    'group.consumer.min.session.timeout.ms=500',
    'group.consumer.min.heartbeat.interval.ms=100',
    'log.segment.bytes=16777216',
    'num.io.threads=2',
    'num.network.threads=2',
    'num.recovery.threads.per.data.dir=1',
    'background.threads=2',
    '',
  ].join('\n');
}

/** Formats a fresh log directory and starts the broker; resolves once it accepts connections. */
export async function startKafkaBroker(options: { version?: string } = {}): Promise<KafkaBroker> {
  const version = options.version ?? ensure.KAFKA_VERSION;
  const libs = ensure.jars(version);
  const classpath = `${libs}/*`;
  const log4j = resolve(ROOT, 'scripts/brokers/kafka/log4j2.properties');
  for (let attempt = 1; ; attempt++) {
    try {
      return await startOnce(version, classpath, log4j);
    } catch (error) {
      if (attempt >= 3 || !String(error).includes('Address already in use')) throw error;
    }
  }
}

async function startOnce(version: string, classpath: string, log4j: string): Promise<KafkaBroker> {
  const dir = mkdtempSync(join(tmpdir(), 'rxjs-lanes-kafka-'));
  const logDirs = join(dir, 'data');
  const logs = join(dir, 'logs');
  mkdirSync(logs);
  const port = await freePort();
  let controllerPort = await freePort();
  while (controllerPort === port) controllerPort = await freePort();
  const properties = join(dir, 'server.properties');
  writeFileSync(properties, serverProperties(1, port, controllerPort, logDirs));
  const jvm = [
    '-Xms256m',
    '-Xmx512m',
    '-XX:+UseSerialGC', // 2 shared cores: no parallel GC threads
    '-XX:TieredStopAtLevel=1', // faster start-up; the broker is not the thing measured
    '-Djava.awt.headless=true',
    `-Dkafka.logs.dir=${logs}`,
    `-Dlog4j2.configurationFile=${log4j}`,
    '-cp',
    classpath,
  ];
  const logFile = join(logs, 'server.log');
  const format = spawn('java', [...jvm, 'kafka.tools.StorageTool', 'format', `--cluster-id=${clusterId()}`, '-c', properties], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let formatOutput = '';
  format.stdout!.on('data', (c: Buffer) => (formatOutput += c.toString()));
  format.stderr!.on('data', (c: Buffer) => (formatOutput += c.toString()));
  const formatCode = await new Promise<number | null>((r) => format.once('exit', r));
  if (formatCode !== 0) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(`kafka-storage format exited with ${formatCode}: ${formatOutput}`);
  }

  const child: ChildProcess = spawn('java', [...jvm, 'kafka.Kafka', properties], { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (c: Buffer) => (output = (output + c.toString()).slice(-20_000));
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  let running = true;
  void exited.then(() => (running = false));
  const tail = () => {
    let file = '';
    try {
      file = readFileSync(logFile, 'utf8').slice(-4000);
    } catch {
      // no log yet
    }
    return `${output.slice(-4000)}\n${file}`;
  };

  const stop = async (): Promise<void> => {
    if (running) {
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((r) => (timer = setTimeout(r, 20_000)))]);
      clearTimeout(timer);
      if (running) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  const deadline = Date.now() + 90_000;
  while (!(await canConnect(port))) {
    if (!running) {
      const why = tail();
      await stop();
      throw new Error(`the Kafka broker exited during start-up:\n${why}`);
    }
    if (Date.now() > deadline) {
      const why = tail();
      await stop();
      throw new Error(`the Kafka broker did not listen within 90 s:\n${why}`);
    }
    await sleep(100);
  }
  return { bootstrap: `127.0.0.1:${port}`, version, pid: child.pid!, logFile, stop };
}
