/**
 * RxJS's contributor checklist and leak checks for the three async-map operators: never, empty, error
 * source, early unsubscribe, throwing callbacks, the synchronous firehose, re-entrancy, per-key state
 * that must become garbage, and no timer left behind.
 */
import fc from 'fast-check';
import {
  EMPTY,
  from,
  map,
  mergeMap,
  NEVER,
  Observable,
  of,
  range,
  Subject,
  take,
  tap,
  throwError,
  timer,
  type ObservableInput,
  type OperatorFunction,
} from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Valve } from '../../src/flow/Valve';
import { mapAsync } from '../../src/mapAsync';
import { mapAsyncPartitioned } from '../../src/mapAsyncPartitioned';
import { mapAsyncPartitionedUnordered } from '../../src/mapAsyncPartitionedUnordered';

type Kind = 'mapAsyncPartitioned' | 'mapAsyncPartitionedUnordered' | 'mapAsync';
const kinds: Kind[] = ['mapAsyncPartitioned', 'mapAsyncPartitionedUnordered', 'mapAsync'];

/** One of the three operators; the partitioned ones with perKey 1 (mapAsync ignores `key`). */
function op<T, R>(
  kind: Kind,
  parallelism: number,
  key: (v: T) => unknown,
  project: (v: T) => ObservableInput<R>,
  valve?: Valve,
): OperatorFunction<T, R> {
  if (kind === 'mapAsync') return mapAsync({ parallelism, project, valve });
  const options = { parallelism, perKey: 1, key: key, project, valve };
  return kind === 'mapAsyncPartitioned' ? mapAsyncPartitioned(options) : mapAsyncPartitionedUnordered(options);
}

/** The garbage-collection tests need `global.gc` (node --expose-gc, as `npm test` runs jest); skipped without it. */
const gc = (globalThis as { gc?: () => void }).gc;
const itWithGc = typeof gc === 'function' ? it : it.skip;
if (typeof gc !== 'function') {
  console.warn(
    'teardown.spec: the per-key leak tests are SKIPPED — global.gc is absent; run jest under `node --expose-gc` (npm test does).',
  );
}

const newScheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

