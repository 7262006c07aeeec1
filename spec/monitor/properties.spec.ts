/**
 * Properties: whatever the arrival times, keys and durations, every snapshot of an observed mapAsync,
 * mapAsyncPartitioned(Unordered) or batchByLane adds up, against a model kept by the test itself:
 *
 * - `running` is the number of inners (handlers) subscribed and not finalized (the test counts them);
 * - `held` is the number of elements whose inner completed (handler settled) and whose value is not emitted yet;
 * - `held + running + waiting + queued` is what arrived and was not emitted;
 * - `held + running + waiting ≤ bound`, and something is queued only when the bound is reached;
 * - per key, `running ≤ perKey`; the top keys are sorted, at most `topKeys`, and their counts are the model's;
 * - once the output errored or was unsubscribed — at any point — and at the end, nothing is registered.
 */
import fc from 'fast-check';
import { asyncScheduler, concat, defer, finalize, map, mergeMap, of, Subject, throwError, timer, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  batchByLane,
  lanesMonitor,
  mapAsync,
  mapAsyncPartitioned,
  mapAsyncPartitionedUnordered,
  type LanesMonitorOptions,
  type LanesRunSnapshot,
} from '../../src/index';

jest.setTimeout(60_000);

interface Element {
  at: number;
  key: number;
  duration: number;
  /** mapAsync: how many values its inner emits — the first at once (buffered behind an earlier element), the rest when it settles. */
  values?: number;
  /** mapAsync: its inner errors when it settles (which errors the output). */
  fails?: boolean;
}

const scenario = fc.record({
  elements: fc.array(
    fc.record({ at: fc.integer({ min: 0, max: 30 }), key: fc.integer({ min: 0, max: 3 }), duration: fc.integer({ min: 0, max: 12 }) }),
    {
      maxLength: 25,
    },
  ),
  parallelism: fc.integer({ min: 2, max: 5 }),
  ordered: fc.boolean(),
  probes: fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 8 }),
});

/**
 * What the test's own model counts now: elements (messages) whose work runs, and whose work finished;
 * and, where the output's values do not count them (an inner emitting 0..n values), the elements that left.
 */
interface Model {
  running: number;
  finished: number;
  left?: number;
}

/**
 * Feeds `elements` at their times through the operator `make` builds around a monitor, in virtual time,
 * and checks the snapshot against `model()` after every arrival, at every probe time and at the end —
 * the invariants every engine shares, then `more` — and that nothing stays registered once the output
 * errored, or was unsubscribed (at `unsubscribeAt`, or after the end).
 */
function checkAgainstModel(
  { elements, probes, bound, unsubscribeAt }: { elements: Element[]; probes: number[]; bound: number; unsubscribeAt?: number },
  monitorOptions: LanesMonitorOptions,
  make: (monitor: ReturnType<typeof lanesMonitor>) => OperatorFunction<Element, unknown>,
  model: () => Model,
  more: (run: LanesRunSnapshot) => void = () => undefined,
): void {
  new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ flush }) => {
    const monitor = lanesMonitor(monitorOptions);
    const source = new Subject<Element>();
    let arrived = 0;
    let emitted = 0;
    let ended = false;
    const sub = source.pipe(make(monitor)).subscribe({ next: () => emitted++, error: () => (ended = true) });
    const check = (): void => {
      const runs = monitor.snapshot().runs;
      if (ended) {
        expect(runs).toHaveLength(0);
        return;
      }
      expect(runs).toHaveLength(1);
      const run = runs[0]!;
      const expected = model();
      const left = expected.left ?? emitted;
      expect(run.running).toBe(expected.running);
      expect(run.held).toBe(expected.finished - left);
      expect(run.held + run.running + run.waiting + run.queued).toBe(arrived - left);
      expect(run.held + run.running + run.waiting).toBeLessThanOrEqual(bound);
      if (run.queued > 0) expect(run.held + run.running + run.waiting).toBe(bound);
      more(run);
    };
    for (const e of [...elements].sort((a, b) => a.at - b.at)) {
      schedule(e.at, () => {
        arrived++;
        source.next(e);
        check();
      });
    }
    for (const t of probes) schedule(t, check);
    if (unsubscribeAt !== undefined) {
      schedule(unsubscribeAt, () => {
        sub.unsubscribe();
        ended = true;
        check();
      });
    }
    flush();
    check();
    sub.unsubscribe();
    expect(monitor.snapshot().runs).toHaveLength(0);
  });
}

