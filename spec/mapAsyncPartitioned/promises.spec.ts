/**
 * Promise-returning projects. TestScheduler cannot drive Promises, so these are async tests; fast-check's
 * `fc.scheduler()` decides the order in which the scheduled Promises resolve (and when each source
 * element arrives), and shrinks a failing order to a minimal one.
 *
 * Every task the scheduler releases goes through `act`, which then lets all microtasks run (a macrotask
 * turn) before checking invariants: at that point the operator has handled the resolution completely, so
 * the checks are exact — the operator holds `min(arrived, left + parallelism)` elements and every key
 * with a waiting element runs `perKey` inners.
 */
import fc from 'fast-check';
import { from, Subject, take, type OperatorFunction, type Subscription } from 'rxjs';
import { mapAsync } from '../../src/mapAsync';
import { mapAsyncPartitioned } from '../../src/mapAsyncPartitioned';
import { mapAsyncPartitionedUnordered } from '../../src/mapAsyncPartitionedUnordered';
import type { ProjectContext } from '../../src/index';

type Kind = 'ordered' | 'unordered' | 'mapAsync';

interface El {
  i: number;
  key: number;
}

const macrotask = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

interface Scenario {
  kind: Kind;
  keys: number[];
  parallelism: number;
  perKey: number;
  /** Deliver the source in one synchronous burst, or one element per scheduled task. */
  burst: boolean;
  /** Index of the element whose Promise rejects, if any. */
  rejecting: number | undefined;
  /** Unsubscribe after this many released tasks, if set. */
  unsubscribeAfter: number | undefined;
}

const scenarioArb = (opts: { rejecting?: boolean; unsubscribe?: boolean } = {}): fc.Arbitrary<Scenario> =>
  fc
    .record({
      kind: fc.constantFrom<Kind>('ordered', 'unordered', 'mapAsync'),
      keys: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: opts.rejecting ? 1 : 0, maxLength: 20 }),
      parallelism: fc.integer({ min: 1, max: 5 }),
      ppSeed: fc.integer({ min: 1, max: 4 }),
      burst: fc.boolean(),
      rejectSeed: fc.nat(),
      unsubscribeAfter: fc.nat({ max: 25 }),
    })
    .map((r) => ({
      kind: r.kind,
      keys: r.keys,
      parallelism: r.parallelism,
      perKey: r.parallelism === 1 ? 1 : 1 + ((r.ppSeed - 1) % (r.parallelism - 1)),
      burst: r.burst,
      rejecting: opts.rejecting ? r.rejectSeed % r.keys.length : undefined,
      unsubscribeAfter: opts.unsubscribe ? r.unsubscribeAfter : undefined,
    }));

interface Outcome {
  outputs: string[];
  /** Index into `outputs` at which the error arrived (outputs.length at that time). */
  errorAfter: number | undefined;
  error: unknown;
  completed: boolean;
  violations: string[];
  signals: Map<number, AbortSignal>;
  /** Elements whose Promise settled (resolved or rejected) before the output ended. */
  settled: Set<number>;
  startOrder: number[];
  resolvedOrder: number[];
  /** Elements started after the output ended (must be none). */
  startedAfterEnd: number[];
  /** `resolvedOrder` as it was when the output ended (error, completion or unsubscribe). */
  settledAtEnd: number[];
  els: El[];
}

