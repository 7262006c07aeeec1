/**
 * The hot paths counted under callgrind (bench/suites/instructions.ts): each case runs `n` elements through
 * one pipeline and resolves when the output completed. Ours and its RxJS-native (or plain-loop) baseline
 * are paired by name in {@link PAIRS}. Kept free of timing code: a child process imports only this file.
 */
import { bufferCount, concatMap, from, groupBy, lastValueFrom, map, mergeMap, Observable, of, range } from 'rxjs';
import { batchByLane } from '../../src/batchByLane';
import { boundedOrdering } from '../../src/boundedOrdering';
import { lanesMonitor } from '../../src/lanesMonitor';
import { mapAsync } from '../../src/mapAsync';
import { mapAsyncPartitioned } from '../../src/mapAsyncPartitioned';

const KEYS = 1_000;
const drain = (o: Observable<unknown>) => lastValueFrom(o, { defaultValue: undefined });

/** 0..n-1, each moved at most 16 places (deterministic: a fixed pattern, not a PRNG). */
function locallyShuffled(n: number): number[] {
  const ids = Array.from({ length: n }, (_, i) => i);
  for (let start = 0; start + 16 <= n; start += 16) {
    for (let i = 0; i < 8; i++) {
      const a = start + i;
      const b = start + 15 - i;
      const t = ids[a];
      ids[a] = ids[b];
      ids[b] = t;
    }
  }
  return ids;
}

/**
 * 0..n-1, each position in turn swapped with one up to 16 places ahead (a seeded PRNG, mulberry32): an
 * element can be carried forward again and again, so a few arrive far beyond a window of 64.
 */
function swapShuffled(n: number): number[] {
  let seed = 42;
  const rnd = () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const ids = Array.from({ length: n }, (_, i) => i);
  for (let i = 0; i < n; i++) {
    const j = Math.min(n - 1, i + Math.floor(rnd() * 17));
    const t = ids[i];
    ids[i] = ids[j];
    ids[j] = t;
  }
  return ids;
}

export const CASES: Record<string, (n: number) => Promise<unknown>> = {
  'mapAsyncPartitioned(10, 1), Promise inners': (n) =>
    drain(
      range(0, n).pipe(
        mapAsyncPartitioned(
          10,
          1,
          (x) => x % KEYS,
          (x) => Promise.resolve(x),
        ),
      ),
    ),
  'mapAsync(10), Promise inners': (n) => drain(range(0, n).pipe(mapAsync(10, (x: number) => Promise.resolve(x)))),
  'loop, 10 Promises in flight': async (n) => {
    let next = 0;
    const worker = async () => {
      while (next < n) await Promise.resolve(next++);
    };
    await Promise.all(Array.from({ length: 10 }, worker));
  },
  'mapAsyncPartitioned(10, 1), of() inners': (n) =>
    drain(
      range(0, n).pipe(
        mapAsyncPartitioned(
          10,
          1,
          (x) => x % KEYS,
          (x) => of(x),
        ),
      ),
    ),
  'mapAsyncPartitioned(10, 1), of() inners, monitored': (n) =>
    drain(
      range(0, n).pipe(
        mapAsyncPartitioned({
          parallelism: 10,
          perKey: 1,
          key: (x: number) => x % KEYS,
          project: (x: number) => of(x),
          monitor: lanesMonitor(),
        }),
      ),
    ),
  'mapAsync(10), of() inners': (n) => drain(range(0, n).pipe(mapAsync(10, (x: number) => of(x)))),
  'mergeMap(of, 10)': (n) => drain(range(0, n).pipe(mergeMap((x) => of(x), 10))),
  'batchByLane size 100': (n) =>
    drain(
      range(0, n).pipe(batchByLane({ key: (x: number) => x % KEYS, size: 100 }, (batch: readonly number[]) => batch.map((x) => x + 1))),
    ),
  'batchByLane size 100, monitored': (n) =>
    drain(
      range(0, n).pipe(
        batchByLane({ key: (x: number) => x % KEYS, size: 100, monitor: lanesMonitor() }, (batch: readonly number[]) =>
          batch.map((x) => x + 1),
        ),
      ),
    ),
  'groupBy+bufferCount+concatMap': (n) =>
    drain(
      range(0, n).pipe(
        groupBy((x) => x % KEYS),
        mergeMap((group) =>
          group.pipe(
            bufferCount(100),
            concatMap((batch) => batch.map((x) => x + 1)),
          ),
        ),
      ),
    ),
  'boundedOrdering, window 64, local shuffle': (n) =>
    drain(
      from(locallyShuffled(n)).pipe(
        boundedOrdering(
          64,
          0,
          (id: number) => id + 1,
          (x: number) => x,
        ),
      ),
    ),
  'boundedOrdering, window 64, local shuffle, monitored': (n) =>
    drain(
      from(locallyShuffled(n)).pipe(
        boundedOrdering({ maxBounded: 64, initialId: 0, nextId: (id: number) => id + 1, getId: (x: number) => x, monitor: lanesMonitor() }),
      ),
    ),
  'boundedOrdering, window 64, local shuffle, monitored with onEvent': (n) =>
    drain(
      from(locallyShuffled(n)).pipe(
        boundedOrdering({
          maxBounded: 64,
          initialId: 0,
          nextId: (id: number) => id + 1,
          getId: (x: number) => x,
          monitor: lanesMonitor({ onEvent: () => undefined }),
        }),
      ),
    ),
  'map(x => x), local shuffle': (n) => drain(from(locallyShuffled(n)).pipe(map((x: number) => x))),
  'boundedOrdering, window 64, swap shuffle': (n) =>
    drain(
      from(swapShuffled(n)).pipe(
        boundedOrdering(
          64,
          0,
          (id: number) => id + 1,
          (x: number) => x,
        ),
      ),
    ),
  'map(x => x), swap shuffle': (n) => drain(from(swapShuffled(n)).pipe(map((x: number) => x))),
};

