import {
  asapScheduler,
  defer,
  EMPTY,
  from,
  lastValueFrom,
  NEVER,
  Observable,
  of,
  range,
  Subject,
  take,
  throwError,
  timer,
  tap,
  toArray,
  concat,
  map,
  finalize,
} from 'rxjs';
import { batchByLane, type BatchSettlement } from '../../src/index';
import { BatchResultCountError, QueueOverflowError } from '../../src/errors';
import { pullFrom } from '../../src/flow/pullFrom';
import { Valve } from '../../src/flow/Valve';

type Msg = { k: string; n: number };
const m = (k: string, n: number): Msg => ({ k, n });
const byK = (x: Msg) => x.k;
const results = (batch: readonly Msg[]) => batch.map((x) => x.n * 10);
const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
const okResults = <T, K, R>(out: BatchSettlement<T, K, R>[]) => out.map((s) => (s.ok ? s.result : s.error));

/** Messages n = 0..count-1 with keys taken round-robin from `keys`. */
const messages = (count: number, keys: string[]): Msg[] => Array.from({ length: count }, (_, n) => m(keys[n % keys.length]!, n));

describe('batchByLane', () => {
  describe('batch sizes', () => {
    it.each([
      [1, 5],
      [3, 9], // exact multiple
      [3, 10], // trailing partial batch of 1
      [4, 3], // only a partial batch
      [5, 5], // exactly one batch
      [100, 250],
    ])('size %i, %i messages of one key: full batches then one trailing partial', async (size, count) => {
      const sizes: number[] = [];
      const out = await lastValueFrom(
        from(messages(count, ['a'])).pipe(
          batchByLane({ key: byK, size }, (batch) => {
            sizes.push(batch.length);
            // Exactly the batch's messages: no empty slot left behind (a batch after full ones reserves
            // `size` slots up front; the trailing partial one must be cut to its messages).
            expect(Object.keys(batch)).toHaveLength(batch.length);
            expect(batch.every((x) => x !== undefined)).toBe(true);
            return results(batch);
          }),
          toArray(),
        ),
      );
      const expected = Array.from({ length: Math.floor(count / size) }, () => size);
      if (count % size) expected.push(count % size);
      expect(sizes).toEqual(expected);
      expect(out.map((s) => s.value.n)).toEqual(Array.from({ length: count }, (_, i) => i));
      expect(out.every((s) => s.ok && s.result === s.value.n * 10)).toBe(true);
    });

    it('cuts each key separately, one lane per batch, in arrival order', async () => {
      const batches: string[] = [];
      await lastValueFrom(
        from(messages(11, ['a', 'b', 'c'])).pipe(
          batchByLane({ key: byK, size: 2 }, (batch, lane) => {
            expect(batch.every((x) => x.k === lane)).toBe(true);
            batches.push(`${lane}:${batch.map((x) => x.n).join(',')}`);
            return results(batch);
          }),
          toArray(),
        ),
      );
      expect(batches).toEqual(['a:0,3', 'b:1,4', 'c:2,5', 'a:6,9', 'b:7,10', 'c:8']);
    });
  });

  describe('positional settlement', () => {
    it('settles message i with result i, whatever the results are', async () => {
      const out = await lastValueFrom(
        from(messages(6, ['a', 'b'])).pipe(
          batchByLane({ key: byK, size: 3 }, (batch) => batch.map((_, i) => `r${i}`)),
          toArray(),
        ),
      );
      expect(out).toEqual([
        { value: m('a', 0), key: 'a', ok: true, result: 'r0' },
        { value: m('b', 1), key: 'b', ok: true, result: 'r0' },
        { value: m('a', 2), key: 'a', ok: true, result: 'r1' },
        { value: m('b', 3), key: 'b', ok: true, result: 'r1' },
        { value: m('a', 4), key: 'a', ok: true, result: 'r2' },
        { value: m('b', 5), key: 'b', ok: true, result: 'r2' },
      ]);
    });

    it('too few results: the unmatched messages settle with a BatchResultCountError and the stream goes on', async () => {
      const out = await lastValueFrom(
        from(messages(7, ['a'])).pipe(
          batchByLane({ key: byK, size: 3 }, (batch) => (batch[0]!.n === 0 ? [0] : results(batch))),
          toArray(),
        ),
      );
      expect(out).toHaveLength(7);
      expect(out.map((s) => s.ok)).toEqual([true, false, false, true, true, true, true]);
      const failed = out[1] as Extract<BatchSettlement<Msg, string, number>, { ok: false }>;
      expect(failed.error).toBeInstanceOf(BatchResultCountError);
      expect(failed.error).toMatchObject({ operator: 'batchByLane', key: 'a', expected: 3, received: 1, index: 1 });
      expect(failed.error.message).toBe(
        'batchByLane: the handler returned 1 result(s) for a batch of 3 messages; message 1 of the batch has no result',
      );
    });

    it('an empty result array settles every message of the batch with an error', async () => {
      const out = await lastValueFrom(
        from(messages(3, ['a'])).pipe(
          batchByLane({ key: byK, size: 3 }, () => []),
          toArray(),
        ),
      );
      expect(out.map((s) => s.ok)).toEqual([false, false, false]);
    });

    it('too many results: the surplus is ignored and reported to onDiagnostic; every message settles once', async () => {
      const diagnostics: unknown[] = [];
      const out = await lastValueFrom(
        from(messages(4, ['a', 'b'])).pipe(
          batchByLane({ key: byK, size: 2, onDiagnostic: (d) => diagnostics.push(d) }, (batch, lane) =>
            lane === 'a' ? [...results(batch), 99, 98] : results(batch),
          ),
          toArray(),
        ),
      );
      expect(okResults(out)).toEqual([0, 10, 20, 30]);
      expect(diagnostics).toEqual([{ kind: 'surplusResults', key: 'a', expected: 2, received: 4 }]);
    });

    it('without onDiagnostic, surplus results are reported once per subscription with console.warn', async () => {
      const warn = jest.spyOn(console, 'warn').mockImplementation(() => undefined);
      try {
        const op = batchByLane({ key: byK, size: 1 }, (batch: readonly Msg[]) => [...results(batch), 0]);
        await lastValueFrom(from(messages(3, ['a'])).pipe(op, toArray()));
        expect(warn).toHaveBeenCalledTimes(1);
        expect(warn.mock.calls[0]![0]).toMatch(/batchByLane: the handler returned 2 results for a batch of 1 for key "a"/);
        await lastValueFrom(from(messages(3, ['a'])).pipe(op, toArray()));
        expect(warn).toHaveBeenCalledTimes(2);
      } finally {
        warn.mockRestore();
      }
    });

    it('a throwing onDiagnostic fails the output', async () => {
      const boom = new Error('boom');
      await expect(
        lastValueFrom(
          from(messages(2, ['a'])).pipe(
            batchByLane(
              {
                key: byK,
                size: 2,
                onDiagnostic: () => {
                  throw boom;
                },
              },
              (b) => [...results(b), 1],
            ),
          ),
        ),
      ).rejects.toBe(boom);
    });
  });

  describe('handler results', () => {
    it('accepts a Promise of an array', async () => {
      const out = await lastValueFrom(
        from(messages(5, ['a', 'b'])).pipe(
          batchByLane({ key: byK, size: 2 }, async (batch) => {
            await flush();
            return results(batch);
          }),
          toArray(),
        ),
      );
      expect(okResults(out)).toEqual([0, 10, 20, 30, 40]);
    });

    it('accepts a PromiseLike that is not a Promise', async () => {
      const thenable = (value: number[]): PromiseLike<number[]> => ({
        then: (onOk) => Promise.resolve(value).then(onOk) as never,
      });
      const out = await lastValueFrom(
        from(messages(3, ['a'])).pipe(
          batchByLane({ key: byK, size: 2 }, (b) => thenable(results(b))),
          toArray(),
        ),
      );
      expect(okResults(out)).toEqual([0, 10, 20]);
    });

    it('accepts an Observable and uses its first array, unsubscribing from the rest', async () => {
      let finalized = 0;
      const out = await lastValueFrom(
        from(messages(4, ['a'])).pipe(
          batchByLane({ key: byK, size: 2 }, (batch) => concat(of(results(batch)), of([7, 7]), NEVER).pipe(finalize(() => finalized++))),
          toArray(),
        ),
      );
      expect(okResults(out)).toEqual([0, 10, 20, 30]);
      expect(finalized).toBe(2);
    });

    it('fails with a TypeError when the Observable completes without an array', async () => {
      await expect(lastValueFrom(from(messages(2, ['a'])).pipe(batchByLane({ key: byK, size: 2 }, () => EMPTY)))).rejects.toThrow(
        new TypeError('batchByLane: the handler\'s Observable for key "a" completed without emitting the results array'),
      );
    });

    it('fails with a TypeError when the handler returns something else', async () => {
      await expect(lastValueFrom(from([m('a', 0)]).pipe(batchByLane({ key: byK, size: 1 }, () => 42 as never)))).rejects.toThrow(
        new TypeError('batchByLane: the handler must return an array, a Promise of an array or an Observable of one array, got 42'),
      );
      await expect(
        lastValueFrom(from([m('a', 0)]).pipe(batchByLane({ key: byK, size: 1 }, () => Promise.resolve('x' as never)))),
      ).rejects.toThrow(new TypeError('batchByLane: the handler\'s result for key "a" must be an array, got "x"'));
    });

    it('passes the lane key and a context with an AbortSignal', async () => {
      const seen: unknown[] = [];
      await lastValueFrom(
        from(messages(2, ['a', 'b'])).pipe(
          batchByLane({ key: byK, size: 1 }, (batch, lane, context) => {
            seen.push([lane, context.signal instanceof AbortSignal, context.signal.aborted]);
            return results(batch);
          }),
          toArray(),
        ),
      );
      expect(seen).toEqual([
        ['a', true, false],
        ['b', true, false],
      ]);
    });
  });

  describe('errors fail the output at once', () => {
    const boom = new Error('boom');
    it.each([
      [
        'throws',
        () => {
          throw boom;
        },
      ],
      ['rejects', () => Promise.reject(boom)],
      ['errors', () => throwError(() => boom)],
    ])('a handler that %s', async (_, handler) => {
      const seen: BatchSettlement<Msg, string, number>[] = [];
      const done = lastValueFrom(
        concat(from(messages(3, ['a', 'b'])), NEVER).pipe(
          batchByLane({ key: byK, size: 1, maxInFlight: 10 }, (batch, lane) =>
            lane === 'b' ? (handler as () => never)() : results(batch),
          ),
          map((s) => (seen.push(s), s)),
        ),
      );
      await expect(done).rejects.toBe(boom);
      expect(seen.map((s) => s.value.n)).toEqual([0]); // a's settlement left before b's handler failed
    });

    it('a throwing key function', async () => {
      const boom = new Error('bad key');
      await expect(
        lastValueFrom(
          from([1, 2]).pipe(
            batchByLane(
              {
                key: () => {
                  throw boom;
                },
                size: 1,
              },
              (b) => b,
            ),
          ),
        ),
      ).rejects.toBe(boom);
    });

    it('a source error, even with batches pending', async () => {
      const boom = new Error('source');
      let aborted = false;
      await expect(
        lastValueFrom(
          concat(
            of(m('a', 0)),
            throwError(() => boom),
          ).pipe(
            batchByLane({ key: byK, size: 1 }, (_b, _l, { signal }) => {
              signal.addEventListener('abort', () => (aborted = true));
              return new Promise<number[]>(() => undefined);
            }),
          ),
        ),
      ).rejects.toBe(boom);
      expect(aborted).toBe(true);
    });
  });

  describe('contributor checklist', () => {
    it('never: emits nothing and does not complete', () => {
      const next = jest.fn();
      const complete = jest.fn();
      const sub = NEVER.pipe(batchByLane({ key: byK, size: 2 }, results)).subscribe({ next, complete });
      expect(next).not.toHaveBeenCalled();
      expect(complete).not.toHaveBeenCalled();
      sub.unsubscribe();
    });

    it('empty: completes at once without calling the handler', async () => {
      const handler = jest.fn(results);
      expect(await lastValueFrom(EMPTY.pipe(batchByLane({ key: byK, size: 2 }, handler), toArray()))).toEqual([]);
      expect(handler).not.toHaveBeenCalled();
    });

    it('one value: flushes it as a partial batch on completion', async () => {
      const out = await lastValueFrom(of(m('a', 1)).pipe(batchByLane({ key: byK, size: 50 }, results), toArray()));
      expect(out).toEqual([{ value: m('a', 1), key: 'a', ok: true, result: 10 }]);
    });

    it.each([
      ['size 1', { size: 1 }],
      ['size 10', { size: 10 }],
      ['size 10, maxInFlight 5', { size: 10, maxInFlight: 5 }],
      ['size 3, maxInFlight 100, unordered', { size: 3, maxInFlight: 100, ordered: false }],
    ])('synchronous firehose: range(0, 1e9) with take(3) returns (%s)', (_, options) => {
      const out: number[] = [];
      range(0, 1e9)
        .pipe(
          batchByLane({ key: (n: number) => n % 4, ...options }, (batch) => batch),
          take(3),
        )
        .subscribe((s) => out.push(s.value));
      expect(out).toHaveLength(3);
    });

    it('a synchronous source of a million messages through a synchronous handler uses constant stack', async () => {
      let count = 0;
      await lastValueFrom(
        range(0, 1_000_000).pipe(
          batchByLane({ key: (n: number) => n % 7, size: 1, maxInFlight: 3 }, (b) => b),
          map(() => count++),
          toArray(),
        ),
      );
      expect(count).toBe(1_000_000);
    });

    it('keeps all state per subscription', async () => {
      const op = batchByLane({ key: byK, size: 2 }, results);
      const source = from(messages(5, ['a', 'b']));
      const [x, y] = await Promise.all([lastValueFrom(source.pipe(op, toArray())), lastValueFrom(source.pipe(op, toArray()))]);
      expect(x).toEqual(y);
      expect(x).toHaveLength(5);
    });

    it('is re-entrant: a downstream that feeds the source while receiving a settlement', async () => {
      const input = new Subject<Msg>();
      const got: number[] = [];
      input.pipe(batchByLane({ key: byK, size: 1, maxInFlight: 2 }, results)).subscribe((s) => {
        got.push(s.value.n);
        if (s.value.n < 5) input.next(m(s.value.n % 2 ? 'a' : 'b', s.value.n + 1));
        else input.complete();
      });
      input.next(m('a', 0));
      expect(got).toEqual([0, 1, 2, 3, 4, 5]);
    });
  });

  describe('teardown', () => {
    it('unsubscribing aborts the signal of running Promise handlers and ignores their late results', async () => {
      const signals: AbortSignal[] = [];
      const resolvers: ((r: number[]) => void)[] = [];
      const next = jest.fn();
      const sub = from(messages(3, ['a', 'b', 'c']))
        .pipe(
          batchByLane({ key: byK, size: 1 }, (b, _lane, { signal }) => {
            signals.push(signal);
            return new Promise<number[]>((resolve) => resolvers.push(() => resolve(results(b))));
          }),
        )
        .subscribe(next);
      expect(signals).toHaveLength(3);
      sub.unsubscribe();
      expect(signals.every((s) => s.aborted)).toBe(true);
      resolvers.forEach((r) => r([]));
      await flush();
      expect(next).not.toHaveBeenCalled();
    });

    it('unsubscribing unsubscribes running handler Observables and the source', () => {
      let handlerSubs = 0;
      let sourceSubs = 0;
      const source = new Observable<Msg>((s) => {
        sourceSubs++;
        s.next(m('a', 0));
        s.next(m('b', 1));
        return () => sourceSubs--;
      });
      const sub = source
        .pipe(
          batchByLane({ key: byK, size: 1 }, () =>
            defer(() => {
              handlerSubs++;
              return NEVER;
            }).pipe(finalize(() => handlerSubs--)),
          ),
        )
        .subscribe();
      expect([sourceSubs, handlerSubs]).toEqual([1, 2]);
      sub.unsubscribe();
      expect([sourceSubs, handlerSubs]).toEqual([0, 0]);
    });

    it('a handler that makes the output unsubscribe has its Observable ignored, not subscribed', () => {
      const input = new Subject<Msg>();
      let subscribed = false;
      const sub = input
        .pipe(
          batchByLane({ key: byK, size: 1 }, () => {
            sub.unsubscribe();
            return defer(() => {
              subscribed = true;
              return NEVER;
            });
          }),
        )
        .subscribe();
      input.next(m('a', 0));
      expect(sub.closed).toBe(true);
      expect(subscribed).toBe(false);
    });

    it('unsubscribing cancels maxWait timers', async () => {
      const handler = jest.fn(results);
      const sub = concat(of(m('a', 0)), NEVER)
        .pipe(batchByLane({ key: byK, size: 5, maxWait: 5, scheduler: asapScheduler }, handler))
        .subscribe();
      sub.unsubscribe();
      await new Promise((r) => setTimeout(r, 20));
      expect(handler).not.toHaveBeenCalled();
    });

    it('a maxWait timer really flushes on the default asyncScheduler', async () => {
      const log: string[] = [];
      const second = timer(60).pipe(
        map(() => m('a', 1)),
        tap(() => log.push('second arrives')),
      );
      const out = await lastValueFrom(
        concat(of(m('a', 0)), second).pipe(
          batchByLane({ key: byK, size: 5, maxWait: 10 }, (b) => {
            log.push(`flush of ${b.length}`);
            return results(b);
          }),
          toArray(),
        ),
      );
      expect(out).toHaveLength(2);
      // the first batch was flushed by its timer alone, before the second element arrived (order, not time)
      expect(log).toEqual(['flush of 1', 'second arrives', 'flush of 1']);
    });
  });

  describe('flow control', () => {
    it('a pull source is read only up to maxInFlight while batches are pending', async () => {
      let reads = 0;
      async function* source() {
        for (let n = 0; n < 100; n++) {
          reads++;
          yield m(`k${n % 10}`, n);
        }
      }
      const valve = new Valve();
      const pending: (() => void)[] = [];
      const out: number[] = [];
      const done = new Promise<void>((resolve, reject) =>
        pullFrom(source(), valve)
          .pipe(
            batchByLane(
              { key: byK, size: 3, concurrency: 2, maxInFlight: 12, valve },
              (b) => new Promise<number[]>((res) => pending.push(() => res(results(b)))),
            ),
          )
          .subscribe({ next: (s) => out.push(s.value.n), error: reject, complete: resolve }),
      );
      for (let i = 0; i < 5; i++) await flush();
      expect(reads).toBe(12);
      expect(valve.isOpen).toBe(false);
      // Let everything through, checking the read-ahead on the way.
      while (out.length < 100) {
        pending.shift()?.();
        await flush();
        expect(reads - out.length).toBeLessThanOrEqual(12);
      }
      await done;
      expect(out).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(valve.isOpen).toBe(true);
    });

    it('a pausable source is paused while the window is full and resumed when it has room', () => {
      const valve = new Valve();
      const changes: boolean[] = [];
      valve.onChange((open) => changes.push(open));
      const input = new Subject<Msg>();
      const pending: (() => void)[] = [];
      input
        .pipe(
          batchByLane(
            { key: byK, size: 2, maxInFlight: 4, valve },
            (b) => new Observable<number[]>((s) => void pending.push(() => s.next(results(b)))),
          ),
        )
        .subscribe();
      messages(4, ['a', 'b']).forEach((x) => input.next(x));
      expect(changes).toEqual([false]);
      pending.shift()!(); // lane a settles: n=0 is emitted (n=2 waits for b), so the window has room again
      expect(changes).toEqual([false, true]);
    });

    it('a push source beyond maxInFlight + maxQueued fails with QueueOverflowError', async () => {
      await expect(
        lastValueFrom(
          from(messages(10, ['a'])).pipe(
            batchByLane({ key: byK, size: 2, maxInFlight: 3, maxQueued: 2 }, () => new Promise<number[]>(() => undefined)),
          ),
        ),
      ).rejects.toBeInstanceOf(QueueOverflowError);
    });
  });
});
