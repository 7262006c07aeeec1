/**
 * Properties: whatever the arrival times, keys and durations, every snapshot of an observed
 * mapAsyncPartitioned(Unordered) or batchByLane adds up, against a model kept by the test itself:
 *
 * - `running` is the number of inners (handlers) subscribed and not finalized (the test counts them);
 * - `held` is the number of elements whose inner completed (handler settled) and whose value is not emitted yet;
 * - `held + running + waiting + queued` is what arrived and was not emitted;
 * - `held + running + waiting ≤ bound`, and something is queued only when the bound is reached;
 * - per key, `running ≤ perKey`; the top keys are sorted, at most `topKeys`, and their counts are the model's;
 * - at the end nothing is registered.
 */
import fc from 'fast-check';
import { asyncScheduler, defer, finalize, map, Subject, timer, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  batchByLane,
  lanesMonitor,
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

/** What the test's own model counts now: elements (messages) whose work runs, and whose work finished. */
interface Model {
  running: number;
  finished: number;
}

/**
 * Feeds `elements` at their times through the operator `make` builds around a monitor, in virtual time,
 * and checks the snapshot against `model()` after every arrival, at every probe time and at the end —
 * the invariants every engine shares, then `more` — and that nothing stays registered after unsubscribing.
 */
function checkAgainstModel(
  { elements, probes, bound }: { elements: Element[]; probes: number[]; bound: number },
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
    const sub = source.pipe(make(monitor)).subscribe(() => emitted++);
    const check = (): void => {
      const runs = monitor.snapshot().runs;
      expect(runs).toHaveLength(1);
      const run = runs[0]!;
      const expected = model();
      expect(run.running).toBe(expected.running);
      expect(run.held).toBe(expected.finished - emitted);
      expect(run.held + run.running + run.waiting + run.queued).toBe(arrived - emitted);
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

// Inside TestScheduler.run, asyncScheduler is the virtual clock.
function schedule(at: number, work: () => void): void {
  asyncScheduler.schedule(work, at);
}
