/**
 * Property tests of latest-wins per key (`latest: true`) and of `perKey` as a function of the key, in
 * virtual time with random keys, arrival gaps, latencies and parallelism. Each element's inner emits its
 * own index once, when it completes. Checked for every scenario:
 * - the bounds: never more than `parallelism` elements started and not yet emitted (held results count),
 *   never more than one running per key (latest) or `perKey(key)` (perKey function);
 * - accounting: every element either produces its result or is reported superseded, exactly once, never
 *   both; the element that supersedes is a later one of the same key;
 * - per-key order of starts and results; ordered output in input order among the elements that ran;
 * - the newest element of every key always runs; the output completes.
 */
import fc from 'fast-check';
import { lastValueFrom, Observable, range, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { mapAsyncPartitioned, mapAsyncPartitionedUnordered } from '../../src/index';

interface Spec {
  key: number;
  gap: number;
  latency: number;
}

const specArb = fc.record({
  key: fc.integer({ min: 0, max: 3 }),
  gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 4 })),
  latency: fc.integer({ min: 0, max: 8 }),
});

interface Outcome {
  output: number[];
  completed: boolean;
  superseded: { value: number; key: number; by: number }[];
  starts: number[];
  maxInFlight: number;
  maxPerKey: Map<number, number>;
}

function runScenario(
  specs: Spec[],
  parallelism: number,
  ordered: boolean,
  options: { latest: true } | { perKey: (key: number) => number },
  maxQueued = Infinity,
): Outcome {
  const scheduler = new TestScheduler(() => undefined);
  const outcome: Outcome = { output: [], completed: false, superseded: [], starts: [], maxInFlight: 0, maxPerKey: new Map() };
  scheduler.run(() => {
    const source = new Observable<number>((subscriber) => {
      let t = 0;
      specs.forEach((spec, i) => {
        t += spec.gap;
        scheduler.schedule(() => subscriber.next(i), t);
      });
      scheduler.schedule(() => subscriber.complete(), t + 1);
    });
    let inFlight = 0; // started, result not yet emitted
    const runningPerKey = new Map<number, number>();
    const project = (i: number) =>
      new Observable<number>((subscriber) => {
        const key = specs[i]!.key;
        outcome.starts.push(i);
        inFlight++;
        outcome.maxInFlight = Math.max(outcome.maxInFlight, inFlight);
        runningPerKey.set(key, (runningPerKey.get(key) ?? 0) + 1);
        outcome.maxPerKey.set(key, Math.max(outcome.maxPerKey.get(key) ?? 0, runningPerKey.get(key)!));
        const handle = scheduler.schedule(() => {
          runningPerKey.set(key, runningPerKey.get(key)! - 1);
          subscriber.next(i);
          subscriber.complete();
        }, specs[i]!.latency);
        return () => handle.unsubscribe();
      });
    const key = (i: number) => specs[i]!.key;
    const settings =
      'latest' in options
        ? {
            parallelism,
            key,
            latest: true as const,
            maxQueued,
            onSuperseded: (s: Outcome['superseded'][number]) => outcome.superseded.push(s),
          }
        : { parallelism, key, perKey: options.perKey, maxQueued };
    const operator = ordered ? mapAsyncPartitioned(settings, project) : mapAsyncPartitionedUnordered(settings, project);
    source.pipe(operator).subscribe({
      next: (i) => {
        inFlight--;
        outcome.output.push(i);
      },
      complete: () => (outcome.completed = true),
    });
  });
  return outcome;
}

function checkAccounting(specs: Spec[], outcome: Outcome): void {
  const produced = new Set(outcome.output);
  expect(produced.size).toBe(outcome.output.length); // each result once
  const superseded = outcome.superseded.map((s) => s.value);
  expect(new Set(superseded).size).toBe(superseded.length); // each reported once
  for (const s of outcome.superseded) {
    expect(produced.has(s.value)).toBe(false);
    expect(s.key).toBe(specs[s.value]!.key);
    expect(specs[s.by]!.key).toBe(s.key);
    expect(s.by).toBeGreaterThan(s.value);
  }
  expect(produced.size + superseded.length).toBe(specs.length);
  expect(new Set(outcome.starts)).toEqual(produced); // what started produced, and nothing else started
}

