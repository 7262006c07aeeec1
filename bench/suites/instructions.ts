/**
 * Instructions per element for the hot paths, counted by `valgrind --tool=callgrind`: unlike wall time on
 * a shared machine, the count does not move with what else runs, so a regression shows as a number.
 *
 * Each case of bench/instructions/cases.ts runs in a child Node under callgrind, twice: once with
 * ROUNDS rounds of N elements, once with ROUNDS + SPAN. The difference of the two totals, divided by SPAN × N,
 * is a steady-state round per element (start-up, module loading, the early rounds' JIT compilation and the
 * exit cancel out). SPAN is 4, not 1: a single round's count moved by hundreds of instructions per element
 * when a code change moved a full collection into or out of it (the same batchByLane build counted 1,705,
 * 2,060 and 2,964 per message), and over four rounds collections fall in alike. Cases listed in
 * `ROUND_SCALE` run a multiple of N per round (the batch cases, so that lanes fill batches). Node runs with `--single-threaded` (compilation and GC on the main thread, counted, and in
 * the same order every time), `--predictable-gc-schedule` and fixed hash and random seeds, so the counts
 * repeat to within a few instructions per element. Without `--predictable-gc-schedule`, V8 sizes the heap
 * and schedules collections from allocation *throughput* (bytes per millisecond) and timers, so a loaded
 * machine moved a GC into or out of the measured round: the same build counted 2,955 and 2,593 per element
 * in two runs. Without valgrind the suite says so in the output (and on stderr), and with
 * `BENCH_REQUIRE_VALGRIND=1` (CI) it fails instead.
 *
 * The ratio is baseline instructions ÷ ours, read like a throughput ratio (higher is better for us).
 * Environment: BENCH_INSTRUCTIONS_N (default 20,000), BENCH_INSTRUCTIONS_ROUNDS (default 5),
 * BENCH_INSTRUCTIONS_SPAN (default 4),
 * BENCH_INSTRUCTIONS_FILTER (a substring of the case names, to count only some pairs),
 * BENCH_INSTRUCTIONS_JOBS (children at once, default 2).
 */
import { spawn, spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PAIRS, ROUND_SCALE } from '../instructions/cases';
import { line } from '../harness';

const N = Number(process.env.BENCH_INSTRUCTIONS_N ?? 20_000);
const ROUNDS = Number(process.env.BENCH_INSTRUCTIONS_ROUNDS ?? 5);
const SPAN = Number(process.env.BENCH_INSTRUCTIONS_SPAN ?? 4);
const elementsOf = (name: string): number => N * (ROUND_SCALE[name] ?? 1);
const NODE_FLAGS = ['--single-threaded', '--predictable-gc-schedule', '--hash-seed=1', '--random-seed=1'];
const JOBS = Number(process.env.BENCH_INSTRUCTIONS_JOBS ?? Math.min(2, availableParallelism()));
const CHILD = join(__dirname, '..', 'instructions', 'child.js');

/** `null` when valgrind cannot run here (the reason is printed). */
function valgrindVersion(): string | null {
  const probe = spawnSync('valgrind', ['--version'], { encoding: 'utf8' });
  if (probe.error !== undefined || probe.status !== 0) return null;
  return probe.stdout.trim();
}

/** Total instructions (callgrind's Ir) of one child run. */
function countRun(dir: string, name: string, rounds: number): Promise<number> {
  const n = elementsOf(name);
  const args = [
    '--tool=callgrind',
    `--callgrind-out-file=${join(dir, 'callgrind.%p.out')}`,
    process.execPath,
    ...NODE_FLAGS,
    CHILD,
    name,
    String(rounds),
    String(n),
  ];
  return new Promise((resolve, reject) => {
    const child = spawn('valgrind', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (status) => {
      const match = /Collected : (\d+)/.exec(stderr);
      if (status === 0 && match !== null) resolve(Number(match[1]));
      else reject(new Error(`callgrind run of ${JSON.stringify(name)} failed (status ${status}):\n${stderr}`));
    });
  });
}

/**
 * Runs `tasks` with at most `jobs` at once. The counts do not depend on how many run side by side (that is
 * their point), so the children use the cores there are: each takes ~15 s of CPU, mostly Node's start-up.
 */
async function pool<T>(tasks: (() => Promise<T>)[], jobs: number): Promise<T[]> {
  const results: T[] = new Array(tasks.length);
  let next = 0;
  const worker = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, worker));
  return results;
}

/** Instructions per element of each named case: (total of ROUNDS + SPAN rounds − total of ROUNDS) / (SPAN × its elements per round). */
export async function countCases(names: string[], jobs = JOBS): Promise<Map<string, number>> {
  const dir = mkdtempSync(join(tmpdir(), 'rxjs-lanes-callgrind-'));
  try {
    const tasks = names.flatMap((name) => [() => countRun(dir, name, ROUNDS), () => countRun(dir, name, ROUNDS + SPAN)]);
    const totals = await pool(tasks, jobs);
    return new Map(names.map((name, i) => [name, (totals[2 * i + 1] - totals[2 * i]) / (SPAN * elementsOf(name))]));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

export async function run(): Promise<void> {
  line(`\n# instructions per element (valgrind --tool=callgrind)`);
  const version = valgrindVersion();
  if (version === null) {
    const message =
      'instructions: NOT MEASURED — valgrind is not installed (apt-get install valgrind); the timings above are the only figures of this run';
    line(message);
    console.error(message);
    if (process.env.BENCH_REQUIRE_VALGRIND === '1') throw new Error(message);
    return;
  }
  const filter = process.env.BENCH_INSTRUCTIONS_FILTER ?? '';
  const wanted = new Set<string>();
  for (const [ours, base] of PAIRS) if (ours.includes(filter) || base.includes(filter)) wanted.add(ours).add(base);
  const counts = await countCases([...wanted]);
  line(
    `${version}, node ${process.version} ${NODE_FLAGS.join(' ')}; ${N.toLocaleString('en-US')} elements per round ` +
      `(${(N * Math.max(...Object.values(ROUND_SCALE))).toLocaleString('en-US')} for the batch cases), rounds ${ROUNDS + 1}–${ROUNDS + SPAN} after ${ROUNDS} ` +
      `(BENCH_INSTRUCTIONS_N, BENCH_INSTRUCTIONS_ROUNDS, BENCH_INSTRUCTIONS_SPAN)`,
  );
  line('\n## instructions per element, ours against the baseline');
  line('| case | instructions/element | baseline | baseline instructions/element | ratio (baseline ÷ ours) | target |');
  line('|---|---:|---|---:|---:|---:|');
  for (const [ours, base, target] of PAIRS) {
    const a = counts.get(ours);
    const b = counts.get(base);
    if (a === undefined || b === undefined) continue;
    line(`| ${ours} | ${fmt(a)} | ${base} | ${fmt(b)} | ${(b / a).toFixed(2)}× | ${target === null ? '' : `≥ ${target}×`} |`);
  }
}
