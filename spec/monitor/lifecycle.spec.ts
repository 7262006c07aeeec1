/**
 * A monitor attached changes nothing observable (RxJS's checklist with a monitor), and a subscription
 * leaves the monitor when it ends, whichever way: nothing stays registered.
 */
import { EMPTY, NEVER, of, range, Subject, take, throwError, timer, map, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import {
  batchByLane,
  batchByLaneFromBatches,
  boundedOrdering,
  lanesMonitor,
  mapAsync,
  mapAsyncPartitioned,
  mapAsyncPartitionedUnordered,
  type LanesMonitor,
} from '../../src/index';

type Make = (monitor: LanesMonitor, project?: (n: number) => unknown) => OperatorFunction<number, unknown>;

const identity = (n: number) => of(n);
const operators: [string, Make][] = [
  ['mapAsync', (monitor, f = identity) => mapAsync({ parallelism: 3, project: f as never, monitor })],
  [
    'mapAsyncPartitioned',
    (monitor, f = identity) => mapAsyncPartitioned({ parallelism: 3, perKey: 1, key: (n: number) => n % 2, project: f as never, monitor }),
  ],
  [
    'mapAsyncPartitionedUnordered',
    (monitor, f = identity) =>
      mapAsyncPartitionedUnordered({ parallelism: 3, perKey: 1, key: (n: number) => n % 2, project: f as never, monitor }),
  ],
  [
    'batchByLane',
    (monitor, f = identity) =>
      batchByLane({ key: (n: number) => n % 2, size: 2, maxInFlight: 4, monitor }, (batch: readonly number[]) => {
        batch.forEach((n) => f(n));
        return [...batch];
      }),
  ],
  [
    'batchByLaneFromBatches',
    (monitor, f = identity) =>
      (source) =>
        source.pipe(
          map((n) => [n]),
          batchByLaneFromBatches({ key: (n: number) => n % 2, size: 2, maxInFlight: 4, monitor }, (batch: readonly number[]) => {
            batch.forEach((n) => f(n));
            return [...batch];
          }),
        ),
  ],
  [
    'boundedOrdering',
    (monitor, f = identity) =>
      (source) =>
        source.pipe(
          map((n) => (f(n), n)),
          boundedOrdering({ maxBounded: 4, initialId: 0, nextId: (i: number) => i + 1, getId: (n: number) => n, monitor }),
        ),
  ],
];

describe.each(operators)('%s with a monitor', (_name, make) => {
  it('never: stays registered while subscribed, leaves on unsubscribe', () => {
    const monitor = lanesMonitor();
    const sub = NEVER.pipe(make(monitor)).subscribe();
    expect(monitor.snapshot().runs).toHaveLength(1);
    sub.unsubscribe();
    expect(monitor.snapshot().runs).toHaveLength(0);
  });

  it('empty: completes and leaves', () => {
    const monitor = lanesMonitor();
    const log: string[] = [];
    EMPTY.pipe(make(monitor)).subscribe({ complete: () => log.push('complete') });
    expect(log).toEqual(['complete']);
    expect(monitor.snapshot().runs).toHaveLength(0);
  });

  it('error: passes the error on and leaves', () => {
    const monitor = lanesMonitor();
    const errors: unknown[] = [];
    throwError(() => 'boom')
      .pipe(make(monitor))
      .subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual(['boom']);
    expect(monitor.snapshot().runs).toHaveLength(0);
  });

  it('early unsubscribe with work in flight: leaves, and the snapshot is empty', () => {
    new TestScheduler((a, b) => expect(a).toEqual(b)).run(({ flush }) => {
      const monitor = lanesMonitor();
      const source = new Subject<number>();
      const sub = source.pipe(make(monitor, (n) => timer(10).pipe(map(() => n)))).subscribe();
      for (let i = 1; i <= 6; i++) source.next(i);
      expect(monitor.snapshot().runs).toHaveLength(1);
      sub.unsubscribe();
      expect(monitor.snapshot()).toEqual({ at: 0, runs: [], total: { held: 0, running: 0, waiting: 0, queued: 0 } });
      flush();
    });
  });

  it('a callback that throws: errors the output and leaves', () => {
    const monitor = lanesMonitor();
    const errors: unknown[] = [];
    of(0, 1, 2)
      .pipe(
        make(monitor, (n) => {
          if (n === 1) throw new Error('thrown');
          return of(n);
        }),
      )
      .subscribe({ error: (e: Error) => errors.push(e.message) });
    expect(errors).toEqual(['thrown']);
    expect(monitor.snapshot().runs).toHaveLength(0);
  });

  it('synchronous firehose stopped by take: the same values as without a monitor, and leaves', () => {
    const monitor = lanesMonitor({ onEvent: () => undefined });
    const withMonitor: unknown[] = [];
    range(0, 10_000)
      .pipe(make(monitor), take(5))
      .subscribe((v) => withMonitor.push(v));
    const without: unknown[] = [];
    range(0, 10_000)
      .pipe(make(lanesMonitor()), take(5))
      .subscribe((v) => without.push(v));
    expect(withMonitor).toEqual(without);
    expect(withMonitor).toHaveLength(5);
    expect(monitor.snapshot().runs).toHaveLength(0);
  });
});

/** Each kind of operator given a monitor not made by lanesMonitor, and the error it must throw. */
const foreignMonitors: [string, () => unknown, TypeError | RegExp][] = [
  [
    'mapAsync, an object',
    () => mapAsync({ parallelism: 1, project: identity, monitor: {} as never }),
    new TypeError('mapAsync: monitor must be made by lanesMonitor(), got an object'),
  ],
  [
    'batchByLane, a number',
    () => batchByLane({ key: () => 0, size: 1, monitor: 1 as never }, () => []),
    /batchByLane: monitor must be made by lanesMonitor\(\)/,
  ],
  [
    'boundedOrdering, a string',
    () => boundedOrdering({ maxBounded: 1, initialId: 0, nextId: (i: number) => i + 1, getId: (n: number) => n, monitor: 'x' as never }),
    /boundedOrdering: monitor must be made by lanesMonitor\(\)/,
  ],
];

/** Bad options of lanesMonitor, and the error each must throw. */
const badMonitorOptions: [string, unknown, ErrorConstructor | RegExp][] = [
  ['a negative topKeys', { topKeys: -1 }, RangeError],
  ['a fractional topKeys', { topKeys: 1.5 }, /topKeys/],
  ['an onEvent that is no function', { onEvent: 1 }, /onEvent/],
  ['a misspelt name', { nmae: 'x' }, /unknown option "nmae"; did you mean "name"/],
  ['a name that is no string', { name: 1 }, /name must be a string/],
];

describe('validation', () => {
  it.each(foreignMonitors)('rejects a monitor not made by lanesMonitor, naming the operator and the value (%s)', (_, call, error) => {
    expect(call).toThrow(error);
  });

  it.each(badMonitorOptions)('lanesMonitor rejects %s', (_, options, error) => {
    expect(() => lanesMonitor(options as never)).toThrow(error);
  });

  it('lanesMonitor accepts topKeys 0', () => {
    expect(lanesMonitor({ topKeys: 0 }).snapshot().runs).toEqual([]);
  });

  it('an onEvent that throws is reported as unhandled, and the operator goes on', () => {
    jest.useFakeTimers();
    try {
      const values: number[] = [];
      const monitor = lanesMonitor({
        onEvent: () => {
          throw new Error('listener');
        },
      });
      of(1, 2)
        .pipe(mapAsync({ parallelism: 1, project: (n: number) => of(n), monitor }))
        .subscribe((v) => values.push(v));
      expect(values).toEqual([1, 2]);
      expect(() => jest.runAllTimers()).toThrow('listener');
    } finally {
      jest.useRealTimers();
    }
  });
});
