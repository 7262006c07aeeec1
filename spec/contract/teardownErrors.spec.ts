/**
 * A finalizer that throws does not stop the rest of the teardown: every inner is still unsubscribed and
 * its signal aborted, every timer cancelled, the valve released — and the errors are reported as RxJS
 * reports them: one `UnsubscriptionError` thrown to whoever unsubscribed (the output was closed by
 * `unsubscribe()`), or `config.onUnhandledError` when nobody can receive it (a Promise settling).
 * RxJS's `mergeMap` is the reference.
 */
import { config, mergeMap, Observable, Subject, Subscription, UnsubscriptionError, type OperatorFunction, type SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { batchByLane, boundedOrdering, mapAsync, Valve, type ProjectContext } from '../../src/index';
import { mapKinds, mapOp } from './support';

// Property runs take seconds on an idle machine; the default 5 s timeout is too short under load.
jest.setTimeout(60_000);

const teardownError = new Error('teardown threw');

/** An inner that never emits and whose teardown throws `teardownError` (when `throws`) after logging. */
const hostileInner = (name: number, throws: boolean, log: string[]) =>
  new Observable<number>(() => () => {
    log.push(`fin ${name}`);
    if (throws) throw teardownError;
  });

/** What `unsubscribe()` threw, flattened to the errors it carries. */
function unsubscribeErrors(subscription: Subscription): unknown[] | 'nothing thrown' {
  try {
    subscription.unsubscribe();
  } catch (error) {
    if (!(error instanceof UnsubscriptionError)) return [error];
    return error.errors;
  }
  return 'nothing thrown';
}

describe.each(mapKinds)('%s — a throwing finalizer does not stop the teardown', (kind) => {
  it('unsubscribe throws one UnsubscriptionError carrying the inner’s error, as with mergeMap; every other inner is still unsubscribed', () => {
    const run = (operator: (project: (v: number) => Observable<number>) => OperatorFunction<number, number>) => {
      const log: string[] = [];
      const source = new Subject<number>();
      const subscription = source.pipe(operator((v) => hostileInner(v, v === 0, log))).subscribe();
      [0, 1, 2].forEach((v) => source.next(v));
      const errors = unsubscribeErrors(subscription);
      return { errors, log, observed: source.observed };
    };
    const reference = run((project) => mergeMap(project, 3));
    expect(reference).toEqual({ errors: [teardownError], log: ['fin 0', 'fin 1', 'fin 2'], observed: false });
    expect(run((project) => mapOp(kind, 3, (v: number) => v, project))).toEqual(reference);
  });

  it('aborts the signal of every running element even when the first teardown throws', () => {
    const log: string[] = [];
    const signals: AbortSignal[] = [];
    const source = new Subject<number>();
    const subscription = source
      .pipe(
        mapOp(
          kind,
          3,
          (v: number) => v,
          (v: number, context: ProjectContext) => {
            signals.push(context.signal);
            return hostileInner(v, v === 0, log);
          },
        ),
      )
      .subscribe();
    [0, 1, 2].forEach((v) => source.next(v));
    expect(unsubscribeErrors(subscription)).toEqual([teardownError]);
    expect(signals.map((s) => s.aborted)).toEqual([true, true, true]);
  });

  it('a source whose teardown throws: the inners are still torn down, and the error reaches the caller', () => {
    const log: string[] = [];
    const source = new Observable<number>((subscriber) => {
      subscriber.next(0);
      subscriber.next(1);
      return () => {
        log.push('fin source');
        throw teardownError;
      };
    });
    const subscription = source
      .pipe(
        mapOp(
          kind,
          3,
          (v: number) => v,
          (v: number) => hostileInner(v, false, log),
        ),
      )
      .subscribe();
    expect(unsubscribeErrors(subscription)).toEqual([teardownError]);
    expect(log).toEqual(['fin source', 'fin 0', 'fin 1']);
  });

  it('when a rejection fails the output, the other inners are torn down and a throwing teardown is reported to onUnhandledError', async () => {
    const reported: unknown[] = [];
    const saved = config.onUnhandledError;
    config.onUnhandledError = (error) => reported.push(error);
    try {
      const log: string[] = [];
      const failure = new Error('rejected');
      let outputError: unknown;
      const source = new Subject<number>();
      source
        .pipe(
          mapOp(
            kind,
            3,
            (v: number) => v,
            (v: number) => (v === 2 ? Promise.reject(failure) : hostileInner(v, v === 0, log)),
          ),
        )
        .subscribe({ error: (e: unknown) => (outputError = e) });
      [0, 1, 2].forEach((v) => source.next(v));
      // RxJS reports unhandled errors on a timer: wait for it (bounded), then a little longer for a second one.
      for (let i = 0; i < 200 && reported.length === 0; i++) await new Promise((resolve) => setTimeout(resolve, 5));
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect(outputError).toBe(failure);
      expect(log).toEqual(['fin 0', 'fin 1']);
      const flattened = reported.flatMap((e) => (e instanceof UnsubscriptionError ? e.errors : [e]));
      expect(flattened).toEqual([teardownError]);
    } finally {
      config.onUnhandledError = saved;
    }
  });
});

describe('mapAsync — the valve is released even when a teardown throws', () => {
  it('reopens the valve it held closed', () => {
    const valve = new Valve();
    const log: string[] = [];
    const source = new Subject<number>();
    const subscription = source.pipe(mapAsync({ parallelism: 2, project: (v: number) => hostileInner(v, true, log), valve })).subscribe();
    source.next(0);
    source.next(1);
    expect(valve.isOpen).toBe(false);
    expect(unsubscribeErrors(subscription)).toEqual([teardownError, teardownError]);
    expect(log).toEqual(['fin 0', 'fin 1']);
    expect(valve.isOpen).toBe(true);
  });
});

describe('batchByLane — a throwing finalizer does not stop the teardown', () => {
  it('a handler Observable whose teardown throws: the other handlers are unsubscribed and aborted, timers cancelled, the valve reopens', () => {
    new TestScheduler(() => {}).run(({ flush }) => {
      const valve = new Valve();
      const log: string[] = [];
      const signals: AbortSignal[] = [];
      const source = new Subject<number>();
      const subscription = source
        .pipe(
          batchByLane({ key: (v: number) => v % 3, size: 2, maxWait: 50, maxInFlight: 4, valve }, (batch, _key, context) => {
            signals.push(context.signal);
            return hostileInner(batch[0]!, batch[0] === 0, log) as unknown as Observable<readonly number[]>;
          }),
        )
        .subscribe();
      [0, 3, 1, 4].forEach((v) => source.next(v)); // two full batches run; the window (4) is full
      expect(valve.isOpen).toBe(false);
      source.next(2); // queued
      expect(unsubscribeErrors(subscription)).toEqual([teardownError]);
      expect(log).toEqual(['fin 0', 'fin 1']);
      expect(signals.map((s) => s.aborted)).toEqual([true, true]);
      expect(valve.isOpen).toBe(true);
      expect(source.observed).toBe(false);
      flush();
    });
  });

  it('a maxWait timer whose cancellation throws: the other timers are cancelled and the running handlers unsubscribed', () => {
    const scheduler = new TestScheduler(() => {});
    let armed = 0;
    const hostile: SchedulerLike = {
      now: () => scheduler.now(),
      schedule: (work: () => void, delay?: number) => {
        const action = scheduler.schedule(work, delay);
        const first = ++armed === 1;
        return new Subscription(() => {
          action.unsubscribe();
          if (first) throw teardownError; // lane 0's timer
        });
      },
    } as SchedulerLike;
    const log: string[] = [];
    const source = new Subject<number>();
    const subscription = source
      .pipe(
        batchByLane({ key: (v: number) => v % 4, size: 2, maxWait: 10, scheduler: hostile }, (batch) =>
          batch[0] === 3 ? (hostileInner(3, false, log) as unknown as Observable<readonly number[]>) : new Subject<readonly number[]>(),
        ),
      )
      .subscribe();
    [0, 1, 2, 3, 7].forEach((v) => source.next(v)); // lanes 0, 1, 2 buffered with timers; lane 3 runs [3, 7]
    expect(scheduler.actions).toHaveLength(3);
    expect(unsubscribeErrors(subscription)).toEqual([teardownError]);
    expect(scheduler.actions).toHaveLength(0);
    expect(log).toEqual(['fin 3']);
  });
});

describe('boundedOrdering — a throwing finalizer does not stop the teardown', () => {
  it('a source whose teardown throws: the maxWait timer is still cancelled and the error reaches the caller', () => {
    const scheduler = new TestScheduler(() => {});
    const source = new Observable<number>((subscriber) => {
      subscriber.next(1); // early (0 expected): buffered, the maxWait timer is armed
      return () => {
        throw teardownError;
      };
    });
    const subscription = source
      .pipe(
        boundedOrdering({ maxBounded: 4, initialId: 0, nextId: (id: number) => id + 1, getId: (v: number) => v, maxWait: 100, scheduler }),
      )
      .subscribe();
    expect(scheduler.actions).toHaveLength(1);
    expect(unsubscribeErrors(subscription)).toEqual([teardownError]);
    expect(scheduler.actions).toHaveLength(0);
  });
});
