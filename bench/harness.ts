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
export async function time(name: string, elements: number, fn: () => Promise<void> | void, repeat = 3): Promise<Timing> {
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
