import fc from 'fast-check';
import { concat, concatMap, from, map, NEVER, Observable, of, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { batchByLane, type BatchSettlement } from '../../src/index';
import { batchByLaneFromBatches } from '../../src/batchByLaneFromBatches';

type Msg = { k: number; n: number };

const paramsArb = fc.record({
  count: fc.integer({ min: 0, max: 60 }),
  keys: fc.integer({ min: 1, max: 6 }),
  size: fc.integer({ min: 1, max: 5 }),
  concurrency: fc.oneof(fc.integer({ min: 1, max: 4 }), fc.constant(Infinity)),
  maxInFlight: fc.oneof(fc.integer({ min: 1, max: 12 }), fc.constant(Infinity)),
  ordered: fc.boolean(),
  maxWait: fc.option(fc.integer({ min: 0, max: 5 }), { nil: undefined }),
  keySeed: fc.array(fc.nat(), { minLength: 1, maxLength: 60 }),
  gaps: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 60 }),
  latencies: fc.array(fc.integer({ min: 0, max: 6 }), { minLength: 1, maxLength: 30 }),
  arrays: fc.boolean(), // feed through batchByLaneFromBatches, in chunks
  chunk: fc.integer({ min: 1, max: 7 }),
});
type Params = typeof paramsArb extends fc.Arbitrary<infer P> ? P : never;

/**
 * Instruments a run: checks every batch against the per-lane and global bounds as it is handed to the
 * handler, and tracks the messages inside the operator (admitted through `key`, not yet emitted).
 */
function harness(p: Params, input: Msg[]) {
  const handed = new Map<number, Msg[]>();
  const activeLanes = new Set<number>();
  let active = 0;
  let inside = 0;
  const out: BatchSettlement<Msg, number, number>[] = [];
  const check = (batch: readonly Msg[], lane: number): void => {
    expect(batch.length).toBeGreaterThan(0);
    expect(batch.length).toBeLessThanOrEqual(p.size);
    expect(batch.every((m) => m.k === lane)).toBe(true); // one lane per batch
    expect(activeLanes.has(lane)).toBe(false); // no overlap within a lane
    activeLanes.add(lane);
    active++;
    expect(active).toBeLessThanOrEqual(p.concurrency);
    const before = handed.get(lane) ?? [];
    const expected = input.filter((m) => m.k === lane).slice(before.length, before.length + batch.length);
    expect(batch).toEqual(expected); // per-key order, within and across batches
    handed.set(lane, [...before, ...batch]);
  };
  const done = (lane: number): void => {
    activeLanes.delete(lane);
    active--;
  };
  const key = (m: Msg): number => {
    inside++;
    expect(inside).toBeLessThanOrEqual(p.maxInFlight);
    return m.k;
  };
  const options = { key, size: p.size, concurrency: p.concurrency, maxInFlight: p.maxInFlight, ordered: p.ordered, maxWait: p.maxWait };
  const onSettlement = (s: BatchSettlement<Msg, number, number>): void => {
    inside--;
    out.push(s);
  };
  return {
    check,
    done,
    options,
    onSettlement,
    out,
    get inside() {
      return inside;
    },
    handed,
  };
}

function makeInput(p: Params): Msg[] {
  return Array.from({ length: p.count }, (_, n) => ({ k: p.keySeed[n % p.keySeed.length]! % p.keys, n }));
}

function chunks<T>(values: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < values.length; i += size) result.push(values.slice(i, i + size));
  return result;
}