test('mapAsyncPartitioned(Unordered): snapshot counts equal the model', () => {
  fc.assert(
    fc.property(scenario, ({ elements, parallelism, ordered, probes }) => {
      let completedInners = 0;
      const runningByKey = new Map<number, number>();
      const options = {
        parallelism,
        perKey: 1,
        key: (e: Element) => e.key,
        project: (e: Element) =>
          defer(() => {
            runningByKey.set(e.key, (runningByKey.get(e.key) ?? 0) + 1);
            return timer(e.duration).pipe(
              map(() => e),
              finalize(() => {
                runningByKey.set(e.key, runningByKey.get(e.key)! - 1);
                completedInners++;
              }),
            );
          }),
      };
      checkAgainstModel(
        { elements, probes, bound: parallelism },
        { topKeys: 2 },
        (monitor) => (ordered ? mapAsyncPartitioned({ ...options, monitor }) : mapAsyncPartitionedUnordered({ ...options, monitor })),
        () => ({ running: [...runningByKey.values()].reduce((a, b) => a + b, 0), finished: completedInners }),
        (run) => {
          for (const n of runningByKey.values()) expect(n).toBeLessThanOrEqual(1);
          expect(run.topKeys.length).toBeLessThanOrEqual(2);
          for (const top of run.topKeys) expect(top.running).toBe(runningByKey.get(top.key as number) ?? 0);
          for (let i = 1; i < run.topKeys.length; i++) expect(run.topKeys[i - 1]!.waiting).toBeGreaterThanOrEqual(run.topKeys[i]!.waiting);
          expect(run.oldestWaitMs).toBeGreaterThanOrEqual(0);
          expect(run.oldestHeldMs).toBeGreaterThanOrEqual(0);
        },
      );
    }),
    { numRuns: 150 },
  );
});

test('batchByLane: snapshot counts equal the model', () => {
  fc.assert(
    fc.property(scenario, fc.integer({ min: 1, max: 3 }), ({ elements, parallelism, ordered, probes }, size) => {
      let settledMessages = 0;
      let runningMessages = 0;
      checkAgainstModel(
        { elements, probes, bound: parallelism },
        {},
        (monitor) =>
          batchByLane(
            { key: (e: Element) => e.key, size, maxWait: 5, concurrency: 2, maxInFlight: parallelism, ordered, monitor },
            (batch) =>
              defer(() => {
                runningMessages += batch.length;
                return timer(batch[0]!.duration).pipe(
                  map(() => [...batch]),
                  finalize(() => {
                    runningMessages -= batch.length;
                    settledMessages += batch.length;
                  }),
                );
              }),
          ),
        () => ({ running: runningMessages, finished: settledMessages }),
      );
    }),
    { numRuns: 150 },
  );
});

test('mapAsync: snapshot counts equal the model, through inner errors and unsubscription', () => {
  const elements = fc.array(
    fc.record({
      at: fc.integer({ min: 0, max: 30 }),
      key: fc.constant(0),
      duration: fc.integer({ min: 0, max: 12 }),
      values: fc.integer({ min: 0, max: 2 }),
      fails: fc.integer({ min: 0, max: 39 }).map((n) => n === 0),
    }),
    { maxLength: 25 },
  );
  fc.assert(
    fc.property(
      elements,
      fc.integer({ min: 1, max: 5 }),
      fc.array(fc.integer({ min: 0, max: 50 }), { minLength: 1, maxLength: 8 }),
      fc.option(fc.integer({ min: 0, max: 50 }), { nil: undefined }),
      (elements, parallelism, probes, unsubscribeAt) => {
        // The model: per admitted element (input order), whether its inner runs or finished; an element
        // leaves the operator when it and every earlier one finished (ordered output).
        const state: ('running' | 'finished')[] = [];
        let left = 0;
        checkAgainstModel(
          { elements, probes, bound: parallelism, unsubscribeAt },
          {},
          (monitor) =>
            mapAsync({
              parallelism,
              monitor,
              project: (e: Element, index: number) =>
                defer(() => {
                  state[index] = 'running';
                  const values = e.values ?? 0;
                  const rest = timer(e.duration).pipe(
                    mergeMap(() =>
                      e.fails
                        ? throwError(() => new Error('inner failed'))
                        : of(...Array.from({ length: Math.max(0, values - 1) }, () => e)),
                    ),
                  );
                  return concat(values > 0 ? of(e) : of(), rest).pipe(
                    finalize(() => {
                      state[index] = 'finished';
                      while (state[left] === 'finished') left++;
                    }),
                  );
                }),
            }),
          () => ({
            running: state.filter((s) => s === 'running').length,
            finished: state.filter((s) => s === 'finished').length,
            left,
          }),
        );
      },
    ),
    { numRuns: 200 },
  );
});

// Inside TestScheduler.run, asyncScheduler is the virtual clock.
function schedule(at: number, work: () => void): void {
  asyncScheduler.schedule(work, at);
}
