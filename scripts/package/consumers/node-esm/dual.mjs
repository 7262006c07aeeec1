// The dual-package hazard, checked in one Node process: rxjs-lanes loaded through `import` and through
// `require` must be one implementation (same classes, one module state). Plain JavaScript, as a user's
// mixed ESM/CommonJS dependency tree would load it. Run with `node --import ./no-esm-copy.mjs dual.mjs`.
import { createRequire } from 'node:module';
import { Subject, lastValueFrom, toArray } from 'rxjs';
import * as imported from 'rxjs-lanes';
import * as importedJetStream from 'rxjs-lanes/jetstream';
import * as importedKafka from 'rxjs-lanes/kafka';

const require = createRequire(import.meta.url);
const required = require('rxjs-lanes');
const requiredJetStream = require('rxjs-lanes/jetstream');
const requiredKafka = require('rxjs-lanes/kafka');

const check = async (name, fn) => {
  await fn();
  console.log(`ok ${name}`);
};
const assert = (condition, message) => {
  if (!condition) throw new Error(message);
};

await check('every export is the same object through import and require', () => {
  for (const [label, esm, cjs] of [
    ['rxjs-lanes', imported, required],
    ['rxjs-lanes/jetstream', importedJetStream, requiredJetStream],
    ['rxjs-lanes/kafka', importedKafka, requiredKafka],
  ]) {
    const names = Object.keys(cjs)
      .filter((n) => n !== '__esModule')
      .sort();
    assert(names.join() === Object.keys(esm).sort().join(), `${label}: import has [${Object.keys(esm)}], require has [${names}]`);
    for (const name of names) assert(esm[name] === cjs[name], `${label}: ${name} differs between import and require`);
  }
});

await check('a Valve made through require is accepted by operators loaded through import', async () => {
  const valve = new required.Valve();
  const out = imported.pullFrom([1, 2, 3], valve).pipe(imported.mapAsync({ parallelism: 1, project: async (n) => n, valve }), toArray());
  assert((await lastValueFrom(out)).join() === '1,2,3', 'wrong output');
  assert(valve instanceof imported.Valve && new imported.Valve() instanceof required.Valve, 'Valve instanceof differs');
});

await check("errors raised by import's operators are instanceof require's classes", async () => {
  const flood = new Subject();
  const failed = lastValueFrom(flood.pipe(imported.mapAsync({ parallelism: 1, maxQueued: 1, project: () => new Promise(() => {}) }))).catch(
    (error) => error,
  );
  for (let i = 0; i < 3; i++) flood.next(i);
  const error = await failed;
  assert(error instanceof required.QueueOverflowError, `not a required QueueOverflowError: ${error}`);
});

await check("a CommitTracker ticket from import's tracker is accepted by require's", () => {
  const tracker = new importedKafka.CommitTracker();
  tracker.assign('t', 0);
  const ticket = tracker.deliver('t', 0, 0);
  assert(requiredKafka.CommitTracker.prototype.settle.call(tracker, ticket, 'ack') === true, 'ticket rejected');
  assert(tracker instanceof requiredKafka.CommitTracker, 'CommitTracker instanceof differs');
});

await check('the one-run-per-consumer guard holds across import and require', () => {
  const consumer = {
    events: { GROUP_JOIN: 'group_join', REBALANCING: 'rebalancing', CRASH: 'crash', STOP: 'stop' },
    on: () => () => undefined,
    run: async () => undefined, // kafkajs resolves run() once the consumer joined
    stop: async () => undefined,
    seek: () => undefined,
    commitOffsets: async () => undefined,
  };
  const errors = [];
  const options = { parallelism: 1, handler: () => 'ack' };
  const first = importedKafka.consumeKafka(consumer, options).subscribe({ error: (e) => errors.push(['import', e]) });
  const second = requiredKafka.consumeKafka(consumer, options).subscribe({ error: (e) => errors.push(['require', e]) });
  second.unsubscribe();
  first.unsubscribe();
  assert(errors.length === 1 && errors[0][0] === 'require', `errors: ${errors.map(([by, e]) => `${by}: ${e}`)}`);
  assert(/already/.test(errors[0][1].message), `unexpected error: ${errors[0][1].message}`);
});
