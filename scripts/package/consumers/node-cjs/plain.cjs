// Plain require(), no TypeScript: what a CommonJS user without a build step writes.
const { from, lastValueFrom, toArray } = require('rxjs');
const { mapAsync } = require('rxjs-lanes');
const { CommitTracker } = require('rxjs-lanes/kafka');
const { settleBatchResults } = require('rxjs-lanes/jetstream');

lastValueFrom(
  from([1, 2, 3]).pipe(
    mapAsync(2, async (n) => n + 1),
    toArray(),
  ),
).then((out) => {
  if (out.join() !== '2,3,4') throw new Error(`mapAsync gave ${out}`);
  if (typeof CommitTracker !== 'function' || typeof settleBatchResults !== 'function') throw new Error('subpath exports missing');
  console.log('ok plain require() of every entry');
});
