/**
 * Property tests in virtual time: random keys, arrival times, latencies, emission counts, parallelism and
 * perKey. Every inner is a scheduler-driven Observable, so a scenario is fully deterministic, and
 * every state change is logged with its virtual time and a global sequence number.
 *
 * Besides checking the output against what the logs say it must be (value, order and time of every
 * emission, time of completion), the harness checks invariants at every *quiescent point*: the end of
 * each scheduled action (a source burst, an inner emission or completion), when the operator has finished
 * all its synchronous work. At those points the operator must hold exactly `min(arrived, left +
 * parallelism)` elements (bound + work conservation: one admitted per element that leaves), and every
 * key with a waiting element must be running `perKey` inners (eager start).
 */
import fc from 'fast-check';
import { Observable, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { mapAsync } from '../../src/mapAsync';
import { mapAsyncPartitioned } from '../../src/mapAsyncPartitioned';
import { mapAsyncPartitionedUnordered } from '../../src/mapAsyncPartitionedUnordered';

type Kind = 'ordered' | 'unordered' | 'mapAsync';

interface ElementSpec {
  key: number;
  /** Frames after the previous arrival; 0 = same synchronous burst. */
  gap: number;
  /** The inner emits and completes synchronously, during subscribe. */
  sync: boolean;
  /** Frames from start to completion (async inners). */
  latency: number;
  /** Frames from start of each emitted value (≤ latency, sorted). */
  offsets: number[];
  /** This element's inner errors at `latency` instead of completing. */
  fails?: boolean;
}

interface Scenario {
  elements: ElementSpec[];
  parallelism: number;
  perKey: number;
  /** Frames between the last arrival and the source's completion. */
  completeGap: number;
}

interface El {
  i: number;
  key: number;
  spec: ElementSpec;
}

const elementArb: fc.Arbitrary<ElementSpec> = fc
  .record({
    key: fc.integer({ min: 0, max: 4 }),
    gap: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 6 })),
    sync: fc.oneof({ weight: 1, arbitrary: fc.constant(true) }, { weight: 5, arbitrary: fc.constant(false) }),
    latency: fc.integer({ min: 0, max: 12 }),
    offsets: fc.array(fc.integer({ min: 0, max: 12 }), { maxLength: 3 }),
  })
  .map((e) => ({ ...e, offsets: e.offsets.map((o) => Math.min(o, e.latency)).sort((a, b) => a - b) }));

const scenarioArb: fc.Arbitrary<Scenario> = fc
  .record({
    elements: fc.array(elementArb, { maxLength: 30 }),
    parallelism: fc.integer({ min: 1, max: 6 }),
    perKeySeed: fc.integer({ min: 1, max: 5 }),
    completeGap: fc.integer({ min: 0, max: 5 }),
  })
  .map(({ elements, parallelism, perKeySeed, completeGap }) => ({
    elements,
    parallelism,
    perKey: parallelism === 1 ? 1 : 1 + ((perKeySeed - 1) % (parallelism - 1)),
    completeGap,
  }));

interface Log {
  seq: number;
  t: number;
}

interface Run {
  scenario: Scenario;
  els: El[];
  arrive: Map<number, Log>;
  admit: Map<number, Log>;
  start: Map<number, Log>;
  /** i -> emissions of its inner (value, time, seq) in emission order. */
  emits: Map<number, (Log & { value: string })[]>;
  complete: Map<number, Log>;
  innerError: Map<number, Log>;
  /** Order in which project was called. */
  startOrder: number[];
  outputs: (Log & { value: string })[];
  completedAt: number | undefined;
  error: { error: unknown; at: Log } | undefined;
  sourceCompleteAt: number;
  violations: string[];
  /** Inner subscriptions still open after the run. */
  liveInners: number;
  /** Whether the source was still subscribed after the run. */
  sourceLive: boolean;
  /** Actions left on the scheduler after the run. */
  actionsLeft: number;
  indexSeen: Map<number, unknown>;
}

function operatorFor(
  kind: Kind,
  s: Scenario,
  project: (el: El, keyOrIndex: unknown) => Observable<string>,
  onAdmit: (el: El) => void,
): OperatorFunction<El, string> {
  const keyOf = (el: El): number => {
    onAdmit(el);
    return el.key;
  };
  switch (kind) {
    case 'ordered':
      return mapAsyncPartitioned(s.parallelism, s.perKey, keyOf, (el: El, key: number) => project(el, key));
    case 'unordered':
      return mapAsyncPartitionedUnordered({
        parallelism: s.parallelism,
        perKey: s.perKey,
        key: keyOf,
        project: (el: El, key: number) => project(el, key),
      });
    case 'mapAsync':
      return mapAsync(s.parallelism, (el: El, index: number) => {
        onAdmit(el); // mapAsync starts every element at admission
        return project(el, index);
      });
  }
}

