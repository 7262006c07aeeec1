/**
 * Starts a private nats-server with JetStream on loopback (free ports, temporary store) and stops it by
 * PID. Shared by the integration suites and `bench/nats.ts`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServer {
  /** `nats://127.0.0.1:PORT` */
  readonly url: string;
  /** `http://127.0.0.1:PORT` (monitoring) */
  readonly monitor: string;
  readonly pid: number;
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
  throw new Error("nats-server not found: run spec/integration/run.sh (installs Debian's nats-server) or set NATS_SERVER");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export async function startNatsServer(): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'rxjs-lanes-nats-'));
  const portsDir = join(dir, 'ports');
  const storeDir = join(dir, 'store');
  mkdirSync(portsDir);
  mkdirSync(storeDir);
  const child: ChildProcess = spawn(
    natsServerBinary(),
    ['-js', '-a', '127.0.0.1', '-p', '-1', '-m', '-1', '--ports_file_dir', portsDir, '-sd', storeDir],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let running = true;
  void exited.then(() => (running = false));

  const stop = async (): Promise<void> => {
    if (running) {
      child.kill('SIGINT');
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([exited, new Promise<void>((resolve) => (timer = setTimeout(resolve, 10_000)))]);
      clearTimeout(timer);
      if (running) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };

  try {
    const deadline = Date.now() + 15_000;
    let ports: { nats: string[]; monitoring: string[] } | undefined;
    while (!ports) {
      if (!running) throw new Error(`nats-server exited during start-up: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`nats-server wrote no ports file within 15 s: ${stderr}`);
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
    const monitor = ports.monitoring[0]!;
    for (;;) {
      if (Date.now() > deadline) throw new Error(`nats-server JetStream not healthy within 15 s: ${stderr}`);
      try {
        const response = await fetch(`${monitor}/healthz?js-enabled-only=true`);
        const body = (await response.json()) as { status?: string };
        if (body.status === 'ok') break;
      } catch {
        // not listening yet
      }
      await sleep(20);
    }
    return { url: ports.nats[0]!, monitor, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
