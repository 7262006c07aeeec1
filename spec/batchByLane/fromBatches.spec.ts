import fc from 'fast-check';
import { concatAll, from, lastValueFrom, map, range, take, toArray } from 'rxjs';
import { batchByLane } from '../../src/batchByLane';
import { batchByLaneFromBatches } from '../../src/batchByLaneFromBatches';
import { pullFrom } from '../../src/flow/pullFrom';
import { Valve } from '../../src/flow/Valve';

type Msg = { k: string; n: number };
const byK = (x: Msg) => x.k;
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('batchByLaneFromBatches', () => {
  it('regroups each array by key into lanes and settles one message at a time, in message order', async () => {
    const batches: string[] = [];
    const out = await lastValueFrom(
      from([
        [
          { k: 'a', n: 0 },
          { k: 'b', n: 1 },
          { k: 'a', n: 2 },
        ],
        [
          { k: 'b', n: 3 },
          { k: 'a', n: 4 },
        ],
      ]).pipe(
        batchByLaneFromBatches({ key: byK, size: 2 }, (batch, lane) => {
          batches.push(`${lane}:${batch.map((m) => m.n).join(',')}`);
          return batch.map((m) => m.n * 10);
        }),
        toArray(),
      ),
    );
    expect(batches).toEqual(['a:0,2', 'b:1,3', 'a:4']);
    expect(out.map((s) => [s.value.n, s.key, s.ok && s.result])).toEqual([
      [0, 'a', 0],
      [1, 'b', 10],
      [2, 'a', 20],
      [3, 'b', 30],
      [4, 'a', 40],
    ]);
  });

  it('settles exactly like concatAll() + batchByLane, for any input and settings', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.nat(4), { maxLength: 8 }), { maxLength: 12 }),
        fc.integer({ min: 1, max: 4 }),
        fc.oneof(fc.integer({ min: 1, max: 6 }), fc.constant(Infinity)),
        fc.oneof(fc.integer({ min: 1, max: 3 }), fc.constant(Infinity)),
        async (keyArrays, size, maxInFlight, concurrency) => {
          let n = 0;
          const arrays = keyArrays.map((ks) => ks.map((k) => ({ k: `k${k}`, n: n++ })));
          const options = { key: byK, size, maxInFlight, concurrency };
          const handler = async (batch: readonly Msg[]) => {
            await flush();
            return batch.map((m) => m.n);
          };
          const viaArrays = await lastValueFrom(from(arrays).pipe(batchByLaneFromBatches(options, handler), toArray()));
          const viaMessages = await lastValueFrom(from(arrays).pipe(concatAll(), batchByLane(options, handler), toArray()));
          expect(viaArrays).toEqual(viaMessages);
          expect(viaArrays.map((s) => s.value.n)).toEqual(Array.from({ length: n }, (_, i) => i));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('ignores empty arrays and fails with a TypeError on a value that is not an array', async () => {
    const out = await lastValueFrom(
      from([[], [{ k: 'a', n: 0 }], []]).pipe(
        batchByLaneFromBatches({ key: byK, size: 3 }, (b) => b),
        toArray(),
      ),
    );
    expect(out).toHaveLength(1);
    await expect(
      lastValueFrom(from([{ k: 'a', n: 0 }] as never[]).pipe(batchByLaneFromBatches({ key: byK, size: 3 }, (b) => b))),
    ).rejects.toThrow(new TypeError('batchByLaneFromBatches: the source must emit arrays of messages, got an object'));
  });

  it('counts maxInFlight in messages: a pull source of fetch batches is read only while there is room', async () => {
    let fetches = 0;
    async function* fetchBatches() {
      for (let f = 0; f < 20; f++) {
        fetches++;
        yield Array.from({ length: 5 }, (_, i) => ({ k: `k${i % 3}`, n: f * 5 + i }));
      }
    }
    const valve = new Valve();
    const pending: (() => void)[] = [];
    const out: number[] = [];
    let handled = 0;
    const done = new Promise<void>((resolve, reject) =>
      pullFrom(fetchBatches(), valve)
        .pipe(
          batchByLaneFromBatches({ key: byK, size: 4, maxInFlight: 12, valve }, (batch) => {
            handled += batch.length;
            return new Promise<number[]>((res) => pending.push(() => res(batch.map((m) => m.n))));
          }),
        )
        .subscribe({ next: (s) => out.push(s.value.n), error: reject, complete: resolve }),
    );
    for (let i = 0; i < 5; i++) await flush();
    expect(fetches).toBe(3); // 15 messages: the third fetch filled the window (12), the rest waits inside
    expect(valve.isOpen).toBe(false);
    while (out.length < 100) {
      pending.shift()?.();
      await flush();
      expect(fetches * 5 - out.length).toBeLessThanOrEqual(12 + 5); // at most one fetch beyond the bound
      expect(handled - out.length).toBeLessThanOrEqual(12);
    }
    await done;
    expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i));
  });

  it('synchronous firehose: an endless source of arrays stops with take(n)', () => {
    const out: number[] = [];
    range(0, 1e9)
      .pipe(
        map((i) => [i * 2, i * 2 + 1]),
        batchByLaneFromBatches({ key: (n: number) => n % 3, size: 2, maxInFlight: 10 }, (b) => b),
        take(3),
      )
      .subscribe((s) => out.push(s.value));
    expect(out).toHaveLength(3);
  });

  it('names itself in validation errors', () => {
    expect(() => batchByLaneFromBatches({ key: byK, size: 0 }, (b) => b)).toThrow(
      new RangeError('batchByLaneFromBatches: size must be an integer ≥ 1, got 0'),
    );
  });
});