function simulate(kind: Kind, scenario: Scenario): Run {
  const scheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
  const els: El[] = scenario.elements.map((spec, i) => ({ i, key: spec.key, spec }));
  let seq = 0;
  const run: Run = {
    scenario,
    els,
    arrive: new Map(),
    admit: new Map(),
    start: new Map(),
    emits: new Map(),
    complete: new Map(),
    innerError: new Map(),
    startOrder: [],
    outputs: [],
    completedAt: undefined,
    error: undefined,
    sourceCompleteAt: -1,
    violations: [],
    liveInners: 0,
    sourceLive: false,
    actionsLeft: -1,
    indexSeen: new Map(),
  };
  const stamp = (): Log => ({ seq: seq++, t: scheduler.now() });
  const P = scenario.parallelism;
  const partitioned = kind !== 'mapAsync';
  const perKey = partitioned ? scenario.perKey : Infinity;
  const runningPerKey = new Map<number, number>();
  const admittedPerKey = new Map<number, number>();
  const startedPerKey = new Map<number, number>();
  let liveInners = 0;
  let sourceLive = false;

  /** Elements that have left the operator according to the logs. */
  const leftCount = (): number => {
    if (kind === 'unordered') return run.complete.size;
    let n = 0;
    while (n < els.length && run.complete.has(n)) n++;
    return n;
  };

  const checkQuiescent = (): void => {
    if (run.error !== undefined || run.completedAt !== undefined) return;
    const arrived = run.arrive.size;
    const expectedAdmitted = Math.min(arrived, leftCount() + P);
    if (run.admit.size !== expectedAdmitted) {
      run.violations.push(`t=${scheduler.now()}: admitted ${run.admit.size}, expected min(arrived ${arrived}, left ${leftCount()} + ${P})`);
    }
    if (partitioned) {
      for (const [key, admitted] of admittedPerKey) {
        const started = startedPerKey.get(key) ?? 0;
        const running = runningPerKey.get(key) ?? 0;
        if (admitted > started && running !== perKey) {
          run.violations.push(
            `t=${scheduler.now()}: key ${key} has ${admitted - started} waiting but only ${running} running (perKey ${perKey})`,
          );
        }
      }
    }
  };

  /** Runs one scheduled action; the operator is quiescent when it returns. */
  const action = (work: () => void) => () => {
    work();
    checkQuiescent();
  };

  const onAdmit = (el: El): void => {
    run.admit.set(el.i, stamp());
    admittedPerKey.set(el.key, (admittedPerKey.get(el.key) ?? 0) + 1);
    const held = run.admit.size - leftCount();
    if (held > P) run.violations.push(`t=${scheduler.now()}: ${held} elements held after admitting ${el.i} (parallelism ${P})`);
    if (!run.arrive.has(el.i)) run.violations.push(`element ${el.i} admitted before it arrived`);
  };

  const project = (el: El, keyOrIndex: unknown): Observable<string> => {
    run.indexSeen.set(el.i, keyOrIndex);
    if (run.start.has(el.i)) run.violations.push(`project called twice for ${el.i}`);
    run.start.set(el.i, stamp());
    run.startOrder.push(el.i);
    const running = (runningPerKey.get(el.key) ?? 0) + 1;
    runningPerKey.set(el.key, running);
    startedPerKey.set(el.key, (startedPerKey.get(el.key) ?? 0) + 1);
    if (running > perKey) run.violations.push(`t=${scheduler.now()}: ${running} inners of key ${el.key} running (perKey ${perKey})`);
    if (!run.admit.has(el.i)) run.violations.push(`element ${el.i} started before it was admitted`);

    const spec = el.spec;
    const emit = (subscriber: { next: (v: string) => void }, j: number): void => {
      const value = `${el.i}:${j}`;
      const list = run.emits.get(el.i) ?? [];
      list.push({ ...stamp(), value });
      run.emits.set(el.i, list);
      subscriber.next(value);
    };
    const finish = (subscriber: { complete: () => void; error: (e: unknown) => void }): void => {
      // Logged (and the running count dropped) *before* the operator hears of it: a waiting element of
      // the key may start inside the complete call.
      runningPerKey.set(el.key, (runningPerKey.get(el.key) ?? 0) - 1);
      if (spec.fails) {
        run.innerError.set(el.i, stamp());
        subscriber.error(new Error(`inner ${el.i} failed`));
      } else {
        run.complete.set(el.i, stamp());
        subscriber.complete();
      }
    };
    return new Observable<string>((subscriber) => {
      liveInners++;
      subscriber.add(() => liveInners--);
      if (spec.sync) {
        spec.offsets.forEach((_, j) => emit(subscriber, j));
        finish(subscriber);
        return;
      }
      spec.offsets.forEach((offset, j) =>
        subscriber.add(
          scheduler.schedule(
            action(() => emit(subscriber, j)),
            offset,
          ),
        ),
      );
      subscriber.add(
        scheduler.schedule(
          action(() => finish(subscriber)),
          spec.latency,
        ),
      );
    });
  };

  const source = new Observable<El>((subscriber) => {
    sourceLive = true;
    subscriber.add(() => (sourceLive = false));
    let t = 0;
    let group: El[] = [];
    const flushGroup = (at: number, batch: El[]): void => {
      subscriber.add(
        scheduler.schedule(
          action(() => {
            for (const el of batch) {
              run.arrive.set(el.i, stamp());
              subscriber.next(el);
            }
          }),
          at,
        ),
      );
    };
    els.forEach((el, idx) => {
      if (idx > 0 && el.spec.gap > 0) {
        flushGroup(t, group);
        group = [];
      }
      t += idx > 0 ? el.spec.gap : 0;
      group.push(el);
    });
    if (group.length > 0) flushGroup(t, group);
    const completeAt = t + scenario.completeGap;
    run.sourceCompleteAt = completeAt;
    subscriber.add(
      scheduler.schedule(
        action(() => subscriber.complete()),
        completeAt,
      ),
    );
  });

  scheduler.run(() => {
    source.pipe(operatorFor(kind, scenario, project, onAdmit)).subscribe({
      next: (value) => run.outputs.push({ ...stamp(), value }),
      error: (error) => (run.error = { error, at: stamp() }),
      complete: () => (run.completedAt = scheduler.now()),
    });
  });
  run.liveInners = liveInners;
  run.sourceLive = sourceLive;
  run.actionsLeft = scheduler.actions.length;
  return run;
}