describe.each(kinds)('%s — contributor checklist', (kind) => {
  it('never: emits nothing, never completes, and releases everything on unsubscribe', () => {
    newScheduler().run(({ expectObservable }) => {
      expectObservable(
        NEVER.pipe(
          op(
            kind,
            2,
            (v) => v,
            (v) => of(v),
          ),
        ),
      ).toBe('-');
    });
    const valve = new Valve();
    const subscription = NEVER.pipe(
      op(
        kind,
        2,
        (v) => v,
        (v) => of(v),
        valve,
      ),
    ).subscribe();
    subscription.unsubscribe();
    expect(valve.isOpen).toBe(true);
  });

  it('empty: completes at once without calling partitioner or project', () => {
    let calls = 0;
    newScheduler().run(({ cold, expectObservable }) => {
      const result = cold('|').pipe(
        op(
          kind,
          2,
          (v) => (calls++, v),
          (v) => (calls++, of(v)),
        ),
      );
      expectObservable(result).toBe('|');
    });
    expect(calls).toBe(0);
    const done: string[] = [];
    EMPTY.pipe(
      op(
        kind,
        2,
        (v) => v,
        (v) => of(v),
      ),
    ).subscribe({ complete: () => done.push('complete') });
    expect(done).toEqual(['complete']);
  });

  it('one value and many: a source of values with synchronous inners passes them through and completes', () => {
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(
        cold('a|').pipe(
          op(
            kind,
            2,
            (v) => v,
            (v) => of(v),
          ),
        ),
      ).toBe('a|');
      expectObservable(
        cold('ab(cd)|').pipe(
          op(
            kind,
            2,
            (v) => v,
            (v) => of(v),
          ),
        ),
      ).toBe('ab(cd)|');
    });
  });

  it('error source: errors at once while inners are pending, and unsubscribes them', () => {
    newScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('a-b-#');
      const inners = { a: cold('--------x|'), b: cold('-------y|') };
      expectObservable(
        source.pipe(
          op(
            kind,
            3,
            (v) => v,
            (v: string) => inners[v as 'a' | 'b'],
          ),
        ),
      ).toBe('----#');
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(inners.a.subscriptions).toBe('^---!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^-!');
    });
  });

  it('early unsubscribe: ends the source subscription and every running inner, starts nothing after', () => {
    newScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      // parallelism 2: a runs long, b completes at 5 (held behind a when ordered), c arrives at 4.
      const source = hot('a-b-c---');
      const inners = { a: cold('------x|'), b: cold('--y|'), c: cold('-z|') };
      const result = source.pipe(
        op(
          kind,
          2,
          (v) => v,
          (v: string) => inners[v as 'a' | 'b' | 'c'],
        ),
      );
      if (kind === 'mapAsyncPartitionedUnordered') {
        expectObservable(result, '^-----!').toBe('----y-');
        expectSubscriptions(inners.c.subscriptions).toBe('-----^!'); // b left at 5, admitting c
      } else {
        expectObservable(result, '^-----!').toBe('------');
        expectSubscriptions(inners.c.subscriptions).toBe([]); // b is completed but still held behind a
      }
      expectSubscriptions(source.subscriptions).toBe('^-----!');
      expectSubscriptions(inners.a.subscriptions).toBe('^-----!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^--!');
    });
  });

  it('throwing key: errors at once, nothing after, source and inners unsubscribed', () => {
    if (kind === 'mapAsync') return; // mapAsync has no partitioner
    newScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('a-b-c-d');
      const inners = { a: cold('-----x|'), b: cold('-y|') };
      const result = source.pipe(
        op(
          kind,
          4,
          (v: string) => {
            if (v === 'c') throw new Error('bad key');
            return v;
          },
          (v: string) => inners[v as 'a' | 'b'],
        ),
      );
      expectObservable(result).toBe(kind === 'mapAsyncPartitioned' ? '----#' : '---y#', undefined, new Error('bad key'));
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(inners.a.subscriptions).toBe('^---!');
      expectSubscriptions(inners.b.subscriptions).toBe('--^-!');
    });
  });

  it('throwing project (also when a waiting element starts on another’s completion): errors at once, everything unsubscribed', () => {
    newScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      // a and b share a key; b waits (partitioned) and its project throws when a completes at 4.
      const source = hot('abc');
      const inners = { a: cold('---x|'), c: cold('------z|') };
      const calls: string[] = [];
      const result = source.pipe(
        op(
          kind,
          4,
          (v: string) => (v === 'c' ? 'other' : 'same'),
          (v: string) => {
            calls.push(v);
            if (v === 'b') throw new Error('project failed');
            return inners[v as 'a' | 'c'];
          },
        ),
      );
      if (kind === 'mapAsync') {
        // No partitions: b starts (and throws) at once, when it arrives.
        expectObservable(result).toBe('-#', undefined, new Error('project failed'));
        expectSubscriptions(source.subscriptions).toBe('^!');
        expectSubscriptions(inners.a.subscriptions).toBe('^!');
        expectSubscriptions(inners.c.subscriptions).toBe([]);
      } else {
        expectObservable(result).toBe('---x#', { x: 'x' }, new Error('project failed'));
        expectSubscriptions(source.subscriptions).toBe('^---!');
        expectSubscriptions(inners.a.subscriptions).toBe('^---!');
        expectSubscriptions(inners.c.subscriptions).toBe('--^-!');
      }
    });
  });

  it('erroring inner while earlier results are pending: errors at once, nothing emitted after, all unsubscribed', () => {
    newScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('abc');
      const inners = { a: cold('------x|'), b: cold('-y|'), c: cold('---#', undefined, new Error('inner failed')) };
      const result = source.pipe(
        op(
          kind,
          3,
          (v) => v,
          (v: string) => inners[v as 'a' | 'b' | 'c'],
        ),
      );
      // b's result is ready at 2 but waits behind a when ordered; c fails at 5, before a completes.
      expectObservable(result).toBe(kind === 'mapAsyncPartitionedUnordered' ? '--y--#' : '-----#', undefined, new Error('inner failed'));
      expectSubscriptions(source.subscriptions).toBe('^----!');
      expectSubscriptions(inners.a.subscriptions).toBe('^----!');
      expectSubscriptions(inners.b.subscriptions).toBe('-^-!');
      expectSubscriptions(inners.c.subscriptions).toBe('--^--!');
    });
  });

  /**
   * Counts what a synchronous source produced, and stops it after 1e5 (by erroring it) so a regression
   * fails the count assertion quickly instead of looping for minutes.
   */
  const guard = <T>(counter: { produced: number }) =>
    tap<T>({
      next: () => {
        if (++counter.produced > 1e5) throw new Error('the synchronous source was not stopped by take(n)');
      },
    });

  it('synchronous firehose: range(0, 1e9) with take(3) returns at once', () => {
    let projected = 0;
    const values: number[] = [];
    const counter = { produced: 0 };
    range(0, 1e9)
      .pipe(
        guard(counter),
        op(
          kind,
          4,
          (x: number) => x % 7,
          (x: number) => (projected++, of(x)),
        ),
        take(3),
      )
      .subscribe((v) => values.push(v));
    expect(values).toEqual([0, 1, 2]);
    expect(projected).toBe(3);
    expect(counter.produced).toBe(3);
  });

  it('synchronous firehose from an endless hand-written source stops as well', () => {
    let produced = 0;
    const endless = new Observable<number>((subscriber) => {
      for (let i = 0; !subscriber.closed && i < 1e5; i++) {
        produced++;
        subscriber.next(i);
      }
    });
    const values: number[] = [];
    endless
      .pipe(
        op(
          kind,
          2,
          (x: number) => x,
          (x: number) => of(x, x),
        ),
        take(5),
      )
      .subscribe((v) => values.push(v));
    expect(values).toEqual([0, 0, 1, 1, 2]);
    expect(produced).toBeLessThanOrEqual(5);
  });

  it('synchronous infinite inner with take(3) returns, and the inner is stopped', () => {
    let produced = 0;
    const infinite = new Observable<number>((subscriber) => {
      for (let i = 0; !subscriber.closed && i < 1e5; i++) {
        produced++;
        subscriber.next(i);
      }
    });
    const values: number[] = [];
    of('only')
      .pipe(
        op(
          kind,
          2,
          (x: string) => x,
          () => infinite,
        ),
        take(3),
      )
      .subscribe((v) => values.push(v));
    expect(values).toEqual([0, 1, 2]);
    expect(produced).toBe(3);
    const fromRange: number[] = [];
    const outer = { produced: 0 };
    const inner = { produced: 0 };
    range(0, 1e9)
      .pipe(
        guard(outer),
        op(
          kind,
          4,
          (x: number) => x % 3,
          () => range(0, Infinity).pipe(guard(inner)),
        ),
        take(3),
      )
      .subscribe((v) => fromRange.push(v));
    expect(fromRange).toEqual([0, 1, 2]);
    expect(outer.produced).toBe(1);
    expect(inner.produced).toBe(3);
  });
});