/**
 * Cases that run more elements per round than the suite's N (a multiple of it). The batch cases need
 * lanes that fill batches, as in the timed bench (1,000 messages per key): with 20,000 messages over 1,000
 * keys each lane gets 20, no batch fills until completion, and RxJS's per-group setup dominates the
 * baseline (about 8,800 instructions per message, a 5× ratio that the timed bench never shows).
 */
export const ROUND_SCALE: Readonly<Record<string, number>> = {
  'batchByLane size 100': 10,
  'batchByLane size 100, monitored': 10,
  'groupBy+bufferCount+concatMap': 10,
};

/** [ours, baseline, target ratio (baseline instructions ÷ ours, like a throughput ratio) or null]. */
export const PAIRS: [string, string, number | null][] = [
  ['mapAsyncPartitioned(10, 1), Promise inners', 'loop, 10 Promises in flight', 0.3],
  ['mapAsync(10), Promise inners', 'loop, 10 Promises in flight', 0.3],
  ['mapAsyncPartitioned(10, 1), of() inners', 'mergeMap(of, 10)', 0.9],
  ['mapAsync(10), of() inners', 'mergeMap(of, 10)', 0.9],
  ['batchByLane size 100', 'groupBy+bufferCount+concatMap', 2.5],
  ['boundedOrdering, window 64, local shuffle', 'map(x => x), local shuffle', 0.4],
  ['boundedOrdering, window 64, swap shuffle', 'map(x => x), swap shuffle', 0.4],
  // The cost of a monitor attached (snapshot only, no event hook): the same operator without one is the baseline.
  ['mapAsyncPartitioned(10, 1), of() inners, monitored', 'mapAsyncPartitioned(10, 1), of() inners', null],
  ['batchByLane size 100, monitored', 'batchByLane size 100', null],
  ['boundedOrdering, window 64, local shuffle, monitored', 'boundedOrdering, window 64, local shuffle', null],
  ['boundedOrdering, window 64, local shuffle, monitored with onEvent', 'boundedOrdering, window 64, local shuffle', null],
];
