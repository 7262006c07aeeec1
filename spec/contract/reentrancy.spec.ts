/**
 * Re-entrant sources: a key function, a `project` or batch handler, or a downstream `next` that pushes
 * into the source synchronously must not invert input order. Input order is the order in which the
 * source's `next` calls began; a value pushed while an earlier one is still being admitted is admitted
 * right after it. Nothing is lost and every bound holds.
 */
import fc from 'fast-check';
import { asyncScheduler, concatAll, from, map, Observable, of, Subject, timer, toArray, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  batchByLane,
  batchByLaneFromBatches,
  mapAsyncPartitioned,
  mapAsyncPartitionedUnordered,
  type ProjectContext,
} from '../../src/index';
import { mapKinds, mapOp, type MapKind } from './support';

// Property runs take seconds on an idle machine; the default 5 s timeout is too short under load.
jest.setTimeout(60_000);

describe.each([
  ['mapAsyncPartitioned', mapAsyncPartitioned],
  ['mapAsyncPartitionedUnordered', mapAsyncPartitionedUnordered],
] as const)('%s — a key function that pushes into the source', (_name, operator) => {
  it('admits the pushed value after the one being keyed: project sees a#0 before b#1', () => {
    const source = new Subject<string>();
    const calls: string[] = [];
    const values: string[] = [];
    let pushed = false;
    const key = (v: string) => {
      if (!pushed) {
        pushed = true;
        source.next('b');
      }
      return v;
    };
    source
      .pipe(operator(4, 1, key, (v: string, _key: string, context: ProjectContext) => (calls.push(`${v}#${context.index}`), of(v))))
      .subscribe((v) => values.push(v));
    source.next('a');
    expect(calls).toEqual(['a#0', 'b#1']);
    expect(values).toEqual(['a', 'b']);
  });
});

describe('batchByLane — a key function that pushes into the source', () => {
  it('settles the keyed message before the pushed one', () => {
    const source = new Subject<string>();
    const batches: string[] = [];
    const values: string[] = [];
    let pushed = false;
    const key = (v: string) => {
      if (!pushed) {
        pushed = true;
        source.next('b');
      }
      return v;
    };
    source.pipe(batchByLane({ key, size: 1 }, (batch) => (batches.push(batch.join()), batch))).subscribe((s) => values.push(s.value));
    source.next('a');
    expect(batches).toEqual(['a', 'b']);
    expect(values).toEqual(['a', 'b']);
  });

  it('batchByLaneFromBatches: an array pushed while another is regrouped comes after all of it, as with concatAll() + batchByLane', () => {
    const run = (operator: (key: (v: string) => string) => OperatorFunction<readonly string[], { value: string }>) => {
      const source = new Subject<readonly string[]>();
      const values: string[] = [];
      let pushed = false;
      const key = (v: string) => {
        if (!pushed) {
          pushed = true;
          source.next(['x', 'y']);
        }
        return v < 'x' ? 'early' : 'late';
      };
      source.pipe(operator(key)).subscribe((s) => values.push(s.value));
      source.next(['a', 'b', 'c']);
      source.complete();
      return values;
    };
    const handler = (batch: readonly string[]) => batch;
    const reference = run((key) => (s) => s.pipe(concatAll(), batchByLane({ key, size: 2 }, handler)));
    expect(reference).toEqual(['a', 'b', 'c', 'x', 'y']);
    expect(run((key) => batchByLaneFromBatches({ key, size: 2 }, handler))).toEqual(reference);
  });
});

type Kind = MapKind | 'batchByLane' | 'batchByLane unordered';
type Where = 'key' | 'project' | 'downstream';

