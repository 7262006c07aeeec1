/**
 * Starts a private nats-server with JetStream on loopback (free ports, temporary store) and stops it by
 * PID. Shared by the integration suites and `bench/nats.ts`. The binary is `NATS_SERVER` (set by
 * spec/integration/run.sh: Debian's 2.9 or a current build), else the one on the PATH.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServer {
  /** `nats://127.0.0.1:PORT` (the same across restarts) */
  readonly url: string;
  /** `http://127.0.0.1:PORT` (monitoring) */
  readonly monitor: string;
  /** The running process's PID (changes on restart). */
  readonly pid: number;
  /** Stops the server with SIGINT (clean shutdown) and starts it again on the same ports and store. */
  restart(options?: { downMs?: number }): Promise<void>;
  /** Stops the server with SIGINT (clean shutdown), waits for it to exit and removes its store. */
  stop(): Promise<void>;
}

/** The nats-server binary, or a clear error telling how to get it. */
export function natsServerBinary(): string {
  for (const candidate of [process.env.NATS_SERVER, '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (candidate && spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  const which = spawnSync('sh', ['-c', 'command -v nats-server']);
  const found = which.stdout?.toString().trim();
  if (which.status === 0 && found) return found;
  throw new Error('nats-server not found: run spec/integration/run.sh (installs or builds one) or set NATS_SERVER');
}

/** The binary's version as [major, minor, patch], e.g. [2, 9, 10]. */
export function natsServerVersion(binary = natsServerBinary()): [number, number, number] {
  const out = spawnSync(binary, ['--version']).stdout?.toString() ?? '';
  const match = /v?(\d+)\.(\d+)\.(\d+)/.exec(out);
  if (!match) throw new Error(`cannot read the version of ${binary}: ${out}`);
  return [Number(match[1]), Number(match[2]), Number(match[3])];
}

/** `true` when the server is at least `major.minor`. */
export function natsServerAtLeast(major: number, minor: number): boolean {
  const [a, b] = natsServerVersion();
  return a > major || (a === major && b >= minor);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface Running {
  child: ChildProcess;
  exited: Promise<void>;
  running: () => boolean;
  stderr: () => string;
}

function spawnServer(args: string[]): Running {
  const child: ChildProcess = spawn(natsServerBinary(), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr += chunk.toString();
    if (stderr.length > 20_000) stderr = stderr.slice(-10_000);
  });
  let running = true;
  const exited = new Promise<void>((resolve) => child.once('exit', () => ((running = false), resolve())));
  return { child, exited, running: () => running, stderr: () => stderr };
}

async function kill(server: Running): Promise<void> {
  if (!server.running()) return;
  server.child.kill('SIGINT');
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([server.exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)))]);
  clearTimeout(timer);
  if (server.running()) {
    server.child.kill('SIGKILL');
    await server.exited;
  }
}

async function healthy(server: Running, monitor: string, deadline: number): Promise<void> {
  for (;;) {
    if (!server.running()) throw new Error(`nats-server exited during start-up: ${server.stderr()}`);
    if (Date.now() > deadline) throw new Error(`nats-server JetStream not healthy within 15 s: ${server.stderr()}`);
    try {
      const response = await fetch(`${monitor}/healthz?js-enabled-only=true`);
      const body = (await response.json()) as { status?: string };
      if (body.status === 'ok') return;
    } catch {
      // not listening yet
    }
    await sleep(20);
  }
}

export async function startNatsServer(): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rxjs-lanes-nats-'));
  const portsDir = join(dir, 'ports');
  const storeDir = join(dir, 'store');
  mkdirSync(portsDir);
  mkdirSync(storeDir);
  let current = spawnServer(['-js', '-a', '127.0.0.1', '-p', '-1', '-m', '-1', '--ports_file_dir', portsDir, '-sd', storeDir]);
  let stopped = false;

  const stop = async (): Promise<void> => {
    stopped = true;
    await kill(current);
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + 15_000;
    let ports: { nats: string[]; monitoring: string[] } | undefined;
    while (!ports) {
      if (!current.running()) throw new Error(`nats-server exited during start-up: ${current.stderr()}`);
      if (Date.now() > deadline) throw new Error(`nats-server wrote no ports file within 15 s: ${current.stderr()}`);
      const file = readdirSync(portsDir).find((f) => f.endsWith('.ports'));
      if (file) {
        try {
          ports = JSON.parse(readFileSync(join(portsDir, file), 'utf8'));
        } catch {
          // written but not complete yet
        }
      }
      if (!ports) await sleep(20);
    }
    const url = ports.nats[0]!;
    const monitor = ports.monitoring[0]!;
    await healthy(current, monitor, deadline);
    const restart = async ({ downMs = 0 } = {}): Promise<void> => {
      if (stopped) throw new Error('restart after stop');
      await kill(current);
      await sleep(downMs);
      const port = new URL(url).port;
      const monitorPort = new URL(monitor).port;
      current = spawnServer(['-js', '-a', '127.0.0.1', '-p', port, '-m', monitorPort, '-sd', storeDir]);
      await healthy(current, monitor, Date.now() + 15_000);
    };
    return {
      url,
      monitor,
      get pid() {
        return current.child.pid!;
      },
      restart,
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}