async function runScenario(s: fc.Scheduler, sc: Scenario): Promise<Outcome> {
  const els: El[] = sc.keys.map((key, i) => ({ i, key }));
  const P = sc.parallelism;
  const partitioned = sc.kind !== 'mapAsync';
  const pp = partitioned ? sc.perKey : Infinity;
  const out: Outcome = {
    outputs: [],
    errorAfter: undefined,
    error: undefined,
    completed: false,
    violations: [],
    signals: new Map(),
    settled: new Set(),
    startOrder: [],
    resolvedOrder: [],
    startedAfterEnd: [],
    settledAtEnd: [],
    els,
  };
  let arrived = 0;
  const admitted = new Set<number>();
  const started = new Set<number>();
  const runningPerKey = new Map<number, number>();
  let ended = false;
  const end = (): void => {
    ended = true;
    out.settledAtEnd = [...out.resolvedOrder];
  };

  const leftCount = (): number => {
    if (sc.kind === 'unordered') return out.settled.size;
    let n = 0;
    while (n < els.length && out.settled.has(n)) n++;
    return n;
  };

  const onAdmit = (el: El): void => {
    admitted.add(el.i);
    if (admitted.size - leftCount() > P) out.violations.push(`${admitted.size - leftCount()} held after admitting ${el.i}`);
  };

  const project = (el: El, keyOrIndex: number, context: ProjectContext): Promise<string> => {
    if (ended) out.startedAfterEnd.push(el.i);
    if (keyOrIndex !== (partitioned ? el.key : el.i)) out.violations.push(`project(${el.i}) got ${keyOrIndex}`);
    out.signals.set(el.i, context.signal);
    out.startOrder.push(el.i);
    started.add(el.i);
    const running = (runningPerKey.get(el.key) ?? 0) + 1;
    runningPerKey.set(el.key, running);
    if (running > pp) out.violations.push(`${running} running for key ${el.key}`);
    const work = el.i === sc.rejecting ? Promise.reject(new Error(`boom ${el.i}`)) : Promise.resolve(`r${el.i}`);
    const settle = (): void => {
      runningPerKey.set(el.key, runningPerKey.get(el.key)! - 1);
      out.settled.add(el.i);
      out.resolvedOrder.push(el.i);
    };
    return s.schedule(work, `element ${el.i} (key ${el.key})`).then(
      (value) => {
        settle();
        return value;
      },
      (error: unknown) => {
        settle();
        throw error;
      },
    );
  };

  const keyOf = (el: El): number => {
    onAdmit(el);
    return el.key;
  };
  const op: OperatorFunction<El, string> =
    sc.kind === 'ordered'
      ? mapAsyncPartitioned(P, sc.perKey, keyOf, project)
      : sc.kind === 'unordered'
        ? mapAsyncPartitionedUnordered({ parallelism: P, perKey: sc.perKey, key: keyOf, project })
        : mapAsync(P, (el: El, index: number, context: ProjectContext) => {
            onAdmit(el);
            return project(el, index, context);
          });

  const source = new Subject<El>();
  let released = 0;
  let subscription: Subscription | undefined;

  const check = (): void => {
    if (ended) return;
    const expected = Math.min(arrived, leftCount() + P);
    if (admitted.size !== expected) out.violations.push(`admitted ${admitted.size}, expected min(${arrived}, ${leftCount()} + ${P})`);
    if (partitioned) {
      for (const el of els) {
        if (admitted.has(el.i) && !started.has(el.i) && (runningPerKey.get(el.key) ?? 0) !== pp) {
          out.violations.push(`element ${el.i} waits while key ${el.key} runs ${runningPerKey.get(el.key) ?? 0} < ${pp}`);
        }
      }
    } else if (started.size !== admitted.size) out.violations.push('mapAsync admitted an element without starting it');
  };

  const act = async (release: () => Promise<void>): Promise<void> => {
    await release().catch(() => undefined);
    await macrotask();
    check();
    released++;
    if (sc.unsubscribeAfter !== undefined && released === sc.unsubscribeAfter && !ended) {
      end();
      subscription!.unsubscribe();
    }
  };

  subscription = source.pipe(op).subscribe({
    next: (value) => {
      if (ended) out.violations.push(`emitted ${value} after the end`);
      out.outputs.push(value);
    },
    error: (error: unknown) => {
      out.error = error;
      out.errorAfter = out.outputs.length;
      end();
    },
    complete: () => {
      out.completed = true;
      end();
    },
  });

  if (sc.burst) {
    for (const el of els) {
      arrived++;
      source.next(el);
    }
    source.complete();
    check();
  } else {
    s.scheduleSequence(
      [
        ...els.map((el) => ({
          label: `arrival of ${el.i} (key ${el.key})`,
          builder: async () => {
            arrived++;
            source.next(el);
          },
        })),
        { label: 'source completes', builder: async () => source.complete() },
      ],
      act,
    );
  }
  await s.waitIdle(act);
  return out;
}