describe.each(kinds)('%s — re-entrancy', (kind) => {
  it('keeps order and bounds when the downstream pushes into the source Subject during an emission (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.nat({ max: 2 }), { minLength: 1, maxLength: 12 }), // how many elements each output feeds back
        fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 1, maxLength: 40 }), // per-element latency (0 = synchronous inner)
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        (feedback, latencies, parallelism, initial) => {
          const input: number[] = [];
          const output: number[] = [];
          const violations: string[] = [];
          let admitted = 0;
          let ended = false;
          newScheduler().run(() => {
            const source = new Subject<number>();
            const push = (): void => {
              if (ended || input.length >= 40) return;
              const v = input.length;
              input.push(v);
              source.next(v);
            };
            const project = (v: number): Observable<number> => {
              if (kind === 'mapAsync') admitted++;
              const latency = latencies[v % latencies.length];
              return latency === 0 ? of(v) : timer(latency).pipe(map(() => v));
            };
            const key = (v: number): number => {
              admitted++;
              if (admitted - output.length > parallelism) violations.push(`${admitted - output.length} held at ${v}`);
              return v % 3;
            };
            source.pipe(op(kind, parallelism, key, project)).subscribe({
              next: (v) => {
                output.push(v);
                for (let k = 0; k < feedback[output.length % feedback.length]; k++) push();
                if (input.length >= 40 || output.length === input.length) {
                  ended = true;
                  source.complete();
                }
              },
            });
            for (let k = 0; k < initial; k++) push();
          });
          expect(violations).toEqual([]);
          expect(output.length).toBe(input.length); // every fed-back element came out (nothing lost)
          if (kind === 'mapAsyncPartitionedUnordered') {
            expect([...output].sort((a, b) => a - b)).toEqual(input);
            for (const k of [0, 1, 2]) {
              const ofKey = output.filter((v) => v % 3 === k);
              expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
            }
          } else expect(output).toEqual(input);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('stops at once when the downstream unsubscribes inside an emission of buffered results', () => {
    const source = new Subject<number>();
    const inners = [new Subject<number>(), new Subject<number>(), new Subject<number>()];
    const values: number[] = [];
    const subscription = source
      .pipe(
        op(
          kind,
          3,
          (v: number) => v,
          (v: number) => inners[v],
        ),
      )
      .subscribe((v) => {
        values.push(v);
        subscription.unsubscribe();
      });
    [0, 1, 2].forEach((v) => source.next(v));
    inners[2].next(2);
    inners[1].next(1);
    inners[0].next(0); // ordered: 0 streams directly; unordered: 2 was already emitted
    expect(values).toHaveLength(1);
    for (const inner of inners) expect(inner.observed).toBe(false);
    expect(source.observed).toBe(false);
  });
});

