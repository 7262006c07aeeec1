/**
 * Throughput against p99 latency for a simulated I/O handler, across parallelism settings — the comparison
 * Responsive's async processor presents for Kafka Streams (seed 001), here for rxjs-lanes against the
 * RxJS-native ways. Writes the chart as plain SVG: docs/images/throughput-latency.svg with `--write-docs`,
 * else bench/results/throughput-latency.svg (not committed).
 *
 * The handler: a timer of 1 ms, every 20th call 8 ms (a slow remote call), 100 keys. Latency is measured
 * per element from the call's start to the result leaving the operator, so it includes what keeping order
 * costs (a result held behind a slower one); mergeMap keeps no order and never holds one. Each point is the
 * median-throughput round of 3.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { concatMap, groupBy, mergeMap, Observable, range, type OperatorFunction } from 'rxjs';
import { mapAsyncPartitioned } from '../../src/mapAsyncPartitioned';
import { mapAsyncPartitionedUnordered } from '../../src/mapAsyncPartitionedUnordered';
import { lineChart, type Series } from '../chart/svg';
import { line, writeDocs } from '../harness';

const KEYS = 100;
const PARALLELISM = [1, 4, 16, 64];
const ROUNDS = 3;
const key = (x: number) => x % KEYS;
const ioMs = (x: number) => (x % 20 === 19 ? 8 : 1);

interface Measured {
  perSecond: number;
  p99: number;
}

/** Runs `n` elements through `op` (whose project is `io`), timing each call's start to its result's exit. */
function measure(n: number, build: (io: (x: number) => Promise<number>) => OperatorFunction<number, number>): Promise<Measured> {
  const started = new Float64Array(n);
  const latencies: number[] = [];
  const io = (x: number) => {
    started[x] = performance.now();
    return new Promise<number>((resolve) => setTimeout(resolve, ioMs(x), x));
  };
  return new Promise((resolve, reject) => {
    const start = performance.now();
    range(0, n)
      .pipe(build(io))
      .subscribe({
        next: (x) => latencies.push(performance.now() - started[x]),
        error: reject,
        complete: () => {
          const ms = performance.now() - start;
          if (latencies.length !== n) reject(new Error(`expected ${n} results, got ${latencies.length}`));
          latencies.sort((a, b) => a - b);
          resolve({ perSecond: (n / ms) * 1000, p99: latencies[Math.min(n - 1, Math.floor(n * 0.99))] });
        },
      });
  });
}

async function median(n: number, build: Parameters<typeof measure>[1]): Promise<Measured> {
  const rounds: Measured[] = [];
  for (let i = 0; i < ROUNDS; i++) rounds.push(await measure(n, build));
  rounds.sort((a, b) => a.perSecond - b.perSecond);
  return rounds[Math.floor(ROUNDS / 2)];
}

const elementsFor = (p: number) => 100 + 50 * p;

export async function run(): Promise<void> {
  line('\n# throughput against p99 latency (simulated I/O: 1 ms, every 20th call 8 ms; 100 keys)');
  const approaches: { name: string; color: string; dashed?: boolean; build: (p: number) => Parameters<typeof measure>[1] }[] = [
    {
      name: 'mapAsyncPartitioned(p, 1) — ordered output, 1 per key',
      color: '#1f77b4',
      build: (p) => (io) => mapAsyncPartitioned(p, 1, key, io),
    },
    {
      name: 'mapAsyncPartitionedUnordered(p, 1) — 1 per key',
      color: '#2ca02c',
      build: (p) => (io) => mapAsyncPartitionedUnordered(p, 1, key, io),
    },
    { name: 'RxJS mergeMap(io, p) — no order, no per-key bound', color: '#d62728', dashed: true, build: (p) => (io) => mergeMap(io, p) },
  ];
  const series: Series[] = [];
  const rows: string[] = [];
  for (const a of approaches) {
    const points = [];
    for (const p of PARALLELISM) {
      const m = await median(elementsFor(p), a.build(p));
      points.push({ x: m.perSecond, y: m.p99, label: `p=${p}` });
      rows.push(`| ${a.name} | ${p} | ${Math.round(m.perSecond).toLocaleString('en-US')} | ${m.p99.toFixed(1)} |`);
    }
    series.push({ name: a.name, color: a.color, dashed: a.dashed, points });
  }
  // The RxJS ways that keep per-key order: concatMap (one call at a time) and groupBy + concatMap (one lane
  // per key, every key at once: no parallelism bound to set).
  const sequential = await median(elementsFor(1), (io) => concatMap(io));
  const grouped = await median(
    elementsFor(64),
    (io) => (source: Observable<number>) =>
      source.pipe(
        groupBy(key),
        mergeMap((group) => group.pipe(concatMap(io))),
      ),
  );
  rows.push(`| RxJS concatMap(io) | 1 | ${Math.round(sequential.perSecond).toLocaleString('en-US')} | ${sequential.p99.toFixed(1)} |`);
  rows.push(
    `| RxJS groupBy + concatMap(io) | ${KEYS} (unbounded) | ${Math.round(grouped.perSecond).toLocaleString('en-US')} | ${grouped.p99.toFixed(1)} |`,
  );
  series.push({
    name: 'RxJS concatMap(io) / groupBy + concatMap (unbounded)',
    color: '#7f7f7f',
    dashed: true,
    points: [
      { x: sequential.perSecond, y: sequential.p99, label: 'concatMap' },
      { x: grouped.perSecond, y: grouped.p99, label: `groupBy, ${KEYS} keys` },
    ],
  });

  line('| approach | parallelism | elements/s | p99 latency (ms) |');
  line('|---|---:|---:|---:|');
  for (const r of rows) line(r);

  const svg = lineChart({
    title: 'Throughput against p99 latency, simulated I/O handler',
    subtitle: `1 ms per call, every 20th 8 ms; ${KEYS} keys; p = parallelism; latency from call start to the result leaving the operator`,
    xLabel: 'throughput (elements/s, log scale)',
    yLabel: 'p99 latency (ms, log scale)',
    logX: true,
    logY: true,
    series,
  });
  const file = writeDocs
    ? join(process.cwd(), 'docs', 'images', 'throughput-latency.svg')
    : join(process.cwd(), 'bench', 'results', 'throughput-latency.svg');
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, svg);
  line(`\nChart: ${file.slice(process.cwd().length + 1)}`);
}
