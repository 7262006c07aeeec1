/**
 * batchByLane versus the RxJS way, side by side in one process (ratios, not absolute times):
 * 1. throughput — 1,000,000 messages over 1,000 keys, batches of 100, a synchronous handler, against
 *    groupBy(key) + bufferCount(100) + concatMap(handler) (no global order, no maxWait, no bounds, keeps
 *    every group forever); target ≥ 2.5× (issue #14). The six cases run interleaved (harness compare()).
 * 2. latency — 100,000 messages over 1,000 keys, a handler that takes 2 ms per call (a real timer),
 *    concurrency 64, against per-message mapAsyncPartitioned(64, 1) with the same 2 ms per call (measured on
 *    20,000 messages: it runs ~25k msg/s, and rates are comparable); target ≥ 20×.
 */
import { bufferCount, concatAll, concatMap, from, groupBy, mergeMap, Observable, range } from 'rxjs';
import { batchByLane } from '../../src/batchByLane';
import { batchByLaneFromBatches } from '../../src/batchByLaneFromBatches';
import { mapAsyncPartitioned } from '../../src/mapAsyncPartitioned';
import { compare, line, perSecond, table, time } from '../harness';

const KEYS = 1_000;
const SIZE = 100;
/** Issue #14: batchByLane (ordered) at ≥ 2.5× groupBy+bufferCount+concatMap, in every run. */
const THROUGHPUT_TARGET = 2.5;
/** Interleaved rounds of the throughput table (after one warm-up round); each case keeps its best. */
const ROUNDS = 5;
const key = (n: number) => n % KEYS;
const handler = (batch: readonly number[]) => batch.map((n) => n + 1);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Subscribes, counts the output, and fails loudly if anything was lost. */
function drain(output: Observable<unknown>, expected: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let count = 0;
    output.subscribe({
      next: () => count++,
      error: reject,
      complete: () => (count === expected ? resolve() : reject(new Error(`expected ${expected} outputs, got ${count}`))),
    });
  });
}

function chunked(count: number, chunk: number): number[][] {
  const arrays: number[][] = [];
  for (let i = 0; i < count; i += chunk) arrays.push(Array.from({ length: Math.min(chunk, count - i) }, (_, j) => i + j));
  return arrays;
}

function verdict(name: string, ratio: number, target: number): void {
  line(`${name}: ${ratio.toFixed(2)}× (target ≥ ${target}×) — ${ratio >= target ? 'met' : 'NOT met'}`);
}

export async function run(): Promise<void> {
  // 1. Throughput with a synchronous handler.
  const N = 1_000_000;
  const fetches = chunked(N, 500);
  // Interleaved rounds (A B C…, A B C…): load that comes and goes on a shared machine hits every case alike.
  const [rxjs, ordered, unordered, bounded, flattened, fromBatches] = await compare(
    [
      {
        name: 'groupBy+bufferCount+concatMap',
        elements: N,
        fn: () =>
          drain(
            range(0, N).pipe(
              groupBy(key),
              mergeMap((group) => group.pipe(bufferCount(SIZE), concatMap(handler))),
            ),
            N,
          ),
      },
      { name: 'batchByLane (ordered)', elements: N, fn: () => drain(range(0, N).pipe(batchByLane({ key, size: SIZE }, handler)), N) },
      {
        name: 'batchByLane (unordered)',
        elements: N,
        fn: () => drain(range(0, N).pipe(batchByLane({ key, size: SIZE, ordered: false }, handler)), N),
      },
      {
        name: 'batchByLane (maxInFlight 200k, concurrency 64)',
        elements: N,
        fn: () => drain(range(0, N).pipe(batchByLane({ key, size: SIZE, maxInFlight: 200_000, concurrency: 64 }, handler)), N),
      },
      {
        name: 'concatAll + batchByLane (arrays of 500)',
        elements: N,
        fn: () => drain(from(fetches).pipe(concatAll(), batchByLane({ key, size: SIZE }, handler)), N),
      },
      {
        name: 'batchByLaneFromBatches (arrays of 500)',
        elements: N,
        fn: () => drain(from(fetches).pipe(batchByLaneFromBatches({ key, size: SIZE }, handler)), N),
      },
    ],
    ROUNDS,
  );
  table(
    `batchByLane: ${N.toLocaleString('en-US')} messages, ${KEYS} keys, size ${SIZE}, synchronous handler`,
    [rxjs, ordered, unordered, bounded, flattened, fromBatches],
    rxjs,
  );
  verdict('batchByLane (ordered) vs groupBy+bufferCount+concatMap', perSecond(ordered) / perSecond(rxjs), THROUGHPUT_TARGET);
  line(`batchByLaneFromBatches vs concatAll + batchByLane: ${(perSecond(fromBatches) / perSecond(flattened)).toFixed(2)}×`);

  // 2. Latency: 2 ms per handler call, 64 calls at once.
  const M = 100_000;
  const M_PER_MESSAGE = 20_000;
  const slowBatch = async (batch: readonly number[]) => {
    await sleep(2);
    return batch.map((n) => n + 1);
  };
  const perMessage = await time(
    'mapAsyncPartitioned(64, 1) per message',
    M_PER_MESSAGE,
    () =>
      drain(
        range(0, M_PER_MESSAGE).pipe(
          mapAsyncPartitioned(64, 1, key, async (n: number) => {
            await sleep(2);
            return n + 1;
          }),
        ),
        M_PER_MESSAGE,
      ),
    1,
  );
  const batched = await time('batchByLane (size 100, concurrency 64)', M, () =>
    drain(range(0, M).pipe(batchByLane({ key, size: SIZE, concurrency: 64 }, slowBatch)), M),
  );
  table(
    `batchByLane: ${M.toLocaleString('en-US')} messages, ${KEYS} keys, 2 ms per handler call, concurrency 64 (per-message side on ${M_PER_MESSAGE.toLocaleString('en-US')})`,
    [perMessage, batched],
    perMessage,
  );
  verdict('batchByLane vs per-message mapAsyncPartitioned, messages/s', perSecond(batched) / perSecond(perMessage), 20);
}