describe.each(kinds)('%s — no leaks', (kind) => {
  it('leaves no scheduled action behind after unsubscribe, error or completion', () => {
    const scheduler = newScheduler();
    const run = (ms: number[], failAt?: number) => {
      const source = from(ms.map((m, i) => ({ m, i })));
      return source.pipe(
        op(
          kind,
          3,
          (e) => e.i % 2,
          (e) =>
            e.i === failAt
              ? timer(e.m, scheduler).pipe(mergeMap(() => throwError(() => new Error('fail'))))
              : timer(e.m, scheduler).pipe(map(() => e.i)),
        ),
      );
    };
    // Unsubscribe while timers are pending.
    const subscription = run([100, 100, 100, 100]).subscribe();
    scheduler.maxFrames = 10;
    scheduler.flush();
    expect(scheduler.actions.length).toBeGreaterThan(0);
    subscription.unsubscribe();
    expect(scheduler.actions).toHaveLength(0);

    // Error: the failing inner's error tears down the other pending timers.
    const errors: unknown[] = [];
    run([100, 5, 100, 100], 1).subscribe({ error: (e) => errors.push(e) });
    scheduler.maxFrames = 20;
    scheduler.flush();
    expect(errors).toHaveLength(1);
    expect(scheduler.actions).toHaveLength(0);

    // Completion.
    const values: number[] = [];
    run([3, 1, 2, 1]).subscribe((v) => values.push(v));
    scheduler.maxFrames = Infinity;
    scheduler.flush();
    expect(values).toHaveLength(4);
    expect(scheduler.actions).toHaveLength(0);
  });

  /** How many of `refs` are collected, running full GCs (between macrotasks) until all are, at most 6 times. */
  async function collected(refs: WeakRef<object>[]): Promise<number> {
    let count = 0;
    for (let i = 0; i < 6 && count < refs.length; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc!();
      await new Promise((resolve) => setImmediate(resolve)); // WeakRefs clear after the current job
      count = refs.filter((r) => r.deref() === undefined).length;
    }
    return count;
  }

  itWithGc(
    'per-key state becomes garbage once a key has no held elements, while the subscription lives on (needs --expose-gc)',
    async () => {
      const refs: WeakRef<object>[] = [];
      const source = new Subject<{ key: object; n: number }>();
      const pending = new Subject<number>(); // one element that stays running to keep the subscription busy
      let completedCount = 0;
      let outputs = 0;
      const subscription = source
        .pipe(
          op(
            kind,
            4,
            (e) => e.key,
            (e) => (e.n === -1 ? pending : Promise.resolve(e.n)),
          ),
        )
        .subscribe({ next: () => outputs++, complete: () => completedCount++ });
      // The long-running element comes last so ordered output is not blocked behind it.
      (() => {
        for (let n = 0; n < 200; n++) {
          const key = {};
          refs.push(new WeakRef(key));
          source.next({ key, n });
          source.next({ key, n }); // a second element of the key waits for the first (a waiting queue is created)
        }
      })();
      for (let i = 0; i < 100 && outputs < 400; i++) await new Promise((resolve) => setImmediate(resolve));
      expect(outputs).toBe(400);
      source.next({ key: {}, n: -1 });
      expect(await collected(refs)).toBe(refs.length);
      expect(subscription.closed).toBe(false);
      expect(completedCount).toBe(0);
      subscription.unsubscribe();
    },
  );

  itWithGc('after completion, the subscription still held by the caller retains no key, value or result (needs --expose-gc)', async () => {
    const refs: WeakRef<object>[] = [];
    let results = 0;
    const subscription = await (async () => {
      const elements = Array.from({ length: 300 }, (_, n) => {
        const key = {};
        const value = { key, n };
        refs.push(new WeakRef(key), new WeakRef(value));
        return value;
      });
      let resolveDone!: () => void;
      const done = new Promise<void>((resolve) => (resolveDone = resolve));
      const sub = from(elements)
        .pipe(
          op(
            kind,
            8,
            (e) => e.key,
            (e) => {
              const result = { n: e.n };
              refs.push(new WeakRef(result));
              return Promise.resolve(result);
            },
          ),
        )
        .subscribe({ next: () => results++, complete: resolveDone });
      await done;
      return sub;
    })();
    expect(results).toBe(300);
    expect(subscription.closed).toBe(true);
    expect(await collected(refs)).toBe(refs.length);
  });
});