describe('Promise projects, with resolution order permuted by fc.scheduler()', () => {
  it('keep output order (ordered) or resolution order (unordered), both bounds, per-key start order, and complete', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scenarioArb(), async (s, sc) => {
        const out = await runScenario(s, sc);
        expect(out.violations).toEqual([]);
        expect(out.error).toBeUndefined();
        expect(out.completed).toBe(true);
        const n = sc.keys.length;
        if (sc.kind === 'unordered') expect(out.outputs).toEqual(out.resolvedOrder.map((i) => `r${i}`));
        else expect(out.outputs).toEqual(out.els.map((el) => `r${el.i}`));
        expect(out.startOrder).toHaveLength(n);
        // Within a key, project is called in arrival order.
        for (const key of new Set(sc.keys)) {
          const ofKey = out.startOrder.filter((i) => out.els[i].key === key);
          expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
        }
        // Work that completed is never aborted.
        for (const signal of out.signals.values()) expect(signal.aborted).toBe(false);
      }),
      { numRuns: 150 },
    );
  });

  it('per-key exclusivity with perKey 1: no two Promises of one key pending at once', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.scheduler(),
        scenarioArb().map((sc) => ({ ...sc, kind: 'ordered' as const, perKey: 1 })),
        async (s, sc) => {
          const out = await runScenario(s, sc);
          expect(out.violations).toEqual([]);
          expect(out.completed).toBe(true);
          // With one Promise per key at a time, each key's elements resolve in arrival order.
          for (const key of new Set(sc.keys)) {
            const ofKey = out.resolvedOrder.filter((i) => out.els[i].key === key);
            expect(ofKey).toEqual([...ofKey].sort((a, b) => a - b));
          }
        },
      ),
      { numRuns: 100 },
    );
  });

  it('a rejection fails the output at once, even with earlier results pending; signals of unfinished work are aborted, finished work is not', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scenarioArb({ rejecting: true }), async (s, sc) => {
        const out = await runScenario(s, sc);
        expect(out.violations).toEqual([]);
        expect(out.completed).toBe(false);
        expect(out.error).toEqual(new Error(`boom ${sc.rejecting}`));
        // "At once": the error arrived in the same act as the rejection, so no element settled after it
        // was noticed (the rejecting one is the last settled before the output ended).
        expect(out.settledAtEnd[out.settledAtEnd.length - 1]).toBe(sc.rejecting);
        // Nothing of the rejecting element or later was emitted (ordered); nothing started after the end.
        if (sc.kind !== 'unordered') expect(out.outputs).toEqual(out.els.slice(0, out.errorAfter).map((el) => `r${el.i}`));
        expect(out.outputs).not.toContain(`r${sc.rejecting}`);
        expect(out.startedAfterEnd).toEqual([]);
        for (const [i, signal] of out.signals) {
          // Settled work (including the rejected one) is not aborted; everything else that started is.
          const settledBeforeEnd = out.settledAtEnd.includes(i);
          expect({ element: i, aborted: signal.aborted }).toEqual({ element: i, aborted: !settledBeforeEnd });
        }
      }),
      { numRuns: 150 },
    );
  });

  it('early unsubscribe aborts the signal of every started, unsettled Promise and of nothing else', async () => {
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), scenarioArb({ unsubscribe: true }), async (s, sc) => {
        const out = await runScenario(s, sc);
        expect(out.violations).toEqual([]);
        expect(out.startedAfterEnd).toEqual([]);
        if (out.completed) return; // the stream finished before the unsubscribe point
        const settledAtEnd = new Set(out.settledAtEnd);
        for (const [i, signal] of out.signals) {
          expect({ element: i, aborted: signal.aborted }).toEqual({ element: i, aborted: !settledAtEnd.has(i) });
        }
      }),
      { numRuns: 150 },
    );
  });
});

