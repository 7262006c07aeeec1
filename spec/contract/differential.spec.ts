/**
 * Differential tests against RxJS where the operators guide (docs/guides/operators.md) states an equivalence:
 *
 * - `mapAsync(1, f)` ≈ `concatMap(f)`, and so are `mapAsyncPartitioned(1, 1, key, f)` and
 *   `mapAsyncPartitionedUnordered(n, 1, () => k, f)` (one key: one inner at a time);
 * - `mapAsyncPartitionedUnordered(n, 1, uniqueKey, f)` ≈ `mergeMap(f, n)`.
 *
 * Random scenarios in virtual time (source timing, completion or error; per-element inners that emit
 * 0..n values, synchronously or later, then complete or error; an early unsubscription) are run through
 * both, and everything observable is logged with its frame: the output's notifications, every inner's
 * subscription and teardown (in call order: finalization order included), the source's teardown. The
 * logs must be equal.
 */
import fc from 'fast-check';
import { concatMap, mergeMap, Observable, Subject, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { mapAsync, mapAsyncPartitioned, mapAsyncPartitionedUnordered } from '../../src/index';
import { framesOf, Inners, timedSource } from './support';

// Property runs take seconds on an idle machine; the default 5 s timeout is too short under load.
jest.setTimeout(60_000);

interface InnerSpec {
  /** Frames after subscription at which values are emitted (0 = synchronously, while subscribed). */
  offsets: number[];
  /** Frames after subscription at which it completes or errors (≥ every offset). */
  latency: number;
  fails: boolean;
}

interface Scenario {
  gaps: number[];
  inners: InnerSpec[];
  /** The source ends this many frames after its last element: completes, errors, or (null) never ends. */
  end: { after: number; fails: boolean } | null;
  unsubscribeAt: number | null;
  parallelism: number;
}

const innerArb: fc.Arbitrary<InnerSpec> = fc
  .record({
    offsets: fc.array(fc.nat({ max: 4 }), { maxLength: 3 }),
    latency: fc.nat({ max: 5 }),
    fails: fc.nat({ max: 9 }).map((n) => n < 2),
  })
  .map((s) => ({ ...s, offsets: s.offsets.map((o) => Math.min(o, s.latency)).sort((a, b) => a - b) }));

const scenarioArb: fc.Arbitrary<Scenario> = fc.integer({ min: 0, max: 10 }).chain((n) =>
  fc.record({
    gaps: fc.array(fc.nat({ max: 3 }), { minLength: n, maxLength: n }),
    inners: fc.array(innerArb, { minLength: n, maxLength: n }),
    end: fc.option(fc.record({ after: fc.nat({ max: 4 }), fails: fc.boolean() }), { freq: 4 }),
    unsubscribeAt: fc.option(fc.nat({ max: 30 }), { freq: 2 }),
    parallelism: fc.integer({ min: 1, max: 4 }),
  }),
);

/** An inner that follows `spec`, logging through `inners` under name `i`. */
function innerOf(i: number, spec: InnerSpec, inners: Inners, scheduler: SchedulerLike): Observable<string> {
  return inners.make<string>(`${i}`, (subscriber) => {
    const events: [number, () => void][] = spec.offsets.map((at, k) => [at, () => subscriber.next(`${i}.${k}`)]);
    events.push([spec.latency, () => (spec.fails ? subscriber.error(`fail ${i}`) : subscriber.complete())]);
    for (const [at, run] of events) {
      if (subscriber.closed) return;
      if (at === 0) run();
      else subscriber.add(scheduler.schedule(run, at));
    }
  });
}

type OperatorOf = (project: (i: number) => Observable<string>) => OperatorFunction<number, string>;

/** Runs `scenario` through `operator` in virtual time and returns the log of everything observable. */
function logOf(scenario: Scenario, operator: OperatorOf): string[] {
  const scheduler = new TestScheduler(() => {});
  const log: string[] = [];
  scheduler.run(() => {
    const now = () => scheduler.now();
    const inners = new Inners(now);
    const frames = framesOf(scenario.gaps);
    const last = frames.length === 0 ? 0 : frames[frames.length - 1]!;
    let source: Observable<number> = timedSource(frames, scheduler, scenario.end === null ? 1e9 : last + scenario.end.after, () =>
      inners.record('source torn down'),
    );
    if (scenario.end?.fails) {
      const failAt = last + scenario.end.after;
      const timed = source;
      source = new Observable<number>((subscriber) => {
        subscriber.add(timed.subscribe({ next: (v) => subscriber.next(v), error: (e) => subscriber.error(e) }));
        subscriber.add(scheduler.schedule(() => subscriber.error('source failed'), failAt));
      });
    }
    const subscription = source.pipe(operator((i) => innerOf(i, scenario.inners[i]!, inners, scheduler))).subscribe({
      next: (v) => inners.record(`next ${v}`),
      error: (e) => inners.record(`error ${String(e)}`),
      complete: () => inners.record('complete'),
    });
    if (scenario.unsubscribeAt !== null) {
      scheduler.schedule(() => {
        inners.record('unsubscribe');
        subscription.unsubscribe();
      }, scenario.unsubscribeAt);
    }
    scheduler.schedule(() => subscription.unsubscribe(), 200); // a source that never ends
    scheduler.flush();
    log.push(...inners.log);
  });
  return log;
}

describe('differential: the stated equivalences with RxJS, logged frame by frame', () => {
  it('mapAsync(1, f) ≈ concatMap(f)', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        expect(logOf(scenario, (f) => mapAsync(1, f))).toEqual(logOf(scenario, (f) => concatMap(f)));
      }),
      { numRuns: 400 },
    );
  });

  it('mapAsyncPartitioned(1, 1, key, f) ≈ concatMap(f), and so is mapAsyncPartitionedUnordered(n, 1, oneKey, f) at any n', () => {
    // Not the ordered operator at n > 1: it starts a key's next element before the completed one leaves
    // (eager start), so a synchronous inner that emits and then errors loses its value to the error.
    fc.assert(
      fc.property(scenarioArb, fc.boolean(), (scenario, ordered) => {
        const ours: OperatorOf = ordered
          ? (f) => mapAsyncPartitioned(1, 1, (i: number) => i % 3, f)
          : (f) => mapAsyncPartitionedUnordered(scenario.parallelism + 1, 1, () => 'one', f);
        expect(logOf(scenario, ours)).toEqual(logOf(scenario, (f) => concatMap(f)));
      }),
      { numRuns: 300 },
    );
  });

  it('mapAsyncPartitionedUnordered(n, 1, uniqueKey, f) ≈ mergeMap(f, n)', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const n = scenario.parallelism;
        expect(logOf(scenario, (f) => mapAsyncPartitionedUnordered(n, 1, (i: number) => i, f))).toEqual(
          logOf(scenario, (f) => mergeMap(f, n)),
        );
      }),
      { numRuns: 400 },
    );
  });

  it('the harness sees what it should: a known scenario logs subscription, values, teardown and completion', () => {
    const scenario: Scenario = {
      gaps: [0, 1],
      inners: [
        { offsets: [1], latency: 2, fails: false },
        { offsets: [0], latency: 0, fails: false },
      ],
      end: { after: 0, fails: false },
      unsubscribeAt: null,
      parallelism: 1,
    };
    expect(logOf(scenario, (f) => concatMap(f))).toEqual([
      '0 sub 0',
      '1 next 0.0',
      '1 source torn down', // it completed at its last element's frame
      '2 fin 0',
      '2 sub 1',
      '2 next 1.0',
      '2 fin 1',
      '2 complete',
    ]);
  });
});

