/**
 * Random synchronous and asynchronous interleavings, in virtual time, with random errors (an inner, a
 * handler or the source fails) and random early unsubscriptions, through all five engines' operators.
 * Whatever happens:
 *
 * - no bound is ever exceeded (live inners ≤ parallelism and ≤ perKey per key; held messages ≤
 *   maxInFlight, running handlers ≤ concurrency and ≤ 1 per lane);
 * - nothing is lost or duplicated (a completed run emits exactly what the inners produced; any run emits
 *   nothing twice and nothing that was not produced);
 * - nothing is left behind once the output ended (completed, errored or unsubscribed): no live inner or
 *   handler Observable, no source subscription, no scheduled action (timer), no valve lease; every signal
 *   of work that did not finish by itself is aborted, and no other.
 */
import fc from 'fast-check';
import { map, Observable, type OperatorFunction, type SchedulerAction, type Subscription } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  batchByLane,
  batchByLaneFromBatches,
  mapAsync,
  mapAsyncPartitioned,
  mapAsyncPartitionedUnordered,
  Valve,
  type ProjectContext,
} from '../../src/index';
import { framesOf, timedSource } from './support';

// Property runs take seconds on an idle machine; the default 5 s timeout is too short under load.
jest.setTimeout(60_000);

type Kind = 'mapAsync' | 'mapAsyncPartitioned' | 'mapAsyncPartitionedUnordered' | 'batchByLane' | 'batchByLaneFromBatches';

interface Work {
  /** Frames until it settles; 0 = synchronously. */
  latency: number;
  /** Values an inner emits (at `latency`, before completing); batches always answer with one array. */
  values: number;
  fails: boolean;
}

interface Scenario {
  kind: Kind;
  keys: number[];
  gaps: number[];
  work: Work[];
  bound: number;
  perKeySeed: number;
  size: number;
  concurrency: number;
  maxWait: number | undefined;
  ordered: boolean;
  /** The source ends this many frames after its last element: completes, errors (`fails`), or never. */
  end: { after: number; fails: boolean } | null;
  unsubscribeAt: number | null;
}

const workArb: fc.Arbitrary<Work> = fc.record({
  latency: fc.oneof({ weight: 1, arbitrary: fc.constant(0) }, { weight: 3, arbitrary: fc.integer({ min: 1, max: 6 }) }),
  values: fc.integer({ min: 0, max: 2 }),
  fails: fc.nat({ max: 19 }).map((n) => n === 0),
});

const scenarioArb: fc.Arbitrary<Scenario> = fc.integer({ min: 0, max: 14 }).chain((n) =>
  fc.record({
    kind: fc.constantFrom<Kind>('mapAsync', 'mapAsyncPartitioned', 'mapAsyncPartitionedUnordered', 'batchByLane', 'batchByLaneFromBatches'),
    keys: fc.array(fc.nat({ max: 3 }), { minLength: n, maxLength: n }),
    gaps: fc.array(fc.oneof(fc.constant(0), fc.nat({ max: 3 })), { minLength: n, maxLength: n }),
    work: fc.array(workArb, { minLength: n, maxLength: n }),
    bound: fc.integer({ min: 1, max: 5 }),
    perKeySeed: fc.integer({ min: 1, max: 4 }),
    size: fc.integer({ min: 1, max: 3 }),
    concurrency: fc.integer({ min: 1, max: 3 }),
    maxWait: fc.option(fc.nat({ max: 4 }), { nil: undefined }),
    ordered: fc.boolean(),
    end: fc.option(fc.record({ after: fc.nat({ max: 3 }), fails: fc.nat({ max: 5 }).map((k) => k === 0) }), { freq: 5 }),
    unsubscribeAt: fc.option(fc.nat({ max: 25 }), { freq: 3 }),
  }),
);

interface Outcome {
  violations: string[];
  ended: 'complete' | 'error' | 'unsubscribe' | 'running';
  output: string[];
  produced: string[];
}

