/**
 * A consumer group of several processes on the real broker: 3 members (groupWorker.ts) share a topic of
 * 6 partitions; a burst over many keys is produced; while it is being consumed one member is SIGKILLed and
 * a fourth one is added (two rebalances, one of them after a session timeout). Checked from the events the
 * members wrote (one clock for all processes):
 *
 * - nothing is lost: every message was finished by some member;
 * - no commit passed an unfinished message: every offset below a committed one was finished before the commit
 *   was sent (every request counts, also the last one of the killed member, which may have been applied);
 * - per-key order of first processing: each key's messages started for the first time in offset order;
 * - duplicates (messages finished more than once: the killed member's uncommitted work, fenced work) are
 *   counted and reported, without recordFinished and with it.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, fstatSync, mkdtempSync, openSync, readSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { until } from '../../support/kafkaContract';
import { kafkajsBed, type KafkaTestBed } from '../../support/kafkaTestBeds';

jest.setTimeout(180_000);

interface Event {
  e: 'start' | 'done' | 'commit' | 'status';
  p: number;
  o: number;
  k: string | null;
  s?: string;
  offsets?: [number, number][];
  t: string;
  w: number;
}

/**
 * A member process. Its events come through a file, not its stdout: Node writes to a pipe asynchronously
 * (what the pipe cannot take at once waits in the process), so a SIGKILLed member's last lines — the
 * messages it finished and the commit it made just before — were lost when this loaded test process read
 * slowly, and the messages looked lost. The member writes each line with writeSync to a file (in the page
 * cache once written: a SIGKILL cannot take it back), and every read of `events` takes in what is new.
 */
