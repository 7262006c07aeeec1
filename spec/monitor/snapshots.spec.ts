/**
 * Known snapshots at given virtual times, and the events in order, for every core operator.
 * Under `TestScheduler.run` the monitor's clock (`asyncScheduler.now()`) is the virtual clock.
 */
import { delay, of, Subject, timer, map, type Observable, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  batchByLane,
  batchByLaneFromBatches,
  boundedOrdering,
  lanesMonitor,
  mapAsync,
  mapAsyncPartitioned,
  mapAsyncPartitionedUnordered,
  type LanesEvent,
  type LanesMonitor,
  type LanesRunSnapshot,
} from '../../src/index';

const scheduler = (): TestScheduler => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Takes a snapshot of `monitor` at each of `times` (virtual ms), keeping the first run (or null). */
function snapshotsAt(ts: TestScheduler, monitor: ReturnType<typeof lanesMonitor>, times: number[]): (LanesRunSnapshot | null)[] {
  const taken: (LanesRunSnapshot | null)[] = [];
  for (const t of times) ts.schedule(() => void taken.push(monitor.snapshot().runs[0] ?? null), t);
  return taken;
}

/** The counts of a run snapshot (what most assertions compare). */
const counts = (run: LanesRunSnapshot | null) =>
  run && {
    held: run.held,
    running: run.running,
    waiting: run.waiting,
    queued: run.queued,
    wait: run.oldestWaitMs,
    heldMs: run.oldestHeldMs,
  };

/**
 * Runs the operator `make` builds around a monitor in virtual time: `values` arrive at 0 through a
 * Subject, the first run's snapshot is taken at each of `times`. With `events`, the monitor listens and
 * every event is kept (without, nobody listens: the path without events is the one measured).
 */
function observe<T>(
  make: (monitor: LanesMonitor) => OperatorFunction<T, unknown>,
  values: T[],
  times: number[],
  options: { topKeys?: number; events?: boolean } = {},
): { taken: (LanesRunSnapshot | null)[]; events: LanesEvent[] } {
  const ts = scheduler();
  const events: LanesEvent[] = [];
  let taken: (LanesRunSnapshot | null)[] = [];
  ts.run(() => {
    const monitor = lanesMonitor({
      ...(options.topKeys !== undefined && { topKeys: options.topKeys }),
      ...(options.events && { onEvent: (e: LanesEvent) => events.push(e) }),
    });
    const source = new Subject<T>();
    source.pipe(make(monitor)).subscribe();
    ts.schedule(() => values.forEach((v) => source.next(v)), 0);
    taken = snapshotsAt(ts, monitor, times);
    ts.flush();
  });
  return { taken, events };
}

const brief = (e: LanesEvent) => `${e.at} ${e.type} ${String(e.key)} w${e.waitedMs} r${e.ranMs} h${e.heldMs}`;

