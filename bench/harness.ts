/**
 * A tiny benchmark harness: each case runs in the same process, back to back, and results are reported
 * as ratios between cases of one run (absolute times are not comparable between runs on noisy machines).
 */
export interface Timing {
  name: string;
  ms: number;
  elements: number;
}

export function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

/** Runs `fn` `repeat` times after a warm-up and returns the best wall time (least disturbed by noise). */
export async function time(name: string, elements: number, fn: () => unknown, repeat = 3): Promise<Timing> {
  gc();
  await fn(); // warm-up (JIT, pools)
  let best = Infinity;
  for (let i = 0; i < repeat; i++) {
    gc();
    const start = performance.now();
    await fn();
    best = Math.min(best, performance.now() - start);
  }
  return { name, ms: best, elements };
}

export interface Case {
  name: string;
  elements: number;
  fn: () => unknown;
}

/**
 * Times several cases interleaved (A B C, A B C, ...) after one warm-up round and keeps each case's best
 * round, so load that comes and goes on a shared machine affects the compared cases alike.
 */
export async function compare(cases: Case[], rounds = 5): Promise<Timing[]> {
  const best = cases.map(() => Infinity);
  for (let round = -1; round < rounds; round++) {
    for (let i = 0; i < cases.length; i++) {
      gc();
      const start = performance.now();
      await cases[i].fn();
      const ms = performance.now() - start;
      if (round >= 0) best[i] = Math.min(best[i], ms);
    }
  }
  return cases.map((c, i) => ({ name: c.name, elements: c.elements, ms: best[i] }));
}

export function perSecond(t: Timing): number {
  return (t.elements / t.ms) * 1000;
}

const fmt = (n: number) => (n >= 100 ? Math.round(n).toLocaleString('en-US') : n.toFixed(2));

/** Prints a table of cases with throughput and each case's ratio to `baseline`. */
export function table(title: string, rows: Timing[], baseline: Timing): void {
  console.log(`\n## ${title}`);
  console.log(`| case | time (ms) | elements/s | ratio to ${baseline.name} |`);
  console.log('|---|---:|---:|---:|');
  for (const r of rows) {
    console.log(`| ${r.name} | ${fmt(r.ms)} | ${fmt(perSecond(r))} | ${(perSecond(r) / perSecond(baseline)).toFixed(2)}× |`);
  }
}

export function line(text: string): void {
  console.log(text);
}

/** `npm run bench -- --write-docs`: suites write their artefacts under docs/ (see bench/index.ts). */
export const writeDocs = process.argv.includes('--write-docs');