class Worker {
  private readonly received: Event[] = [];
  readonly exited: Promise<number | null>;
  private readonly child: ChildProcess;
  private readonly file: string;
  private position = 0;
  private partial = '';
  private stderr = '';
  constructor(
    readonly id: number,
    env: Record<string, string>,
    directory: string,
  ) {
    this.file = join(directory, `member-${id}.jsonl`);
    writeFileSync(this.file, '');
    this.child = spawn(process.execPath, ['--require', 'tsx/cjs', join(__dirname, 'groupWorker.ts')], {
      env: { ...process.env, ...env, EVENTS: this.file },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    this.child.stderr!.on('data', (chunk: Buffer) => (this.stderr = (this.stderr + chunk.toString()).slice(-4000)));
    this.exited = new Promise((resolve) => this.child.once('exit', (code) => resolve(code)));
  }
  /** Every event the member wrote so far. */
  get events(): Event[] {
    const fd = openSync(this.file, 'r');
    try {
      const size = fstatSync(fd).size;
      if (size > this.position) {
        const chunk = Buffer.alloc(size - this.position);
        const n = readSync(fd, chunk, 0, chunk.length, this.position);
        this.position += n;
        const lines = (this.partial + chunk.toString('utf8', 0, n)).split('\n');
        this.partial = lines.pop()!;
        for (const line of lines) if (line.startsWith('{')) this.received.push({ ...(JSON.parse(line) as Event), w: this.id });
      }
    } finally {
      closeSync(fd);
    }
    return this.received;
  }
  done(): number {
    return this.events.filter((e) => e.e === 'done').length;
  }
  consuming(): boolean {
    return this.events.some((e) => e.e === 'status' && e.s === 'consuming');
  }
  kill(signal: NodeJS.Signals): void {
    this.child.kill(signal);
  }
  get log(): string {
    return this.stderr;
  }
}

/** What a stalled run left unfinished, and what each member last said: to tell a slow machine from a stuck member. */
async function stalled(workers: Worker[], end: Map<number, number>, committed: Map<number, { offset: number }>): Promise<string> {
  const done = new Set(workers.flatMap((w) => w.events.filter((e) => e.e === 'done').map((e) => `${e.p}@${e.o}`)));
  const missing: string[] = [];
  for (const [p, o] of end) {
    const left = Array.from({ length: o }, (_, i) => i).filter((i) => !done.has(`${p}@${i}`));
    if (left.length === 0) continue;
    const started = workers.flatMap((w) =>
      w.events.filter((e) => e.e === 'start' && e.p === p && left.includes(e.o)).map((e) => `${e.o} by ${w.id}`),
    );
    const last = workers
      .flatMap((w) => w.events.filter((e) => e.e === 'start' && e.p === p).map((e) => ({ w: w.id, o: e.o, t: BigInt(e.t) })))
      .sort((a, b) => (a.t < b.t ? -1 : 1))
      .slice(-3)
      .map((e) => `${e.o} by ${e.w}`);
    // the first commit of the partition past its first unfinished offset, and what its member did before
    const first = left[0];
    const by = workers
      .flatMap((w) => w.events.filter((e) => e.e === 'commit').map((e) => ({ w, e })))
      .filter(({ e }) => e.offsets!.some(([cp, co]) => cp === p && co > first))
      .sort((a, b) => (BigInt(a.e.t) < BigInt(b.e.t) ? -1 : 1))[0];
    let culprit = 'none';
    if (by !== undefined) {
      const before = by.w.events.filter((e) => BigInt(e.t) <= BigInt(by.e.t));
      const starts = before.filter((e) => e.e === 'start' && e.p === p).map((e) => e.o);
      const statuses = before.filter((e) => e.e === 'status').map((e) => e.s);
      const prior = before.filter((e) => e.e === 'commit' && e.offsets!.some(([cp]) => cp === p)).slice(-3);
      culprit =
        `member ${by.w.id} committed ${by.e.offsets!.find(([cp]) => cp === p)![1]}; it had started ${starts.length} of the partition ` +
        `(first ${starts[0]}, min ${Math.min(...starts)}, last ${starts.at(-1)}), statuses [${statuses.join(' ')}], its earlier commits of it ` +
        `[${prior.map((e) => e.offsets!.find(([cp]) => cp === p)![1]).join(', ')}]; other members' commits of it before: [` +
        workers
          .filter((w) => w !== by.w)
          .flatMap((w) =>
            w.events
              .filter((e) => e.e === 'commit' && BigInt(e.t) < BigInt(by.e.t) && e.offsets!.some(([cp]) => cp === p))
              .slice(-2)
              .map((e) => `${w.id}:${e.offsets!.find(([cp]) => cp === p)![1]}`),
          )
          .join(', ') +
        ']';
    }
    missing.push(`  first commit past ${first}: ${culprit}`);
    missing.push(
      `partition ${p}: ${left.length} unfinished (${left.slice(0, 8).join(', ')}…), committed ${committed.get(p)?.offset ?? 'none'}, end ${o}; ` +
        `of those started: [${started.slice(0, 8).join(', ')}]; last starts of the partition: [${last.join(', ')}]`,
    );
  }
  const now = process.hrtime.bigint();
  const members = workers.map((w) => {
    const last = (kind: Event['e']) => w.events.filter((e) => e.e === kind).at(-1);
    const ago = (e: Event | undefined) => (e === undefined ? 'never' : `${(Number(now - BigInt(e.t)) / 1e9) | 0} s ago`);
    const status = last('status');
    return `member ${w.id}: status ${status?.s ?? 'none'} (${ago(status)}), last start ${ago(last('start'))}, last commit ${ago(last('commit'))}, ${w.done()} finished; stderr: ${w.log.slice(-300)}`;
  });
  return [...missing, ...members].join('\n');
}

const PARTITIONS = 6;
const MESSAGES = 6000;
const KEYS = 600;

describe.each([
  ['kafkajs', false],
  ['kafkajs', true],
  ['confluent', false],
  ['confluent', true],
] as const)('a consumer group of processes (%s, recordFinished %s): 3 members, one SIGKILLed, one added', (client, recordFinished) => {
  let bed: KafkaTestBed;
  const workers: Worker[] = [];
  const directory = mkdtempSync(join(tmpdir(), 'kafka-group-'));
  beforeAll(async () => {
    bed = await kafkajsBed(); // topics, producing and reading offsets (the members use their own client)
  });
  afterAll(async () => {
    for (const w of workers) w.kill('SIGKILL');
    await Promise.all(workers.map((w) => w.exited));
    await bed?.close();
    rmSync(directory, { recursive: true, force: true });
  });

  it('loses nothing, commits behind unfinished work, keeps per-key first-processing order, and reports its duplicates', async () => {
    const topic = await bed.topic(PARTITIONS);
    const group = `group-${client}-${recordFinished}-${Date.now().toString(36)}`;
    const env = { TOPIC: topic, GROUP: group, CLIENT: client, RECORD_FINISHED: recordFinished ? '1' : '0', HANDLER_MS: '3' };
    for (let i = 1; i <= 3; i++) workers.push(new Worker(i, env, directory));
    await until(() => workers.every((w) => w.consuming()), 'three members consuming', 60_000);
    // Watched while it is produced: on a loaded machine producing takes long enough for the members to
    // finish nearly everything produced, and a kill after the burst would find no work in flight.
    const producing = bed.produce(
      topic,
      Array.from({ length: MESSAGES }, (_, i) => ({ key: `key-${i % KEYS}`, value: `v${i}` })),
    );
    producing.catch(() => undefined); // awaited below; a failure is reported there
    const finished = () => new Set(workers.flatMap((w) => w.events.filter((e) => e.e === 'done').map((e) => `${e.p}@${e.o}`))).size;
    await until(() => finished() >= MESSAGES * 0.2, '20% finished', 60_000);
    workers[0].kill('SIGKILL');
    expect(await workers[0].exited).toBeNull(); // killed by the signal
    await until(() => finished() >= MESSAGES * 0.45, '45% finished', 90_000);
    await producing;
    workers.push(new Worker(4, env, directory));
    await until(() => finished() === MESSAGES, 'every message finished', 120_000).catch(async (error: unknown) => {
      throw new Error(`${String(error)}\n${await stalled(workers, await bed.endOffsets(topic), await bed.committed(group, topic))}`);
    });
    const end = await bed.endOffsets(topic);
    await until(
      async () => {
        const committed = await bed.committed(group, topic);
        return [...end].every(([p, o]) => committed.get(p)?.offset === o);
      },
      'everything committed',
      60_000,
    );
    // A member still loading (tsx compiles it; slow on a loaded machine) has no SIGTERM handler yet and
    // would die of the signal instead of draining: drain only members that joined the group.
    await until(() => workers.slice(1).every((w) => w.consuming()), 'every live member consuming', 60_000);
    for (const w of workers.slice(1)) w.kill('SIGTERM'); // drain
    const codes = await Promise.all(workers.slice(1).map((w) => w.exited));
    expect({ codes, logs: codes.some((c) => c !== 0) ? workers.map((w) => w.log) : [] }).toEqual({ codes: [0, 0, 0], logs: [] });

    const events = workers.flatMap((w) => w.events).sort((a, b) => (BigInt(a.t) < BigInt(b.t) ? -1 : BigInt(a.t) > BigInt(b.t) ? 1 : 0));
    // nothing lost
    const doneAt = new Map<string, bigint>(); // first finish
    const doneCount = new Map<string, number>();
    for (const e of events) {
      if (e.e !== 'done') continue;
      const id = `${e.p}@${e.o}`;
      if (!doneAt.has(id)) doneAt.set(id, BigInt(e.t));
      doneCount.set(id, (doneCount.get(id) ?? 0) + 1);
    }
    const missing: string[] = [];
    for (const [p, o] of end) for (let i = 0; i < o; i++) if (!doneAt.has(`${p}@${i}`)) missing.push(`${p}@${i}`);
    expect(missing).toEqual([]);
    // no commit past an unfinished message
    const violations: string[] = [];
    for (const e of events) {
      if (e.e !== 'commit') continue;
      for (const [p, o] of e.offsets!) {
        for (let i = 0; i < o; i++) {
          const at = doneAt.get(`${p}@${i}`);
          if (at === undefined || at > BigInt(e.t)) violations.push(`member ${e.w} committed ${p}@${o} before ${p}@${i} finished`);
        }
      }
    }
    expect(violations.slice(0, 5)).toEqual([]);
    // per-key order of first processing
    const firstStart = new Map<string, true>();
    const lastFirstOffset = new Map<string, number>();
    const outOfOrder: string[] = [];
    for (const e of events) {
      if (e.e !== 'start' || firstStart.has(`${e.p}@${e.o}`)) continue;
      firstStart.set(`${e.p}@${e.o}`, true);
      const previous = lastFirstOffset.get(e.k!);
      if (previous !== undefined && previous > e.o) outOfOrder.push(`${e.k}: ${e.o} first started after ${previous}`);
      lastFirstOffset.set(e.k!, e.o);
    }
    expect(outOfOrder.slice(0, 5)).toEqual([]);
    // duplicates, reported
    const duplicates = [...doneCount.values()].filter((n) => n > 1).length;
    const extraRuns = [...doneCount.values()].reduce((sum, n) => sum + n - 1, 0);
    const killedFinished = workers[0].done();
    process.stdout.write(
      `\n[group ${client}, recordFinished ${recordFinished}] ${MESSAGES} messages, ${PARTITIONS} partitions, ${KEYS} keys: ` +
        `${duplicates} finished more than once (${extraRuns} extra runs; the killed member had finished ${killedFinished})\n`,
    );
  });
});