describe('mapAsyncPartitioned with a monitor', () => {
  // a (key a, 10 ms), aa (key a, 20 ms), bbbbb (key b, 50 ms), c (key c, 10 ms); parallelism 3, perKey 1.
  // 0: a runs, aa waits for key a, bbbbb runs, c queued at the entrance (3 admitted).
  // 10: a done and emitted; aa starts (waited 10); c admitted and starts (queued 10).
  // 20: c done, held behind aa and bbbbb.  30: aa done, emitted.  50: bbbbb done; bbbbb and c emitted.
  const project = (v: string) => of(v).pipe(delay(v.length * 10));

  const values = ['a', 'aa', 'bbbbb', 'c'];
  const ordered = (monitor: LanesMonitor) => mapAsyncPartitioned({ parallelism: 3, perKey: 1, key: (v: string) => v[0], project, monitor });

  it('reports held, running, waiting, queued, top keys and the oldest waits at given times', () => {
    const { taken } = observe(ordered, values, [0, 5, 15, 25, 35, 60], { topKeys: 2 });
    expect(taken.map(counts)).toEqual([
      { held: 0, running: 2, waiting: 1, queued: 1, wait: 0, heldMs: 0 },
      { held: 0, running: 2, waiting: 1, queued: 1, wait: 5, heldMs: 0 },
      { held: 0, running: 3, waiting: 0, queued: 0, wait: 0, heldMs: 0 },
      { held: 1, running: 2, waiting: 0, queued: 0, wait: 0, heldMs: 5 },
      { held: 1, running: 1, waiting: 0, queued: 0, wait: 0, heldMs: 15 },
      { held: 0, running: 0, waiting: 0, queued: 0, wait: 0, heldMs: 0 },
    ]);
    expect(taken[1]!.topKeys).toEqual([
      { key: 'a', waiting: 1, running: 1 },
      { key: 'b', waiting: 0, running: 1 },
    ]);
    expect(taken[1]).toMatchObject({ operator: 'mapAsyncPartitioned', run: 1, bound: 3, ack: undefined });
  });

  it('sends admitted, started, settled and emitted events with waited, ran and held durations', () => {
    const { events } = observe(ordered, values, [], { events: true });
    expect(events.map(brief)).toEqual([
      '0 admitted a w0 r0 h0',
      '0 started a w0 r0 h0',
      '0 admitted a w0 r0 h0',
      '0 admitted b w0 r0 h0',
      '0 started b w0 r0 h0',
      '10 settled a w0 r10 h0',
      '10 started a w10 r0 h0',
      '10 emitted a w0 r10 h0',
      '10 admitted c w10 r0 h0',
      '10 started c w10 r0 h0',
      '20 settled c w0 r10 h0',
      '30 settled a w0 r20 h0',
      '30 emitted a w0 r20 h0',
      '50 settled b w0 r50 h0',
      '50 emitted b w0 r50 h0',
      '50 emitted c w0 r10 h30',
    ]);
  });

  it('unordered: nothing is held; a done element leaves at once', () => {
    const unordered = (monitor: LanesMonitor) =>
      mapAsyncPartitionedUnordered({ parallelism: 3, perKey: 1, key: (v: string) => v[0], project, monitor });
    const { taken } = observe(unordered, values, [5, 25]);
    expect(taken.map(counts)).toEqual([
      { held: 0, running: 2, waiting: 1, queued: 1, wait: 5, heldMs: 0 },
      { held: 0, running: 2, waiting: 0, queued: 0, wait: 0, heldMs: 0 },
    ]);
    expect(taken[0]!.operator).toBe('mapAsyncPartitionedUnordered');
  });

  it('mapAsync: keys are the indexes; nothing waits for a key', () => {
    const ts = scheduler();
    ts.run(() => {
      const monitor = lanesMonitor();
      const events: LanesEvent[] = [];
      const m2 = lanesMonitor({ onEvent: (e) => events.push(e) });
      const source = new Subject<number>();
      source.pipe(mapAsync({ parallelism: 2, project: (n: number) => timer(n).pipe(map(() => n)), monitor })).subscribe();
      source.pipe(mapAsync({ parallelism: 2, project: (n: number) => timer(n).pipe(map(() => n)), monitor: m2 })).subscribe();
      ts.schedule(() => [30, 10, 10].forEach((n) => source.next(n)), 0);
      const taken = snapshotsAt(ts, monitor, [5, 15, 35]);
      ts.flush();
      expect(taken.map(counts)).toEqual([
        { held: 0, running: 2, waiting: 0, queued: 1, wait: 5, heldMs: 0 },
        { held: 1, running: 1, waiting: 0, queued: 1, wait: 15, heldMs: 5 },
        { held: 0, running: 1, waiting: 0, queued: 0, wait: 0, heldMs: 0 },
      ]);
      expect(events.filter((e) => e.type === 'started').map((e) => [e.key, e.at, e.waitedMs])).toEqual([
        [0, 0, 0],
        [1, 0, 0],
        [2, 30, 30],
      ]);
    });
  });

  it('lists every active subscription, sums them in total, and names them', () => {
    const ts = scheduler();
    ts.run(() => {
      const monitor = lanesMonitor({ name: 'saves' });
      const op = mapAsync({ parallelism: 2, project: (n: number) => timer(n), monitor });
      const a = new Subject<number>();
      const b = new Subject<number>();
      a.pipe(op).subscribe();
      b.pipe(op).subscribe();
      a.next(10);
      b.next(10);
      b.next(10);
      const snapshot = monitor.snapshot();
      expect(snapshot.runs.map((r) => [r.run, r.name, r.running])).toEqual([
        [1, 'saves', 1],
        [2, 'saves', 2],
      ]);
      expect(snapshot.total).toEqual({ held: 0, running: 3, waiting: 0, queued: 0 });
      expect(snapshot.at).toBe(0);
    });
  });
});