/** For ordered kinds: the time element i leaves (completed and everything before it left). */
function leaveTimes(run: Run): number[] {
  const times: number[] = [];
  let previous = -Infinity;
  for (const el of run.els) {
    previous = Math.max(previous, run.complete.get(el.i)!.t);
    times.push(previous);
  }
  return times;
}

function expectNoViolations(run: Run): void {
  expect(run.violations).toEqual([]);
  expect(run.liveInners).toBe(0);
  expect(run.sourceLive).toBe(false);
  expect(run.actionsLeft).toBe(0);
}

/** Checks shared by all kinds when no element fails. */
function expectHealthyRun(run: Run, kind: Kind): void {
  expectNoViolations(run);
  expect(run.error).toBeUndefined();
  const n = run.els.length;
  // Every element admitted, started and completed exactly once (maps are keyed by index; doubles were flagged).
  expect(run.admit.size).toBe(n);
  expect(run.start.size).toBe(n);
  expect(run.complete.size).toBe(n);
  expect(run.startOrder).toHaveLength(n);

  // Per-key start order = arrival order.
  const byKey = new Map<number, number[]>();
  for (const i of run.startOrder) {
    const key = run.els[i].key;
    byKey.set(key, [...(byKey.get(key) ?? []), i]);
  }
  for (const started of byKey.values()) expect(started).toEqual([...started].sort((a, b) => a - b));

  // Eager start: an element starts when it is admitted, or in the very frame an earlier element of its key completes.
  for (const el of run.els) {
    const start = run.start.get(el.i)!;
    const admitted = run.admit.get(el.i)!;
    expect(start.t).toBeGreaterThanOrEqual(admitted.t);
    if (start.t !== admitted.t) {
      const freedBy = run.els.some((o) => o.i < el.i && o.key === el.key && run.complete.get(o.i)!.t === start.t);
      expect({ element: el.i, startedAt: start.t, freedBySameKeyCompletion: freedBy }).toEqual({
        element: el.i,
        startedAt: start.t,
        freedBySameKeyCompletion: true,
      });
    }
  }

  // No loss or duplication: every inner value appears exactly once in the output.
  const innerValues = [...run.emits.values()].flat().map((e) => e.value);
  expect([...run.outputs.map((o) => o.value)].sort()).toEqual([...innerValues].sort());

  const sourceDone = run.sourceCompleteAt;
  if (kind === 'unordered') {
    // Values are emitted as they arrive: the output is the inners' emission log, at the same times.
    const emitted = [...run.emits.values()].flat().sort((a, b) => a.seq - b.seq);
    expect(run.outputs.map((o) => [o.value, o.t])).toEqual(emitted.map((e) => [e.value, e.t]));
    const lastComplete = Math.max(-Infinity, ...[...run.complete.values()].map((c) => c.t));
    expect(run.completedAt).toBe(Math.max(sourceDone, lastComplete));
  } else {
    // Input order, each element's values contiguous, each value emitted as soon as its element is at the head.
    const leave = leaveTimes(run);
    const expected: [string, number][] = [];
    for (const el of run.els) {
      const headAt = el.i === 0 ? -Infinity : leave[el.i - 1];
      for (const e of run.emits.get(el.i) ?? []) expected.push([e.value, Math.max(e.t, headAt)]);
    }
    expect(run.outputs.map((o) => [o.value, o.t])).toEqual(expected);
    expect(run.completedAt).toBe(Math.max(sourceDone, n === 0 ? -Infinity : leave[n - 1]));
  }
}

