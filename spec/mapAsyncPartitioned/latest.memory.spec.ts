/**
 * Latest-wins keeps its structures bounded: superseded elements become garbage while the subscription
 * lives on, even while an earlier element holds the head of the ordered output (the held-result queue is
 * compacted). Needs `global.gc` (node --expose-gc, as `npm test` runs jest); skipped without it.
 */
import { NEVER, Subject } from 'rxjs';
import { mapAsyncPartitioned, mapAsyncPartitionedUnordered } from '../../src/index';

const gc = (globalThis as { gc?: () => void }).gc;
const itWithGc = typeof gc === 'function' ? it : it.skip;

async function collected(refs: WeakRef<object>[]): Promise<number> {
  let count = 0;
  for (let i = 0; i < 3; i++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
    await new Promise((resolve) => setImmediate(resolve));
    count = refs.filter((r) => r.deref() === undefined).length;
  }
  return count;
}

describe.each([
  ['mapAsyncPartitioned', mapAsyncPartitioned],
  ['mapAsyncPartitionedUnordered', mapAsyncPartitionedUnordered],
] as const)('%s latest: true — memory', (_name, op) => {
  itWithGc(
    'superseded elements are released while the head element runs forever (needs --expose-gc)',
    async () => {
      const source = new Subject<{ key: string }>();
      let reported = 0;
      const subscription = source
        .pipe(op({ parallelism: 3, key: (v) => v.key, latest: true, onSuperseded: () => reported++ }, () => NEVER))
        .subscribe();
      source.next({ key: 'head' }); // holds the head of the output forever
      source.next({ key: 'a' }); // runs forever
      const refs: WeakRef<object>[] = [];
      for (let i = 0; i < 2_000; i++) {
        const value = { key: 'a' };
        refs.push(new WeakRef(value));
        source.next(value);
      }
      expect(reported).toBe(1_999);
      // All but the newest (waiting) and a few not yet compacted away are garbage.
      expect(await collected(refs)).toBeGreaterThanOrEqual(2_000 - 40);
      subscription.unsubscribe();
    },
    60_000,
  );
});
