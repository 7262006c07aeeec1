/**
 * mapAsyncPartitioned against the RxJS-native ways of doing the same job, in one run.
 */
import { concatMap, groupBy, lastValueFrom, map, mergeMap, Observable, of, range, timer } from 'rxjs';
import { mapAsyncPartitioned, pullFrom, Valve } from '../../src/index';
import { compare, gc, line, perSecond, table, time } from '../harness';

const drain = (o: Observable<unknown>) => lastValueFrom(o, { defaultValue: undefined });

async function promiseInners(): Promise<void> {
  const n = 1_000_000;
  const keys = 1_000;
  const partitioned = (count: number) => () =>
    drain(
      range(0, count).pipe(
        mapAsyncPartitioned(
          10,
          1,
          (x) => x % keys,
          (x) => Promise.resolve(x),
        ),
      ),
    );
  const [ours, grouped, floor, tenth] = await compare([
    { name: 'mapAsyncPartitioned(10, 1)', elements: n, fn: partitioned(n) },
    {
      name: 'groupBy + concatMap',
      elements: n,
      fn: () =>
        drain(
          range(0, n).pipe(
            groupBy((x) => x % keys),
            mergeMap((group) => group.pipe(concatMap((x) => Promise.resolve(x)))),
          ),
        ),
    },
    {
      name: 'loop, 10 Promises in flight',
      elements: n,
      fn: async () => {
        let next = 0;
        const worker = async () => {
          while (next < n) await Promise.resolve(next++);
        };
        await Promise.all(Array.from({ length: 10 }, worker));
      },
    },
    { name: 'mapAsyncPartitioned, 100,000 elements', elements: n / 10, fn: partitioned(n / 10) },
  ]);
  table('1,000,000 elements, 1,000 keys, Promise.resolve inners (target ≥ 2× groupBy + concatMap)', [ours, grouped, floor], grouped);

  const ratio = ours.ms / tenth.ms;
  line(
    `Linearity: 10× the elements took ${ratio.toFixed(2)}× the time (target ≤ 11×): ${tenth.ms.toFixed(0)} ms → ${ours.ms.toFixed(0)} ms`,
  );
}

async function observableInners(): Promise<void> {
  const n = 1_000_000;
  const [ours, merge] = await compare(
    [
      {
        name: 'mapAsyncPartitioned(10, 1)',
        elements: n,
        fn: () =>
          drain(
            range(0, n).pipe(
              mapAsyncPartitioned(
                10,
                1,
                (x) => x % 1_000,
                (x) => of(x),
              ),
            ),
          ),
      },
      { name: 'mergeMap(fn, 10)', elements: n, fn: () => drain(range(0, n).pipe(mergeMap((x) => of(x), 10))) },
    ],
    7,
  );
  table('1,000,000 elements, of(x) inners (target ≥ 0.8× mergeMap, which keeps no order)', [ours, merge], merge);
}

async function latencyHiding(): Promise<void> {
  const n = 10_000;
  const keys = 100;
  const remote = (x: number) => timer(2).pipe(map(() => x));
  const sequentialCount = 500; // concatMap runs one 2 ms call at a time: its rate is measured on fewer elements
  const [ours, merge] = await compare(
    [
      {
        name: 'mapAsyncPartitioned(100, 1)',
        elements: n,
        fn: () => drain(range(0, n).pipe(mapAsyncPartitioned(100, 1, (x) => x % keys, remote))),
      },
      { name: 'mergeMap(fn, 100)', elements: n, fn: () => drain(range(0, n).pipe(mergeMap(remote, 100))) },
    ],
    3,
  );
  const sequential = await time(
    `concatMap (${sequentialCount} elements)`,
    sequentialCount,
    () => drain(range(0, sequentialCount).pipe(concatMap(remote))),
    1,
  );
  table('Latency hiding: 10,000 elements over 100 keys, a 2 ms timer each (target ≥ 0.95× mergeMap)', [ours, merge, sequential], merge);
  line(`Speed-up over concatMap: ${(perSecond(ours) / perSecond(sequential)).toFixed(1)}×`);
}

function heapMB(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}

async function memory(): Promise<void> {
  const n = 1_000_000;
  const before = heapMB();
  await drain(
    range(0, n).pipe(
      mapAsyncPartitioned(
        10,
        1,
        (x) => `key-${x}`,
        (x) => Promise.resolve(x),
      ),
    ),
  );
  const after = heapMB();
  line(
    `\nMemory: 1,000,000 distinct keys — heap ${before.toFixed(1)} MB before, ${after.toFixed(1)} MB after completion and GC (Δ ${(after - before).toFixed(1)} MB)`,
  );

  const parallelism = 16;
  const valve = new Valve();
  let pulled = 0;
  let emitted = 0;
  let peak = 0;
  async function* source() {
    for (let i = 0; i < n; i++) {
      pulled++;
      peak = Math.max(peak, pulled - emitted);
      yield i;
    }
  }
  const start = performance.now();
  await drain(
    pullFrom(source(), valve).pipe(
      mapAsyncPartitioned({
        parallelism,
        perKey: 1,
        key: (x) => x % 100,
        // Resolved on a later macrotask, so the operator fills up and the valve has to hold the source back.
        project: (x) => new Promise<number>((resolve) => setImmediate(resolve, x)),
        valve,
      }),
      map(() => emitted++),
    ),
  );
  line(
    `Async-iterable source of 1,000,000 elements, parallelism ${parallelism}: peak pulled-but-not-emitted ${peak} ` +
      `(bound ${parallelism}); ${Math.round((n / (performance.now() - start)) * 1000).toLocaleString('en-US')} elements/s through pullFrom`,
  );
}

export async function run(): Promise<void> {
  line('\n# mapAsyncPartitioned');
  await promiseInners();
  await observableInners();
  await latencyHiding();
  await memory();
}