describe('re-entrant pushes from every callback (property, virtual time)', () => {
  it('keep input order (per key, and overall for the ordered operators), lose nothing and respect every bound', () => {
    fc.assert(
      fc.property(
        fc.constantFrom<Kind>(...mapKinds, 'batchByLane', 'batchByLane unordered'),
        fc.integer({ min: 1, max: 4 }),
        fc.array(
          fc.record({
            where: fc.constantFrom<Where>('key', 'project', 'downstream'),
            at: fc.nat({ max: 8 }),
            count: fc.integer({ min: 1, max: 2 }),
          }),
          {
            maxLength: 5,
          },
        ),
        fc.array(fc.nat({ max: 3 }), { minLength: 1, maxLength: 6 }), // latencies; 0 = synchronous
        fc.integer({ min: 1, max: 3 }),
        (kind, bound, feeds, latencies, keys) => {
          const input: number[] = [];
          const projected: number[] = [];
          const output: number[] = [];
          const violations: string[] = [];
          let admitted = 0;
          let completed = false;
          new TestScheduler(() => {}).run(() => {
            const source = new Subject<number>();
            const push = (where: Where, v: number) => {
              for (const feed of feeds) {
                if (feed.where !== where || feed.at !== v) continue;
                for (let k = 0; k < feed.count && input.length < 20; k++) {
                  const next = input.length;
                  input.push(next);
                  source.next(next);
                }
              }
            };
            const countAdmission = () => {
              admitted++;
              if (admitted - output.length > bound) violations.push(`${admitted - output.length} held`);
            };
            const key = (v: number) => {
              if (kind !== 'mapAsync') countAdmission();
              push('key', v);
              return v % keys;
            };
            const work = (v: number): Observable<number> => {
              projected.push(v);
              push('project', v);
              const latency = latencies[v % latencies.length]!;
              return latency === 0 ? of(v) : timer(latency).pipe(map(() => v));
            };
            const operator: OperatorFunction<number, number> = kind.startsWith('batchByLane')
              ? (s) =>
                  s.pipe(
                    batchByLane({ key, size: 2, maxWait: 2, maxInFlight: bound, ordered: kind === 'batchByLane' }, (batch) => {
                      batch.forEach((v) => projected.push(v));
                      batch.forEach((v) => push('project', v));
                      return timer(latencies[batch[0]! % latencies.length]!).pipe(map(() => batch));
                    }),
                    map((settlement) => settlement.value),
                  )
              : mapOp(kind as MapKind, bound, key, (v: number) => {
                  if (kind === 'mapAsync') countAdmission();
                  return work(v);
                });
            source.pipe(operator).subscribe({
              next: (v) => {
                output.push(v);
                push('downstream', v);
              },
              complete: () => (completed = true),
            });
            for (let k = 0; k < 3; k++) {
              const next = input.length;
              input.push(next);
              source.next(next);
            }
            // Long after every inner (latencies ≤ 3 frames) and every push they cause.
            asyncScheduler.schedule(() => source.complete(), 1_000);
          });
          expect(violations).toEqual([]);
          expect(completed).toBe(true);
          expect([...output].sort((a, b) => a - b)).toEqual(input); // nothing lost, nothing duplicated
          for (let k = 0; k < keys; k++) {
            const ofKey = (xs: number[]) => xs.filter((v) => v % keys === k);
            if (kind !== 'mapAsync') expect(ofKey(projected)).toEqual(ofKey(input));
            if (kind !== 'mapAsyncPartitionedUnordered') expect(ofKey(output)).toEqual(ofKey(input));
          }
          if (kind === 'mapAsync' || kind === 'mapAsyncPartitioned' || kind === 'batchByLane') expect(output).toEqual(input);
        },
      ),
      { numRuns: 400 },
    );
  });
});

it('sanity: from() and toArray() see the same order through batchByLane (no re-entrancy)', async () => {
  const values: string[] = [];
  from(['a', 'b'])
    .pipe(
      batchByLane({ key: (v: string) => v, size: 1 }, (b) => b),
      toArray(),
    )
    .subscribe((all) => all.forEach((s) => values.push(s.value)));
  expect(values).toEqual(['a', 'b']);
});
