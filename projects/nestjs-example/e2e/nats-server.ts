/**
 * A private nats-server with JetStream on loopback (a temporary store), stopped by PID with SIGINT. The
 * same approach as the repository's spec/integration/natsServer.ts, plus what this test needs: the port
 * chosen before the server starts (the service is started first, against a server that is not there yet),
 * and a restart on the same port and store.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServer {
  /** `nats://127.0.0.1:PORT` (the same across restarts) */
  readonly url: string;
  /** Starts the server (again after `kill()`) on the same ports and store; resolves once JetStream is healthy. */
  start(): Promise<void>;
  /** SIGINT (clean shutdown); resolves with the exit code. The store is kept. */
  kill(): Promise<number | null>;
  /** `kill()`, then removes the store. */
  stop(): Promise<number | null>;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export function natsServerBinary(): string {
  for (const candidate of [process.env.NATS_SERVER, '/usr/sbin/nats-server', '/usr/bin/nats-server', '/usr/local/bin/nats-server']) {
    if (candidate && spawnSync(candidate, ['--version']).status === 0) return candidate;
  }
  const found = spawnSync('sh', ['-c', 'command -v nats-server']).stdout?.toString().trim();
  if (found) return found;
  throw new Error("nats-server not found: ci.sh installs Debian's nats-server, or set NATS_SERVER");
}

/** A free loopback port (the OS picks it). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** A server on free ports, not started yet (call `start()`). */
export async function natsServer(): Promise<NatsServer> {
  const store = mkdtempSync(join(tmpdir(), 'nestjs-example-nats-'));
  const port = await freePort();
  const monitorPort = await freePort();
  let child: ChildProcess | undefined;
  let exited: Promise<number | null> = Promise.resolve(null);
  let stderr = '';

  const kill = async (): Promise<number | null> => {
    const running = child;
    if (!running || running.exitCode !== null || running.signalCode !== null) return running?.exitCode ?? null;
    running.kill('SIGINT');
    const timer = setTimeout(() => running.kill('SIGKILL'), 10_000); // cleared: keeps nothing alive
    const code = await exited;
    clearTimeout(timer);
    return code;
  };

  const start = async (): Promise<void> => {
    stderr = '';
    const spawned = spawn(natsServerBinary(), ['-js', '-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort), '-sd', store], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    child = spawned;
    spawned.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-10_000)));
    exited = new Promise((resolve) => spawned.once('exit', (code) => resolve(code)));
    const deadline = Date.now() + 15_000;
    for (;;) {
      if (spawned.exitCode !== null) throw new Error(`nats-server exited during start-up: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`nats-server JetStream not healthy within 15 s: ${stderr}`);
      try {
        const body = (await (await fetch(`http://127.0.0.1:${monitorPort}/healthz?js-enabled-only=true`)).json()) as { status?: string };
        if (body.status === 'ok') return;
      } catch {
        // not listening yet
      }
      await sleep(20);
    }
  };

  const stop = async (): Promise<number | null> => {
    const code = await kill();
    rmSync(store, { recursive: true, force: true });
    return code;
  };

  return { url: `nats://127.0.0.1:${port}`, start, kill, stop };
}