function runScenario(s: Scenario): Outcome {
  const violations: string[] = [];
  const output: string[] = [];
  const produced: string[] = [];
  let ended: Outcome['ended'] = 'running';
  const scheduler = new TestScheduler(() => {});
  scheduler.run(() => {
    const valve = new Valve();
    const controls: Subscription[] = [];
    let sourceLive = 0;
    const liveByKey = new Map<number, number>();
    let live = 0;
    let admitted = 0;
    let settledOut = 0;
    const signals: { signal: AbortSignal; finished: () => boolean }[] = [];
    const perKey = s.bound === 1 ? 1 : 1 + ((s.perKeySeed - 1) % (s.bound - 1));
    const isBatch = s.kind === 'batchByLane' || s.kind === 'batchByLaneFromBatches';

    /** An element's (or a batch's) work: a tracked Observable, or for latency 0 a synchronous one. */
    const workFor = (i: number, key: number, values: () => string[]): Observable<string[]> =>
      new Observable<string[]>((subscriber) => {
        const w = s.work[i]!;
        live++;
        liveByKey.set(key, (liveByKey.get(key) ?? 0) + 1);
        if (!isBatch && live > s.bound) violations.push(`${live} inners live (parallelism ${s.bound})`);
        if (!isBatch && s.kind !== 'mapAsync' && liveByKey.get(key)! > perKey) violations.push(`key ${key}: ${liveByKey.get(key)} live`);
        if (isBatch && live > s.concurrency) violations.push(`${live} handlers running (concurrency ${s.concurrency})`);
        if (isBatch && liveByKey.get(key)! > 1) violations.push(`lane ${key}: two batches at once`);
        subscriber.add(() => {
          live--;
          liveByKey.set(key, liveByKey.get(key)! - 1);
        });
        const settle = () => {
          if (w.fails) subscriber.error(new Error(`work ${i} failed`));
          else {
            const out = values();
            produced.push(...out);
            subscriber.next(out);
            subscriber.complete();
          }
        };
        if (w.latency === 0) settle();
        else subscriber.add(scheduler.schedule(settle, w.latency));
      });

    const frames = framesOf(s.gaps);
    const last = frames.length === 0 ? 0 : frames[frames.length - 1]!;
    const completeAt = s.end === null || s.end.fails ? 1e6 : last + s.end.after;
    let source: Observable<number> = timedSource(frames, scheduler, completeAt, () => sourceLive--);
    const timed = source;
    source = new Observable<number>((subscriber) => {
      sourceLive++;
      subscriber.add(timed.subscribe(subscriber));
      if (s.end?.fails) subscriber.add(scheduler.schedule(() => subscriber.error(new Error('source failed')), last + s.end.after));
    });

    const key = (i: number) => {
      admitted++;
      if (isBatch && admitted - settledOut > s.bound) violations.push(`${admitted - settledOut} messages held (maxInFlight ${s.bound})`);
      return s.keys[i]!;
    };
    const project = (i: number, context: ProjectContext) => {
      if (s.kind === 'mapAsync') admitted++;
      const w = s.work[i]!;
      let finished = false;
      signals.push({ signal: context.signal, finished: () => finished });
      const values = () => Array.from({ length: w.values }, (_, k) => `${i}.${k}`);
      return workFor(i, s.keys[i]!, values).pipe(
        map((vs) => vs),
        (o) =>
          new Observable<string>((subscriber) =>
            o.subscribe({
              next: (vs) => vs.forEach((v) => subscriber.next(v)),
              error: (e) => {
                finished = true;
                subscriber.error(e);
              },
              complete: () => {
                finished = true;
                subscriber.complete();
              },
            }),
          ),
      );
    };
    const handler = (batch: readonly number[], lane: number, context: { signal: AbortSignal }) => {
      const i = batch[0]!;
      let finished = false;
      signals.push({ signal: context.signal, finished: () => finished });
      const results = () => batch.map((m) => `${m}`);
      const w = s.work[i]!;
      if (w.latency === 0 && !w.fails) {
        finished = true;
        produced.push(...results());
        return results();
      }
      return workFor(i, lane, results).pipe(
        (o) =>
          new Observable<string[]>((subscriber) =>
            o.subscribe({
              next: (v) => {
                finished = true;
                subscriber.next(v);
              },
              error: (e) => {
                finished = true;
                subscriber.error(e);
              },
            }),
          ),
      );
    };

    let operator: OperatorFunction<number, string>;
    const batchOptions = {
      key,
      size: s.size,
      maxWait: s.maxWait,
      concurrency: s.concurrency,
      maxInFlight: s.bound,
      ordered: s.ordered,
      valve,
      scheduler,
    };
    const settlements = map((settlement: { value: unknown; ok: boolean }) => {
      settledOut++;
      return settlement.ok ? `${settlement.value}` : `error ${settlement.value}`;
    });
    if (s.kind === 'mapAsync')
      operator = mapAsync({ parallelism: s.bound, project: (i: number, _index, context) => project(i, context), valve });
    else if (s.kind === 'batchByLane') operator = (o) => o.pipe(batchByLane(batchOptions, handler), settlements);
    else if (s.kind === 'batchByLaneFromBatches')
      operator = (o) =>
        o.pipe(
          map((i) => [i]),
          batchByLaneFromBatches({ ...batchOptions, key: (m: number) => key(m) }, handler),
          settlements,
        );
    else {
      const options = {
        parallelism: s.bound,
        perKey,
        key,
        project: (i: number, _key: number, context: ProjectContext) => project(i, context),
        valve,
      };
      operator = s.kind === 'mapAsyncPartitioned' ? mapAsyncPartitioned(options) : mapAsyncPartitionedUnordered(options);
    }

    const checkLeftovers = (when: string) => {
      if (live !== 0) violations.push(`${when}: ${live} inners or handlers still live`);
      if (sourceLive !== 0) violations.push(`${when}: the source is still subscribed`);
      const pending = scheduler.actions.filter((a: SchedulerAction<unknown>) => !controls.includes(a));
      if (pending.length !== 0) violations.push(`${when}: ${pending.length} scheduled actions left`);
      if (!valve.isOpen) violations.push(`${when}: the valve is still held closed`);
      for (const { signal, finished } of signals) {
        const expected = ended !== 'complete' && !finished();
        if (signal.aborted !== expected)
          violations.push(`${when}: a signal is ${signal.aborted ? '' : 'not '}aborted (finished: ${finished()})`);
      }
    };
    const subscription = source.pipe(operator).subscribe({
      next: (v) => output.push(v),
      error: () => {
        ended = 'error';
        controls.push(scheduler.schedule(() => checkLeftovers('after error')));
      },
      complete: () => {
        ended = 'complete';
        controls.push(scheduler.schedule(() => checkLeftovers('after completion')));
      },
    });
    if (s.unsubscribeAt !== null) {
      controls.push(
        scheduler.schedule(() => {
          if (ended !== 'running') return;
          subscription.unsubscribe();
          ended = 'unsubscribe';
          checkLeftovers('after unsubscribe');
        }, s.unsubscribeAt),
      );
    }
    controls.push(
      scheduler.schedule(() => {
        if (ended !== 'running') return;
        subscription.unsubscribe();
        ended = 'unsubscribe';
        checkLeftovers('at the end');
      }, 5_000),
    );
  });
  return { violations, ended, output, produced };
}

describe('random interleavings with errors and unsubscriptions (property, virtual time)', () => {
  it('never exceed a bound, lose or duplicate an element, or leave a subscription, timer, lease or unaborted signal behind', () => {
    fc.assert(
      fc.property(scenarioArb, (scenario) => {
        const { violations, ended, output, produced } = runScenario(scenario);
        expect(violations).toEqual([]);
        expect(new Set(output).size).toBe(output.length); // nothing twice
        const isBatch = scenario.kind.startsWith('batchByLane');
        const producedSet = new Set(produced);
        for (const v of output) if (!v.startsWith('error')) expect(producedSet.has(v)).toBe(true);
        if (ended === 'complete') {
          if (isBatch) expect([...output].sort()).toEqual(scenario.keys.map((_, i) => `${i}`).sort());
          else expect([...output].sort()).toEqual([...produced].sort());
        }
      }),
      { numRuns: 1_000 },
    );
  });
});