describe('Promise projects — specific cases', () => {
  /** A Promise resolved from outside. */
  function deferred<T>(): { promise: Promise<T>; resolve: (v: T) => void; reject: (e: unknown) => void } {
    let resolve!: (v: T) => void;
    let reject!: (e: unknown) => void;
    const promise = new Promise<T>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    return { promise, resolve, reject };
  }

  it('errors at once when a later element rejects while the head is pending, and ignores the head resolving afterwards', async () => {
    const d = [deferred<string>(), deferred<string>(), deferred<string>()];
    const signals: AbortSignal[] = [];
    const events: string[] = [];
    from([0, 1, 2])
      .pipe(
        mapAsyncPartitioned(
          3,
          1,
          (x) => x,
          (x, _key, { signal }) => {
            signals[x] = signal;
            return d[x].promise;
          },
        ),
      )
      .subscribe({
        next: (v) => events.push(`next ${v}`),
        error: (e: Error) => events.push(`error ${e.message}`),
        complete: () => events.push('complete'),
      });
    d[1].resolve('one');
    d[2].reject(new Error('two failed'));
    await macrotask();
    expect(events).toEqual(['error two failed']);
    expect(signals.map((s) => s.aborted)).toEqual([true, false, false]);
    d[0].resolve('zero');
    await macrotask();
    expect(events).toEqual(['error two failed']);
  });

  it('aborts the signal of pending work on unsubscribe, not of work that already resolved (even if not yet emitted)', async () => {
    const d = [deferred<number>(), deferred<number>(), deferred<number>()];
    const signals: AbortSignal[] = [];
    const values: number[] = [];
    const subscription = from([0, 1, 2])
      .pipe(mapAsync(3, (x: number, _i, { signal }) => ((signals[x] = signal), d[x].promise)))
      .subscribe((v) => values.push(v));
    d[1].resolve(1); // resolved, waiting behind 0
    await macrotask();
    subscription.unsubscribe();
    expect(values).toEqual([]);
    expect(signals.map((s) => s.aborted)).toEqual([true, false, true]);
  });

  it('does not abort a resolved Promise’s signal when the downstream unsubscribes on its value (take(1))', async () => {
    const signals: AbortSignal[] = [];
    const values: number[] = [];
    from([1, 2])
      .pipe(
        mapAsyncPartitioned(
          2,
          1,
          (x) => x,
          async (x, _key, { signal }) => {
            signals.push(signal);
            return x;
          },
        ),
        take(1),
      )
      .subscribe((v) => values.push(v));
    await macrotask();
    expect(values).toEqual([1]);
    // Element 1's work completed (its Promise resolved) before the unsubscribe: it must not be aborted.
    expect(signals[0].aborted).toBe(false);
  });

  it('accepts project written as (value, partition) => Promise, and mapAsync project as (value) => Promise', async () => {
    const seen: [number, string][] = [];
    const partitioned = await new Promise<number[]>((resolve, reject) => {
      const out: number[] = [];
      from([1, 2, 3, 4])
        .pipe(
          mapAsyncPartitioned(
            3,
            1,
            (x: number) => (x % 2 ? 'odd' : 'even'),
            (value: number, partition: string) => {
              seen.push([value, partition]);
              return Promise.resolve(value * 10);
            },
          ),
        )
        .subscribe({ next: (v) => out.push(v), error: reject, complete: () => resolve(out) });
    });
    expect(partitioned).toEqual([10, 20, 30, 40]);
    expect(seen).toEqual([
      [1, 'odd'],
      [2, 'even'],
      [3, 'odd'],
      [4, 'even'],
    ]);
    const unordered: number[] = [];
    await new Promise<void>((resolve) =>
      from([1, 2])
        .pipe(
          mapAsyncPartitionedUnordered(
            2,
            1,
            (x: number) => x,
            (value: number) => Promise.resolve(`${value}`),
          ),
        )
        .subscribe({ next: (v) => unordered.push(Number(v)), complete: resolve }),
    );
    expect(unordered.sort()).toEqual([1, 2]);
    const plain = await new Promise<string[]>((resolve) => {
      const out: string[] = [];
      from(['a', 'b'])
        .pipe(mapAsync(2, async (value: string) => value.toUpperCase()))
        .subscribe({ next: (v) => out.push(v), complete: () => resolve(out) });
    });
    expect(plain).toEqual(['A', 'B']);
  });

  it('emits null and undefined Promise results like any value, and accepts non-Promise thenables', async () => {
    const thenable = <T>(value: T): PromiseLike<T> => ({
      then: (onResolved) => Promise.resolve(onResolved ? onResolved(value) : value) as never,
    });
    const out: unknown[] = [];
    await new Promise<void>((resolve, reject) =>
      from([0, 1, 2])
        .pipe(mapAsync(2, (x: number) => (x === 0 ? Promise.resolve(null) : x === 1 ? Promise.resolve(undefined) : thenable('t'))))
        .subscribe({ next: (v) => out.push(v), error: reject, complete: resolve }),
    );
    expect(out).toEqual([null, undefined, 't']);
  });
});
