/**
 * A fixed, synchronous workload for instruction counts (valgrind callgrind), which, unlike timings, do not
 * depend on the machine's load:
 *
 *   tsc -p tsconfig.bench.json
 *   valgrind --tool=callgrind --callgrind-out-file=/tmp/cg.out node --single-threaded temp/bench-build/bench/instructions.js
 *   grep totals /tmp/cg.out
 *
 * `--single-threaded` keeps V8's compiler on the main thread: without it the counts of one build vary by
 * about ±7 % between runs; with it, by ±0.2 %.
 *
 * Run it with an argument of 0 for the cost of starting Node and loading the pack alone, and subtract.
 */
import { of, range } from 'rxjs';
import { mapAsync, mapAsyncPartitioned, mapAsyncPartitionedUnordered } from '../src/index';

const n = Number(process.argv[2] ?? 100_000);
let sum = 0;
const add = (x: number) => {
  sum += x;
};
range(0, n)
  .pipe(
    mapAsyncPartitioned(
      10,
      1,
      (x) => x % 100,
      (x) => of(x),
    ),
  )
  .subscribe(add);
range(0, n)
  .pipe(
    mapAsyncPartitionedUnordered(
      10,
      1,
      (x) => x % 100,
      (x) => of(x),
    ),
  )
  .subscribe(add);
range(0, n)
  .pipe(mapAsync(10, (x) => of(x)))
  .subscribe(add);
if (sum !== (3 * n * (n - 1)) / 2) throw new Error(`wrong sum ${sum}`);