/** Runs one parameter set in virtual time; `endless` keeps the source open after the last message. */
function runVirtual(p: Params, endless: boolean) {
  const input = makeInput(p);
  const h = harness(p, input);
  let completed = false;
  let calls = 0;
  const ts = new TestScheduler((a, b) => expect(a).toEqual(b));
  ts.run(() => {
    const handler = (batch: readonly Msg[], lane: number) => {
      h.check(batch, lane);
      const latency = p.latencies[calls++ % p.latencies.length]!;
      const results = batch.map((m) => m.n * 2);
      return timer(latency).pipe(
        map(() => {
          h.done(lane);
          return results;
        }),
      );
    };
    const units: (Msg | Msg[])[] = p.arrays ? chunks(input, p.chunk) : input;
    const paced = from(units).pipe(
      concatMap((u, i) => (p.gaps[i % p.gaps.length] ? timer(p.gaps[i % p.gaps.length]!).pipe(map(() => u)) : of(u))),
    );
    const source = endless ? concat(paced, NEVER) : paced;
    const out$ = p.arrays
      ? (source as Observable<Msg[]>).pipe(batchByLaneFromBatches(h.options, handler))
      : (source as Observable<Msg>).pipe(batchByLane(h.options, handler));
    out$.subscribe({ next: h.onSettlement, complete: () => (completed = true) });
  });
  return { input, h, completed };
}

function checkOutput(p: Params, input: Msg[], out: BatchSettlement<Msg, number, number>[]): void {
  expect(new Set(out.map((s) => s.value)).size).toBe(out.length); // no duplication
  expect(out.every((s) => s.ok && s.result === s.value.n * 2 && s.key === s.value.k)).toBe(true); // positional
  if (p.ordered) expect(out.map((s) => s.value)).toEqual(input.slice(0, out.length)); // input order
  for (let k = 0; k < p.keys; k++) {
    const got = out.filter((s) => s.value.k === k).map((s) => s.value);
    expect(got).toEqual(input.filter((m) => m.k === k).slice(0, got.length)); // per-key order
  }
}

describe('batchByLane properties', () => {
  it('no loss, no duplication, per-key and input order, and every bound, under random latency (virtual time)', () => {
    fc.assert(
      fc.property(paramsArb, (p) => {
        const { input, h, completed } = runVirtual(p, false);
        expect(completed).toBe(true);
        expect(h.out).toHaveLength(input.length); // no loss
        checkOutput(p, input, h.out);
        expect(h.inside).toBe(0);
      }),
      { numRuns: 200 },
    );
  });

  it('never stalls: with the source still open, a full window always drains, and maxWait flushes everything', () => {
    fc.assert(
      fc.property(paramsArb, (p) => {
        const { input, h, completed } = runVirtual(p, true);
        expect(completed).toBe(false);
        checkOutput(p, input, h.out);
        if (p.maxWait !== undefined) {
          expect(h.out).toHaveLength(input.length); // every lane's timer flushed it
        } else {
          // Quiescent: the window is not full, and no lane holds a full batch.
          expect(h.inside).toBeLessThan(p.maxInFlight);
          for (let k = 0; k < p.keys; k++) {
            const admittedOfKey = input.filter((m) => m.k === k).length;
            const waiting = admittedOfKey - (h.handed.get(k)?.length ?? 0);
            if (h.inside === input.length - h.out.length) expect(waiting).toBeLessThan(p.size);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('Promise handlers resolving in any order keep every guarantee', async () => {
    await fc.assert(
      fc.asyncProperty(paramsArb, fc.scheduler(), async (p, s) => {
        const input = makeInput(p);
        const h = harness(p, input);
        const handler = (batch: readonly Msg[], lane: number) => {
          h.check(batch, lane);
          const results = batch.map((m) => m.n * 2);
          return s.schedule(Promise.resolve(results), `lane ${lane}`).then((r) => {
            h.done(lane);
            return r;
          });
        };
        const options = { ...h.options, maxWait: undefined };
        let completed = false;
        const source$ = p.arrays
          ? from(chunks(input, p.chunk)).pipe(batchByLaneFromBatches(options, handler))
          : from(input).pipe(batchByLane(options, handler));
        source$.subscribe({ next: h.onSettlement, complete: () => (completed = true) });
        // Each resolution takes a few microtask hops before the next batch is scheduled: drain in rounds.
        for (;;) {
          await s.waitAll();
          await new Promise((resolve) => setImmediate(resolve));
          if (completed || s.count() === 0) break;
        }
        expect(completed).toBe(true);
        expect(h.out).toHaveLength(input.length);
        checkOutput(p, input, h.out);
      }),
      { numRuns: 120 },
    );
  }, 60_000); // ~4 s idle; the default 5 s is too short on a loaded machine
});