describe('batchByLane with a monitor', () => {
  it('reports buffered messages as waiting, running batches, held settlements and the oldest wait', () => {
    // size 2, maxWait 10, concurrency 1: x1 x2 form a batch at once; y1 waits for maxWait or the slot.
    const batched = (monitor: LanesMonitor) =>
      batchByLane({ key: (v: string) => v[0], size: 2, maxWait: 10, concurrency: 1, maxInFlight: 4, monitor }, (batch: readonly string[]) =>
        timer(batch[0] === 'x1' ? 20 : 5).pipe(map(() => batch.map((v) => v.toUpperCase()))),
      );
    const { taken, events } = observe(batched, ['x1', 'y1', 'x2'], [5, 22, 30], { events: true });
    expect(taken.map(counts)).toEqual([
      { held: 0, running: 2, waiting: 1, queued: 0, wait: 5, heldMs: 0 },
      // x2 settled with x1 but is held behind y1 (ordered by arrival)
      { held: 1, running: 1, waiting: 0, queued: 0, wait: 0, heldMs: 2 },
      { held: 0, running: 0, waiting: 0, queued: 0, wait: 0, heldMs: 0 },
    ]);
    expect(taken[0]!.topKeys).toEqual([
      { key: 'y', waiting: 1, running: 0 },
      { key: 'x', waiting: 0, running: 2 },
    ]);
    expect(events.map((e) => `${brief(e)} n${e.count}`)).toEqual([
      '0 admitted x w0 r0 h0 n1',
      '0 admitted y w0 r0 h0 n1',
      '0 admitted x w0 r0 h0 n1',
      '0 started x w0 r0 h0 n2',
      '20 settled x w0 r20 h0 n2',
      '20 emitted x w0 r20 h0 n1',
      '20 started y w20 r0 h0 n1',
      '25 settled y w0 r5 h0 n1',
      '25 emitted y w0 r5 h0 n1',
      '25 emitted x w0 r20 h5 n1',
    ]);
  });

  it('batchByLaneFromBatches: held settlements wait for the earlier message (ordered)', () => {
    const fromBatches = (monitor: LanesMonitor) =>
      batchByLaneFromBatches({ key: (v: string) => v[0], size: 1, monitor }, (batch: readonly string[]) =>
        timer(batch[0] === 'x' ? 20 : 5).pipe(map(() => [...batch])),
      );
    const { taken } = observe(fromBatches, [['x', 'y']], [10]);
    expect(taken.map(counts)).toEqual([{ held: 1, running: 1, waiting: 0, queued: 0, wait: 0, heldMs: 5 }]);
    expect(taken[0]!.operator).toBe('batchByLaneFromBatches');
  });
});

describe('boundedOrdering with a monitor', () => {
  it('reports the held elements and how long the expected id has been missing', () => {
    const ts = scheduler();
    ts.run(({ cold }) => {
      const monitor = lanesMonitor();
      const source: Observable<number> = cold('-a-b---c-|', { a: 2, b: 3, c: 1 });
      source
        .pipe(boundedOrdering({ maxBounded: 10, initialId: 1, nextId: (i: number) => i + 1, getId: (v: number) => v, monitor }))
        .subscribe();
      const taken = snapshotsAt(ts, monitor, [0, 2, 5, 8]);
      ts.flush();
      expect(taken.map((r) => r && [r.held, r.oldestWaitMs])).toEqual([
        [0, 0],
        [1, 1],
        [2, 4],
        [0, 0],
      ]);
    });
  });
});

describe('latest-wins with a monitor', () => {
  it('a superseded element leaves the snapshot; its replacement waits in its place', () => {
    const latest = (monitor: LanesMonitor) =>
      mapAsyncPartitioned({
        parallelism: 3,
        latest: true,
        key: (v: string) => v[0]!,
        project: (v: string) => timer(10).pipe(map(() => v)),
        monitor,
      });
    // a2 waits, then a3 supersedes it
    const { taken, events } = observe(latest, ['a1', 'a2', 'a3'], [5, 15, 30], { events: true });
    expect(taken.map(counts)).toEqual([
      { held: 0, running: 1, waiting: 1, queued: 0, wait: 5, heldMs: 0 },
      { held: 0, running: 1, waiting: 0, queued: 0, wait: 0, heldMs: 0 },
      { held: 0, running: 0, waiting: 0, queued: 0, wait: 0, heldMs: 0 },
    ]);
    expect(events.filter((e) => e.type === 'started').map((e) => `${e.at} ${e.type} ${String(e.key)}`)).toEqual([
      '0 started a',
      '10 started a',
    ]);
  });
});
