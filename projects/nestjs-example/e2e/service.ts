/** Runs the built service (dist/src/main.js) as a child process and follows its log. */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const main = join(dirname(fileURLToPath(import.meta.url)), '..', 'src', 'main.js');
const project = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
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

  /** `viaNpm`: started as a user does, `npm start` in the project (npm's process is the child). */
  constructor(env: Record<string, string>, options: { viaNpm?: boolean } = {}) {
    const inherited = { ...process.env };
    delete inherited.HTTP_HOST; // the service's own default is under test
    const spawnOptions = { env: { ...inherited, NO_COLOR: '1', ...env }, stdio: ['ignore', 'pipe', 'pipe'] as ('ignore' | 'pipe')[], cwd: project };
    this.child = options.viaNpm ? spawn('npm', ['start'], spawnOptions) : spawn(process.execPath, [main], spawnOptions);
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

  /** The child processes of this process (from /proc): pid and command line. */
  children(): { pid: number; command: string }[] {
    return childrenOf(this.pid);
  }

  log(): string {
    return this.lines.map((line) => `    | ${line}`).join('\n');
  }
}

/** The direct children of `pid`, read from /proc (Linux). */
export function childrenOf(pid: number): { pid: number; command: string }[] {
  const children: { pid: number; command: string }[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      if (ppid === pid) children.push({ pid: Number(entry), command: readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').join(' ').trim() });
    } catch {
      // exited meanwhile
    }
  }
  return children;
}

/** Whether process `pid` still exists. */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
