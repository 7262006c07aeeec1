/** Runs the built service (dist/src/main.js) as a child process and follows its log. */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.js');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Exit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
}

export class Service {
  readonly lines: string[] = [];
  readonly exited: Promise<Exit>;
  exit: Exit | undefined;
  private readonly child: ChildProcess;

  constructor(env: Record<string, string>) {
    this.child = spawn(process.execPath, [main], {
      env: { ...process.env, NO_COLOR: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let partial = '';
    const onData = (chunk: Buffer) => {
      partial += chunk.toString();
      const parts = partial.split('\n');
      partial = parts.pop()!;
      for (const line of parts) {
        this.lines.push(line);
        if (process.env.E2E_VERBOSE) console.log(`  [service ${this.child.pid}] ${line}`);
      }
    };
    this.child.stdout!.on('data', onData);
    this.child.stderr!.on('data', onData);
    this.exited = new Promise((resolve) =>
      this.child.once('exit', (code, signal) => {
        if (partial) this.lines.push(partial);
        this.exit = { code, signal };
        resolve(this.exit);
      }),
    );
  }

  get pid(): number {
    return this.child.pid!;
  }

  /** Waits for a log line matching `pattern`; fails if the process exits or the time runs out. */
  async waitForLine(pattern: RegExp, timeoutMs = 30_000): Promise<RegExpMatchArray> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      for (const line of this.lines) {
        const match = line.match(pattern);
        if (match) return match;
      }
      if (this.exit) throw new Error(`service exited (${JSON.stringify(this.exit)}) before logging ${pattern}:\n${this.log()}`);
      if (Date.now() > deadline) throw new Error(`service logged no ${pattern} within ${timeoutMs} ms:\n${this.log()}`);
      await sleep(20);
    }
  }

  /** Index of the first log line matching `pattern`, or -1. */
  indexOf(pattern: RegExp): number {
    return this.lines.findIndex((line) => pattern.test(line));
  }

  signal(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }

  /** For cleanup after a failure: SIGKILL if still running. */
  async kill(): Promise<void> {
    if (this.exit) return;
    this.child.kill('SIGKILL');
    await this.exited;
  }

  log(): string {
    return this.lines.map((line) => `    | ${line}`).join('\n');
  }
}