describe('mapAsyncPartitioned — properties in virtual time', () => {
  it('output = input order with each element’s values contiguous and on time; bounds, eager start, per-key start order, no loss', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const run = simulate('ordered', scenario);
        expectHealthyRun(run, 'ordered');
        // project receives the partition key.
        for (const el of run.els) expect(run.indexSeen.get(el.i)).toBe(el.key);
      }),
      { numRuns: 300 },
    );
  });

  it('holds with many elements per key and tight bounds (parallelism 2–3, few keys)', () => {
    const tight = fc
      .record({
        elements: fc.array(
          elementArb.map((e) => ({ ...e, key: e.key % 2 })),
          { minLength: 10, maxLength: 40 },
        ),
        parallelism: fc.integer({ min: 2, max: 3 }),
        completeGap: fc.integer({ min: 0, max: 3 }),
        perKey: fc.constant(1),
      })
      .map((s) => ({ ...s, perKey: s.parallelism === 3 && s.elements.length % 2 === 0 ? 2 : 1 }));
    fc.assert(
      fc.property(tight, (scenario) => expectHealthyRun(simulate('ordered', scenario), 'ordered')),
      { numRuns: 150 },
    );
  });

  it('fails fast: an erroring inner errors the output in the same frame, nothing is emitted after, everything is unsubscribed', () => {
    fc.assert(
      fc.property(
        scenarioArb.filter((s) => s.elements.length > 0),
        fc.nat(),
        fc.constantFrom<Kind>('ordered', 'unordered', 'mapAsync'),
        (base, pick, kind) => {
          const failing = pick % base.elements.length;
          const scenario = { ...base, elements: base.elements.map((e, i) => (i === failing ? { ...e, fails: true } : e)) };
          const run = simulate(kind, scenario);
          expectNoViolations(run);
          expect(run.completedAt).toBeUndefined();
          // The failing element's inner always starts (nothing else can fail), so the output errors exactly when it does.
          const failedAt = run.innerError.get(failing);
          expect(failedAt).toBeDefined();
          expect(run.error).toBeDefined();
          expect((run.error!.error as Error).message).toBe(`inner ${failing} failed`);
          expect(run.error!.at.t).toBe(failedAt!.t);
          // Nothing emitted after the error, and no element's work started after it.
          for (const o of run.outputs) expect(o.seq).toBeLessThan(run.error!.at.seq);
          for (const s of run.start.values()) expect(s.seq).toBeLessThan(failedAt!.seq);
          // Ordered: the failing element never leaves, so nothing of a later element can have been emitted.
          if (kind !== 'unordered') {
            for (const o of run.outputs) expect(Number(o.value.split(':')[0])).toBeLessThanOrEqual(failing);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('mapAsyncPartitionedUnordered — properties in virtual time', () => {
  it('emits values as they arrive; bounds, eager start, per-key start order, no loss', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const run = simulate('unordered', scenario);
        expectHealthyRun(run, 'unordered');
      }),
      { numRuns: 300 },
    );
  });

  it('keeps per-key output order with perKey 1', () => {
    fc.assert(
      fc.property(
        scenarioArb.map((s) => ({ ...s, perKey: 1 })),
        (scenario) => {
          const run = simulate('unordered', scenario);
          expectHealthyRun(run, 'unordered');
          const perKey = new Map<number, string[]>();
          for (const o of run.outputs) {
            const key = run.els[Number(o.value.split(':')[0])].key;
            perKey.set(key, [...(perKey.get(key) ?? []), o.value]);
          }
          for (const [key, values] of perKey) {
            const expected = run.els.filter((el) => el.key === key).flatMap((el) => el.spec.offsets.map((_, j) => `${el.i}:${j}`));
            expect(values).toEqual(expected);
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});

describe('mapAsync — properties in virtual time', () => {
  it('keeps input order and the parallelism bound, admits one element per element that leaves, passes the index', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const run = simulate('mapAsync', scenario);
        expectHealthyRun(run, 'mapAsync');
        for (const el of run.els) expect(run.indexSeen.get(el.i)).toBe(el.i);
        // Without partitions every element starts at admission.
        for (const el of run.els) expect(run.start.get(el.i)!.t).toBe(run.admit.get(el.i)!.t);
      }),
      { numRuns: 300 },
    );
  });
});
