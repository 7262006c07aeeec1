/**
 * A private nats-server with JetStream on loopback (free ports, temporary store), stopped by PID with
 * SIGINT. The same approach as the repository's spec/integration/natsServer.ts.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface NatsServer {
  /** `nats://127.0.0.1:PORT` */
  readonly url: string;
  readonly pid: number;
  /** SIGINT (clean shutdown), wait for the exit, remove the store. Resolves with the exit code. */
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

export async function startNatsServer(): Promise<NatsServer> {
  const dir = mkdtempSync(join(tmpdir(), 'nestjs-example-nats-'));
  const portsDir = join(dir, 'ports');
  const storeDir = join(dir, 'store');
  mkdirSync(portsDir);
  mkdirSync(storeDir);
  const child = spawn(natsServerBinary(), ['-js', '-a', '127.0.0.1', '-p', '-1', '-m', '-1', '--ports_file_dir', portsDir, '-sd', storeDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<void>((resolve) => child.once('exit', (code) => ((exitCode = code), resolve())));

  const stop = async (): Promise<number | null> => {
    if (exitCode === undefined) {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000); // cleared: keeps nothing alive
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
    return exitCode ?? null;
  };

  try {
    const deadline = Date.now() + 15_000;
    let ports: { nats: string[]; monitoring: string[] } | undefined;
    while (!ports) {
      if (exitCode !== undefined) throw new Error(`nats-server exited during start-up: ${stderr}`);
      if (Date.now() > deadline) throw new Error(`nats-server wrote no ports file within 15 s: ${stderr}`);
      const file = readdirSync(portsDir).find((f) => f.endsWith('.ports'));
      if (file) {
        try {
          ports = JSON.parse(readFileSync(join(portsDir, file), 'utf8'));
        } catch {
          // not completely written yet
        }
      }
      if (!ports) await sleep(20);
    }
    for (;;) {
      if (Date.now() > deadline) throw new Error(`nats-server JetStream not healthy within 15 s: ${stderr}`);
      try {
        const body = (await (await fetch(`${ports.monitoring[0]}/healthz?js-enabled-only=true`)).json()) as { status?: string };
        if (body.status === 'ok') break;
      } catch {
        // not listening yet
      }
      await sleep(20);
    }
    return { url: ports.nats[0]!, pid: child.pid!, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
