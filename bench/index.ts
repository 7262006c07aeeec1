/**
 * `npm run bench`: runs every suite in bench/suites in one process and prints markdown tables of
 * throughput ratios. `npm run bench -- <filter>` runs only the suites whose file name contains <filter>.
 * `npm run bench -- --write-docs` (= `npm run docs:performance`) runs every suite and writes what it
 * printed, with the machine and the date, in bench/docs/last-run.json and renders docs/guides/performance.md
 * from it (bench/performancePage.ts; the chart goes to docs/images/throughput-latency.svg); figures of
 * separate runs (brokers, the demo, before/after measurements) come from the notes in bench/docs/.
 */
import { readdirSync } from 'node:fs';
import { cpus, loadavg, totalmem, type } from 'node:os';
import { join } from 'node:path';
import { writeDocs } from './harness';
import { recordRun, type RecordedRun, writePerformancePage } from './performancePage';

async function main(): Promise<void> {
  const filter = process.argv.slice(2).find((arg) => !arg.startsWith('--')) ?? '';
  if (writeDocs && filter !== '') throw new Error('--write-docs runs every suite: drop the filter');
  const dir = join(__dirname, 'suites');
  // Runs from the tsc build (temp/bench-build): tsx's esbuild transform adds a defineProperty per closure
  // (keepNames), which would penalise this package's source but not RxJS's prebuilt dist.
  const files = readdirSync(dir)
    .filter((f) => /\.(js|ts)$/.test(f) && !f.endsWith('.d.ts') && f.includes(filter))
    .sort();
  const printed: string[] = [];
  if (writeDocs) {
    const log = console.log.bind(console);
    console.log = (...args: unknown[]) => {
      printed.push(args.map(String).join(' '));
      log(...args);
    };
  }
  const started = new Date();
  const loadBefore = loadavg()[0];
  console.log(`# rxjs-lanes benchmarks — node ${process.version}, ${started.toISOString()}`);
  // Every module in bench/suites is a suite: checked before the first runs, not after minutes of running.
  const suites: { file: string; run: () => Promise<void> }[] = [];
  for (const file of files) {
    const suite = (await import(join(dir, file))) as { run?: unknown };
    if (typeof suite.run !== 'function') throw new Error(`bench/suites/${file} exports no run(): a standalone script belongs in bench/`);
    suites.push({ file, run: suite.run as () => Promise<void> });
  }
  for (const suite of suites) await suite.run();
  if (writeDocs) {
    const run = recorded(printed, started, loadBefore);
    recordRun(process.cwd(), run);
    writePerformancePage(process.cwd(), run);
  }
}

/** The run's record: every printed line (split, so a suite's `\n## title` becomes its own heading line). */
function recorded(printed: string[], started: Date, loadBefore: number): RecordedRun {
  const cpu = cpus();
  return {
    date: started.toISOString().slice(0, 10),
    machine: `${cpu.length} × ${cpu[0]?.model ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, ${type()}; Node ${process.version}`,
    loadAtStart: loadBefore,
    loadAtEnd: loadavg()[0],
    minutes: (Date.now() - started.getTime()) / 60_000,
    lines: printed.slice(1).flatMap((entry) => entry.split('\n')), // without the title line
  };
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