describe('differential: re-entrancy (a downstream that pushes into the source)', () => {
  /** Each output value `i.k` makes the downstream push `feedback[i]` new elements into the source Subject. */
  function reentrantLog(operator: OperatorOf, inners: InnerSpec[], feedback: number[], initial: number): string[] {
    const scheduler = new TestScheduler(() => {});
    const log: string[] = [];
    scheduler.run(() => {
      const tracker = new Inners(() => scheduler.now());
      const source = new Subject<number>();
      let next = 0;
      const push = (count: number) => {
        for (let k = 0; k < count && next < inners.length; k++) {
          tracker.record(`push ${next}`);
          source.next(next++);
        }
      };
      source.pipe(operator((i) => innerOf(i, inners[i]!, tracker, scheduler))).subscribe({
        next: (v) => {
          tracker.record(`next ${v}`);
          push(feedback[Number(v.split('.')[0])] ?? 0);
        },
        error: (e) => tracker.record(`error ${String(e)}`),
      });
      push(initial);
      scheduler.flush();
      log.push(...tracker.log);
    });
    return log;
  }

  const asyncInner = innerArb.filter((s) => s.latency > 0 && s.offsets.every((o) => o > 0));

  it('with asynchronous inners, re-entrant pushes run exactly as with mergeMap / concatMap', () => {
    fc.assert(
      fc.property(
        fc.array(asyncInner, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat({ max: 2 }), { minLength: 12, maxLength: 12 }),
        fc.integer({ min: 1, max: 3 }),
        fc.integer({ min: 1, max: 3 }),
        (inners, feedback, initial, n) => {
          expect(reentrantLog((f) => mapAsyncPartitionedUnordered(n, 1, (i: number) => i, f), inners, feedback, initial)).toEqual(
            reentrantLog((f) => mergeMap(f, n), inners, feedback, initial),
          );
          expect(reentrantLog((f) => mapAsync(1, f), inners, feedback, initial)).toEqual(
            reentrantLog((f) => concatMap(f), inners, feedback, initial),
          );
        },
      ),
      { numRuns: 300 },
    );
  });

  it('with a synchronous inner, a value pushed during its emission starts after that call returns (mergeMap starts it inside)', () => {
    const inners: InnerSpec[] = [0, 1, 2].map(() => ({ offsets: [0], latency: 0, fails: false }));
    const feedback = [1, 1, 0]; // 0's value pushes 1, 1's value pushes 2
    const reference = reentrantLog((f) => mergeMap(f, 3), inners, feedback, 1);
    const ours = reentrantLog((f) => mapAsyncPartitionedUnordered(3, 1, (i: number) => i, f), inners, feedback, 1);
    // mergeMap: 1 is subscribed inside the emission of 0.0, before 0 is finalized.
    expect(reference).toEqual([
      '0 push 0',
      '0 sub 0',
      '0 next 0.0',
      '0 push 1',
      '0 sub 1',
      '0 next 1.0',
      '0 push 2',
      '0 sub 2',
      '0 next 2.0',
      '0 fin 2',
      '0 fin 1',
      '0 fin 0',
    ]);
    // The pack: the same values, nothing lost; 1 starts once 0's subscribe call has returned.
    expect(ours).toEqual([
      '0 push 0',
      '0 sub 0',
      '0 next 0.0',
      '0 push 1',
      '0 fin 0',
      '0 sub 1',
      '0 next 1.0',
      '0 push 2',
      '0 fin 1',
      '0 sub 2',
      '0 next 2.0',
      '0 fin 2',
    ]);
  });
});
