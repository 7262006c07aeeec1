/**
 * Finalization order: an inner's teardown runs before its slot is reused (the next inner of the operator,
 * or of the key, is subscribed after it) and before the output completes — in all three async-map
 * operators, at any parallelism. RxJS's `concatMap` and `mergeMap` are the references where the operators
 * guide states an equivalence: `mapAsync(1)` ≈ `concatMap`, `mapAsyncPartitionedUnordered(n, 1, uniqueKey)` ≈
 * `mergeMap(f, n)`.
 */
import fc from 'fast-check';
import { concatMap, defer, delay, finalize, mergeMap, of, type ObservableInput, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { mapAsync, mapAsyncPartitioned, mapAsyncPartitionedUnordered } from '../../src/index';
import { framesOf, Inners, mapKinds, mapOp, timedSource } from './support';

// Property runs take seconds on an idle machine; the default 5 s timeout is too short under load.
jest.setTimeout(60_000);

/** RxJS's own spec: `init n` when the inner is subscribed, `finalized n` when it is torn down. */
function finalizeLog(
  operator: (create: (n: number) => ObservableInput<number>) => OperatorFunction<number, number>,
  delays: number[],
): string[] {
  const results: string[] = [];
  const scheduler = new TestScheduler(() => {});
  scheduler.run(() => {
    const create = (n: number) =>
      defer(() => {
        results.push(`init ${n}`);
        const d = delays[n % delays.length]!;
        return (d === 0 ? of(n) : of(n).pipe(delay(d))).pipe(finalize(() => results.push(`finalized ${n}`)));
      });
    of(1, 2, 3, 4)
      .pipe(operator(create))
      .subscribe({ next: (v) => results.push(`${v}`), complete: () => results.push('complete') });
  });
  return results;
}

describe('finalization order against RxJS', () => {
  it.each([[[100]], [[1, 5, 1]], [[3, 1]]])(
    'mapAsync(1) finalizes each inner before moving to the next, as concatMap does (delays %j)',
    (delays) => {
      const reference = finalizeLog((f) => concatMap(f), delays);
      expect(reference.slice(0, 3)).toEqual(['init 1', '1', 'finalized 1']);
      expect(finalizeLog((f) => mapAsync(1, f), delays)).toEqual(reference);
    },
  );

  it.each([1, 2, 3])('mapAsyncPartitioned(%i + 1, 1) with one key runs like concatMap, finalization included', (n) => {
    for (const delays of [[100], [2, 1, 3]]) {
      const reference = finalizeLog((f) => concatMap(f), delays);
      expect(finalizeLog((f) => mapAsyncPartitioned(n + 1, 1, () => 'one', f), delays)).toEqual(reference);
      expect(finalizeLog((f) => mapAsyncPartitionedUnordered(n + 1, 1, () => 'one', f), delays)).toEqual(reference);
    }
  });

  it.each([1, 2, 3])('mapAsyncPartitionedUnordered(n, 1, uniqueKey) finalizes as mergeMap(f, n) does (n = %i)', (n) => {
    for (const delays of [[100], [2, 1, 3], [5, 1, 3, 2]]) {
      let key = 0;
      const reference = finalizeLog((f) => mergeMap(f, n), delays);
      expect(finalizeLog((f) => mapAsyncPartitionedUnordered(n, 1, () => key++, f), delays)).toEqual(reference);
    }
  });

  it('a synchronous inner is finalized before the next one starts too, where concatMap starts the next one first', () => {
    // `finalize` registers its callback after subscribing, so a synchronous inner's callback runs when
    // that subscribe returns. concatMap has started the next inner by then; the pack has not.
    const reference = finalizeLog((f) => concatMap(f), [5, 1, 1, 0]);
    expect(reference.slice(6, 10)).toEqual(['init 3', '3', 'init 4', 'finalized 3']);
    for (const kind of mapKinds) {
      const ours = finalizeLog((f) => mapOp(kind, 1, () => 'one', f), [5, 1, 1, 0]);
      expect(ours).toEqual([...reference.slice(0, 8), 'finalized 3', 'init 4', ...reference.slice(10)]);
    }
  });

  it('the output completes after the last inner was finalized, in all three operators', () => {
    for (const kind of mapKinds) {
      for (const n of [1, 2, 4]) {
        const log = finalizeLog((f) => mapOp(kind, n, (v) => v, f), [1, 3, 0, 2]);
        expect(log[log.length - 1]).toBe('complete');
      }
    }
  });
});

interface Element {
  key: number;
  /** Frames before the element's inner emits and completes; 0 = synchronously, while subscribed. */
  latency: number;
  /** Frames after the previous element (0 = same frame). */
  gap: number;
}

describe.each(mapKinds)('%s — an inner is finalized before its slot is reused (property, virtual time)', (kind) => {
  it('at every inner subscription, live inners ≤ parallelism and ≤ perKey per key; nothing is live when the output completes', () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({ key: fc.integer({ min: 0, max: 3 }), latency: fc.integer({ min: 0, max: 4 }), gap: fc.integer({ min: 0, max: 2 }) }),
          { maxLength: 16 },
        ),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        (elements: Element[], parallelism, perKeySeed) => {
          const perKey = kind === 'mapAsync' || parallelism === 1 ? 1 : 1 + ((perKeySeed - 1) % (parallelism - 1));
          const violations: string[] = [];
          const live = new Map<number, number>(); // key → live inners
          let liveTotal = 0;
          let completed = false;
          const scheduler = new TestScheduler(() => {});
          scheduler.run(() => {
            const inner = (i: number, e: Element, s: SchedulerLike) => {
              const inners = new Inners();
              return defer(() => {
                liveTotal++;
                live.set(e.key, (live.get(e.key) ?? 0) + 1);
                if (liveTotal > parallelism) violations.push(`${liveTotal} live at ${i}`);
                if (kind !== 'mapAsync' && live.get(e.key)! > perKey) violations.push(`key ${e.key}: ${live.get(e.key)} live at ${i}`);
                return inners.after(`${i}`, i, e.latency, s).pipe(
                  finalize(() => {
                    liveTotal--;
                    live.set(e.key, live.get(e.key)! - 1);
                  }),
                );
              });
            };
            timedSource(framesOf(elements.map((e) => e.gap)), scheduler)
              .pipe(
                mapOp(
                  kind,
                  parallelism,
                  (i: number) => elements[i]!.key,
                  (i: number) => inner(i, elements[i]!, scheduler),
                  perKey,
                ),
              )
              .subscribe({
                complete: () => {
                  completed = true;
                  if (liveTotal !== 0) violations.push(`${liveTotal} live at completion`);
                },
              });
          });
          expect(violations).toEqual([]);
          expect(completed).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
