import { lastValueFrom, tap, toArray } from 'rxjs';
import { boundedOrdering, type BoundedOrderingGap } from '../../src/boundedOrdering';
import { pullFrom } from '../../src/flow/pullFrom';
import { Valve } from '../../src/flow/Valve';
import { mapAsyncPartitionedUnordered } from '../../src/mapAsyncPartitionedUnordered';

const inc = (id: number) => id + 1;
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

describe('boundedOrdering with the pack’s flow control', () => {
  it('puts the output of a paced, unordered stage back in order', async () => {
    const valve = new Valve();
    let read = 0;
    let maxAhead = 0;
    let emitted = 0;
    async function* source() {
      for (let i = 0; i < 120; i++) {
        read++;
        maxAhead = Math.max(maxAhead, read - emitted);
        yield i;
      }
    }
    const out = await lastValueFrom(
      pullFrom(source(), valve).pipe(
        mapAsyncPartitionedUnordered({
          parallelism: 4,
          perKey: 1,
          key: (x: number) => x % 4,
          project: async (x: number) => {
            await sleep((x * 7) % 3); // finish out of order
            return x;
          },
          valve,
        }),
        boundedOrdering(64, 0, inc, (x: number) => x),
        tap(() => emitted++),
        toArray(),
      ),
    );
    expect(out).toEqual(Array.from({ length: 120 }, (_, i) => i));
    // the read-ahead is bounded by the upstream operator's bound plus what boundedOrdering holds, not by
    // the source: boundedOrdering neither closes the valve nor lets the source run away
    expect(maxAhead).toBeLessThanOrEqual(4 + 64 + 1);
  });

  it('never stalls a paced source: a missing id is given up on by the overflow rule', async () => {
    const valve = new Valve();
    const gaps: BoundedOrderingGap<number>[] = [];
    async function* withoutZero() {
      for (let i = 1; i <= 50; i++) yield i;
    }
    const out = await lastValueFrom(
      pullFrom(withoutZero(), valve).pipe(
        mapAsyncPartitionedUnordered({
          parallelism: 2,
          perKey: 1,
          key: (x: number) => x % 2,
          project: async (x: number) => x,
          valve,
        }),
        boundedOrdering({ maxBounded: 8, initialId: 0, nextId: inc, getId: (x: number) => x, onGap: (g) => gaps.push(g) }),
        toArray(),
      ),
    );
    expect([...out].sort((a, b) => a - b)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    expect(gaps[0]).toEqual({ from: 0, to: 1, reason: 'overflow' });
    expect(valve.isOpen).toBe(true);
  });
});