function checkPerKeyOrder(specs: Spec[], sequence: number[]): void {
  const last = new Map<number, number>();
  for (const i of sequence) {
    const key = specs[i]!.key;
    expect(i).toBeGreaterThan(last.get(key) ?? -1);
    last.set(key, i);
  }
}

describe.each([
  ['mapAsyncPartitioned', true],
  ['mapAsyncPartitionedUnordered', false],
] as const)('%s latest: true — properties', (_name, ordered) => {
  it('bounds, accounting, per-key order, newest always runs, completion', () => {
    fc.assert(
      fc.property(fc.array(specArb, { maxLength: 40 }), fc.integer({ min: 1, max: 5 }), (specs, parallelism) => {
        const outcome = runScenario(specs, parallelism, ordered, { latest: true });
        expect(outcome.completed).toBe(true);
        expect(outcome.maxInFlight).toBeLessThanOrEqual(parallelism);
        for (const n of outcome.maxPerKey.values()) expect(n).toBe(1);
        checkAccounting(specs, outcome);
        checkPerKeyOrder(specs, outcome.starts);
        checkPerKeyOrder(specs, outcome.output);
        if (ordered) expect(outcome.output).toEqual([...outcome.output].sort((a, b) => a - b));
        const newest = new Map<number, number>();
        specs.forEach((s, i) => newest.set(s.key, i));
        for (const i of newest.values()) expect(outcome.output).toContain(i);
      }),
      { numRuns: 300 },
    );
  });
});

describe.each([
  ['mapAsyncPartitioned', true],
  ['mapAsyncPartitionedUnordered', false],
] as const)('%s perKey as a function — properties', (_name, ordered) => {
  it('each key within its own bound, all within parallelism, every element produces its result', () => {
    fc.assert(
      fc.property(
        fc.array(specArb, { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.array(fc.integer({ min: 1, max: 4 }), { minLength: 4, maxLength: 4 }),
        (specs, parallelism, limits) => {
          const outcome = runScenario(specs, parallelism, ordered, { perKey: (key) => limits[key]! });
          expect(outcome.completed).toBe(true);
          expect(outcome.maxInFlight).toBeLessThanOrEqual(parallelism);
          for (const [key, n] of outcome.maxPerKey) expect(n).toBeLessThanOrEqual(limits[key]!);
          expect([...outcome.output].sort((a, b) => a - b)).toEqual(specs.map((_, i) => i));
          if (ordered) expect(outcome.output).toEqual(specs.map((_, i) => i));
          checkPerKeyOrder(specs, outcome.starts);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('latest: true — synchronous firehose', () => {
  it('200,000 synchronous elements with synchronous inners: constant stack, every result, nothing superseded', async () => {
    let superseded = 0;
    const n = 200_000;
    const out = await lastValueFrom(
      range(0, n).pipe(
        mapAsyncPartitioned({ parallelism: 4, key: (x) => x % 10, latest: true, onSuperseded: () => superseded++ }, (x) => [x]),
        toArray(),
      ),
    );
    expect(out.length).toBe(n);
    expect(superseded).toBe(0);
  });

  it('200,000 synchronous elements with Promise inners: per key the first and the newest run, the rest are reported', async () => {
    let superseded = 0;
    const n = 200_000;
    const out = await lastValueFrom(
      range(0, n).pipe(
        mapAsyncPartitionedUnordered({ parallelism: 4, key: (x) => x % 10, latest: true, onSuperseded: () => superseded++ }, (x) =>
          Promise.resolve(x),
        ),
        toArray(),
      ),
    );
    // parallelism 4: keys 0..1 get a running and a waiting element; the others queue at the entrance,
    // where each key collapses to its newest.
    expect(out.length + superseded).toBe(n);
    for (let k = 0; k < 10; k++) expect(out).toContain(n - 10 + k);
    expect(out.length).toBeLessThanOrEqual(20);
  });
});
