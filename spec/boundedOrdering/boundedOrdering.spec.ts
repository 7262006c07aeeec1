import fc from 'fast-check';
import { from, map, NEVER, Observable, of, range, Subject, take, throwError, toArray, lastValueFrom, EMPTY } from 'rxjs';
import type { SchedulerAction, SchedulerLike } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { boundedOrdering, type BoundedOrderingGap, type BoundedOrderingLate } from '../../src/boundedOrdering';

const inc = (id: number) => id + 1;
const self = (x: number) => x;
const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
/** Letters for marbles: a=1, b=2, ... */
const ids = Object.fromEntries('abcdefghijklmnop'.split('').map((c, i) => [c, i + 1])) as Record<string, number>;

/** Runs a synchronous source through the operator and collects output, gaps and late elements. */
function collect(input: number[], maxBounded: number, initialId = 0) {
  const gaps: BoundedOrderingGap<number>[] = [];
  const lates: BoundedOrderingLate<number, number>[] = [];
  const out: number[] = [];
  let completed = false;
  from(input)
    .pipe(boundedOrdering({ maxBounded, initialId, nextId: inc, getId: self, onGap: (g) => gaps.push(g), onLate: (l) => lates.push(l) }))
    .subscribe({ next: (v) => out.push(v), complete: () => (completed = true) });
  return { out, gaps, lates, completed };
}

function throwsAtCreation(create: () => unknown, type: typeof TypeError | typeof RangeError, message: string) {
  let error: unknown;
  try {
    create();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(type);
  expect((error as Error).message).toBe(message);
}

describe('boundedOrdering', () => {
  describe('creation-time validation', () => {
    it('rejects a bad maxBounded with the parameter and the value', () => {
      throwsAtCreation(() => boundedOrdering(0, 0, inc, self), RangeError, 'boundedOrdering: maxBounded must be an integer ≥ 1, got 0');
      throwsAtCreation(() => boundedOrdering(2.5, 0, inc, self), RangeError, 'boundedOrdering: maxBounded must be an integer ≥ 1, got 2.5');
      throwsAtCreation(() => boundedOrdering(-1, 0, inc, self), RangeError, 'boundedOrdering: maxBounded must be an integer ≥ 1, got -1');
      throwsAtCreation(
        () => boundedOrdering(Infinity, 0, inc, self),
        RangeError,
        'boundedOrdering: maxBounded must be an integer ≥ 1, got Infinity',
      );
      throwsAtCreation(() => boundedOrdering(NaN, 0, inc, self), RangeError, 'boundedOrdering: maxBounded must be an integer ≥ 1, got NaN');
      throwsAtCreation(
        () => boundedOrdering({ maxBounded: '5' as unknown as number, initialId: 0, nextId: inc, getId: self }),
        TypeError,
        'boundedOrdering: maxBounded must be a number, got "5"',
      );
    });

    it('rejects functions that are not functions', () => {
      throwsAtCreation(() => boundedOrdering(4, 0, 1 as never, self), TypeError, 'boundedOrdering: nextId must be a function, got 1');
      throwsAtCreation(() => boundedOrdering(4, 0, inc, 'id' as never), TypeError, 'boundedOrdering: getId must be a function, got "id"');
      throwsAtCreation(
        () => boundedOrdering(4, 0, inc, self, {} as never),
        TypeError,
        'boundedOrdering: compare must be a function, got an object',
      );
      const base = { maxBounded: 4, initialId: 0, nextId: inc, getId: self };
      throwsAtCreation(
        () => boundedOrdering({ ...base, onGap: true as never }),
        TypeError,
        'boundedOrdering: onGap must be a function, got true',
      );
      throwsAtCreation(
        () => boundedOrdering({ ...base, onLate: null as never }),
        TypeError,
        'boundedOrdering: onLate must be a function, got null',
      );
    });

    it('rejects a bad maxWait, scheduler, options object or unknown option', () => {
      const base = { maxBounded: 4, initialId: 0, nextId: inc, getId: self };
      throwsAtCreation(
        () => boundedOrdering({ ...base, maxWait: -1 }),
        RangeError,
        'boundedOrdering: maxWait must be a number of milliseconds ≥ 0, or Infinity, got -1',
      );
      throwsAtCreation(
        () => boundedOrdering({ ...base, maxWait: NaN }),
        RangeError,
        'boundedOrdering: maxWait must be a number of milliseconds ≥ 0, or Infinity, got NaN',
      );
      throwsAtCreation(
        () => boundedOrdering({ ...base, maxWait: '5' as never }),
        TypeError,
        'boundedOrdering: maxWait must be a number of milliseconds, got "5"',
      );
      throwsAtCreation(
        () => boundedOrdering({ ...base, scheduler: {} as SchedulerLike }),
        TypeError,
        'boundedOrdering: scheduler must be a SchedulerLike (with now and schedule), got an object',
      );
      throwsAtCreation(() => boundedOrdering(null as never), TypeError, 'boundedOrdering: options must be an object, got null');
      throwsAtCreation(
        () => boundedOrdering({ ...base, maxbounded: 3 } as never),
        TypeError,
        `boundedOrdering: unknown option "maxbounded"; did you mean "maxBounded"? (known: maxBounded, initialId, nextId, getId, compare, maxWait, scheduler, onGap, onLate, monitor)`,
      );
      throwsAtCreation(
        () => boundedOrdering({ ...base, valve: {} } as never),
        TypeError,
        `boundedOrdering: unknown option "valve" (known: maxBounded, initialId, nextId, getId, compare, maxWait, scheduler, onGap, onLate, monitor). boundedOrdering never refuses input, so it takes no flow control; see its documentation`,
      );
    });

    it('without compare, requires a number, bigint or string initialId', () => {
      throwsAtCreation(
        () =>
          boundedOrdering(
            4,
            { n: 1 },
            (id) => id,
            () => ({ n: 1 }),
          ),
        TypeError,
        'boundedOrdering: initialId must be a number (not NaN), a bigint or a string to use the natural order, got an object; pass compare to order other ids',
      );
      throwsAtCreation(
        () => boundedOrdering(4, NaN, inc, self),
        TypeError,
        'boundedOrdering: initialId must be a number (not NaN), a bigint or a string to use the natural order, got NaN; pass compare to order other ids',
      );
      expect(() =>
        boundedOrdering(
          4,
          { n: 1 },
          (id) => ({ n: id.n + 1 }),
          () => ({ n: 1 }),
          (a, b) => a.n - b.n,
        ),
      ).not.toThrow();
    });

    it('accepts maxWait 0 and Infinity', () => {
      const base = { maxBounded: 4, initialId: 0, nextId: inc, getId: self };
      expect(() => boundedOrdering({ ...base, maxWait: 0 })).not.toThrow();
      expect(() => boundedOrdering({ ...base, maxWait: Infinity })).not.toThrow();
    });
  });

  describe('the four rules', () => {
    it('emits in-order elements at once (match)', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        expectObservable(cold('-a-b-c-|', ids).pipe(boundedOrdering(3, 1, inc, self))).toBe('-a-b-c-|', ids);
      });
    });

    it('buffers early elements and releases the run when the missing one arrives', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const source = cold('-c-b-a-----e-d-----|', ids);
        expectObservable(source.pipe(boundedOrdering(3, 1, inc, self))).toBe('-----(abc)---(de)--|', ids);
      });
    });

    it('gives up on a gap when the (maxBounded+1)-th early element arrives (the documented example)', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        // id 4 (d) never comes; maxBounded 3
        const source = cold('-b---c---a---e---f---g---h-------|', ids);
        expectObservable(source.pipe(boundedOrdering(3, 1, inc, self))).toBe('---------(abc)-----------(efgh)--|', ids);
      });
    });

    it('with a full buffer, a matching element is a match: no gap', () => {
      const { out, gaps } = collect([2, 3, 4, 1], 3, 1);
      expect(out).toEqual([1, 2, 3, 4]);
      expect(gaps).toEqual([]);
    });

    it('the (maxBounded+1)-th early element overflows and the skipped id is late when it comes', () => {
      const { out, gaps, lates } = collect([2, 3, 4, 5, 1, 6], 3, 1);
      expect(out).toEqual([2, 3, 4, 5, 1, 6]);
      expect(gaps).toEqual([{ from: 1, to: 2, reason: 'overflow' }]);
      expect(lates).toEqual([{ value: 1, id: 1, expected: 6 }]);
    });

    it('a window of 1 holds one element', () => {
      expect(collect([1, 0, 3, 2, 5, 4], 1).out).toEqual([0, 1, 2, 3, 4, 5]);
      const { out, gaps } = collect([1, 2, 0], 1);
      expect(out).toEqual([1, 2, 0]);
      expect(gaps).toEqual([{ from: 0, to: 1, reason: 'overflow' }]);
    });

    it('emits late elements at once, never dropping or deduplicating them', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        // window 1: b then c overflows (a given up); a arrives late, then a duplicate c
        const source = cold('-b-c-----a-c-d-|', ids);
        expectObservable(source.pipe(boundedOrdering(1, 1, inc, self))).toBe('---(bc)--a-c-d-|', ids);
      });
    });

    it('skips several gaps and reports each', () => {
      const { out, gaps } = collect([3, 4, 7, 9, 10, 12], 2);
      expect(out).toEqual([3, 4, 7, 9, 10, 12]);
      expect(gaps).toEqual([
        { from: 0, to: 3, reason: 'overflow' },
        { from: 5, to: 7, reason: 'overflow' },
        { from: 8, to: 9, reason: 'overflow' },
        { from: 11, to: 12, reason: 'complete' },
      ]);
    });
  });

  describe('where squbs’ BoundedOrdering drops, stalls or moves backwards', () => {
    it('flushes the buffer in id order when the source completes', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const source = cold('-e-c-b-|', ids);
        expectObservable(source.pipe(boundedOrdering(5, 1, inc, self))).toBe('-------(bce|)', ids);
      });
      const { out, gaps, completed } = collect([5, 3, 2], 5, 1);
      expect(out).toEqual([2, 3, 5]);
      expect(completed).toBe(true);
      expect(gaps).toEqual([
        { from: 1, to: 2, reason: 'complete' },
        { from: 4, to: 5, reason: 'complete' },
      ]);
    });

    it('releases a buffered duplicate as late right after its twin (no stale head)', () => {
      const { out, lates, gaps } = collect([2, 2, 3, 1, 4], 4, 1);
      expect(out).toEqual([1, 2, 2, 3, 4]);
      expect(lates).toEqual([{ value: 2, id: 2, expected: 3 }]);
      expect(gaps).toEqual([]);
    });

    it('a buffered id that nextId steps over does not stall the buffer', () => {
      const out: number[] = [];
      const lates: number[] = [];
      from([3, 4, 2, 0, 6, 8])
        .pipe(
          boundedOrdering({ maxBounded: 3, initialId: 0, nextId: (id: number) => id + 2, getId: self, onLate: (l) => lates.push(l.id) }),
        )
        .subscribe((v) => out.push(v));
      expect(out).toEqual([0, 2, 3, 4, 6, 8]);
      expect(lates).toEqual([3]);
    });
  });

  describe('ids', () => {
    interface Message {
      seq: number;
      body: string;
    }

    it('works with an element type that differs from the id type', async () => {
      const messages: Message[] = [3, 1, 2, 5, 4].map((seq) => ({ seq, body: `m${seq}` }));
      const out = await lastValueFrom(
        from(messages).pipe(boundedOrdering({ maxBounded: 2, initialId: 1, nextId: inc, getId: (m: Message) => m.seq }), toArray()),
      );
      expect(out.map((m) => m.body)).toEqual(['m1', 'm2', 'm3', 'm4', 'm5']);
      expect(out[0]).toBe(messages[1]); // the same objects, not copies
    });

    it('orders numeric strings stepping by 2 with a custom comparator', async () => {
      const input = ['4', '0', '2', '8', '12', '6', '10', '14'];
      const numeric = (a: string, b: string) => Number(a) - Number(b);
      const step = (id: string) => String(Number(id) + 2);
      const out = await lastValueFrom(
        from(input).pipe(
          boundedOrdering(4, '0', step, (s: string) => s, numeric),
          toArray(),
        ),
      );
      expect(out).toEqual(['0', '2', '4', '6', '8', '10', '12', '14']);
    });

    it('the natural order of those strings is refused at the first id that breaks it, with a clear error', async () => {
      const step = (id: string) => String(Number(id) + 2);
      const result = lastValueFrom(
        from(['0', '2', '4', '6', '8', '10']).pipe(
          boundedOrdering(4, '0', step, (s: string) => s),
          toArray(),
        ),
      );
      await expect(result).rejects.toThrow(
        new RangeError('boundedOrdering: nextId must return an id after its argument, but nextId("8") returned "10"'),
      );
    });

    it('orders bigints and strings naturally', async () => {
      const big = await lastValueFrom(
        from([2n ** 64n + 1n, 2n ** 64n]).pipe(
          boundedOrdering(
            2,
            2n ** 64n,
            (id) => id + 1n,
            (x: bigint) => x,
          ),
          toArray(),
        ),
      );
      expect(big).toEqual([2n ** 64n, 2n ** 64n + 1n]);
      const letter = (id: string) => String.fromCharCode(id.charCodeAt(0) + 1);
      const letters = await lastValueFrom(
        from(['c', 'a', 'b', 'd']).pipe(
          boundedOrdering(2, 'a', letter, (x: string) => x),
          toArray(),
        ),
      );
      expect(letters).toEqual(['a', 'b', 'c', 'd']);
    });

    it('errors at the first element whose id has the wrong type under the natural order', () => {
      newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-a-b-c-|', { a: 1, b: '2', c: 3 } as Record<string, unknown>);
        const error = new TypeError(
          'boundedOrdering: getId returned "2", but ids must be a number (not NaN) like initialId; pass compare to order other ids',
        );
        expectObservable(source.pipe(boundedOrdering(3, 1, inc as (id: unknown) => unknown, (x: unknown) => x))).toBe(
          '-a-#',
          { a: 1 },
          error,
        );
        expectSubscriptions(source.subscriptions).toBe('^--!');
      });
    });

    it('errors on a NaN id and on a nextId that returns the wrong type', async () => {
      await expect(lastValueFrom(from([NaN]).pipe(boundedOrdering(3, 0, inc, self)))).rejects.toThrow(
        'boundedOrdering: getId returned NaN, but ids must be a number (not NaN) like initialId',
      );
      const bad = (id: number) => String(id + 1) as unknown as number;
      await expect(lastValueFrom(from([0]).pipe(boundedOrdering(3, 0, bad, self)))).rejects.toThrow(
        new TypeError('boundedOrdering: nextId(0) returned "1", but ids must be a number (not NaN) like initialId'),
      );
    });

    it('the positional signature and the options object behave the same', () => {
      const input = [4, 2, 3, 9, 1, 6, 5, 8, 7, 12];
      const a: number[] = [];
      const b: number[] = [];
      from(input)
        .pipe(boundedOrdering(3, 1, inc, self))
        .subscribe((v) => a.push(v));
      from(input)
        .pipe(boundedOrdering({ maxBounded: 3, initialId: 1, nextId: inc, getId: self }))
        .subscribe((v) => b.push(v));
      expect(a).toEqual(b);
      expect(a).toEqual([2, 3, 4, 1, 5, 6, 7, 8, 9, 12]); // 9 overflows the window of 3: 1 is late
    });
  });

  describe('maxWait (virtual time)', () => {
    it('releases an element after it waited maxWait, giving up on the gap before it', () => {
      const gaps: BoundedOrderingGap<number>[] = [];
      newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-b-c--------|', ids);
        const out = source.pipe(
          boundedOrdering({ maxBounded: 10, initialId: 1, nextId: inc, getId: self, maxWait: 5, onGap: (g) => gaps.push(g) }),
        );
        expectObservable(out).toBe('------(bc)--|', ids);
        expectSubscriptions(source.subscriptions).toBe('^-----------!');
      });
      expect(gaps).toEqual([{ from: 1, to: 2, reason: 'maxWait' }]);
    });

    it('the missing element arriving in time means no gap and no timer output', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const source = cold('-b-c-a------|', ids);
        expectObservable(source.pipe(boundedOrdering({ maxBounded: 10, initialId: 1, nextId: inc, getId: self, maxWait: 5 }))).toBe(
          '-----(abc)--|',
          ids,
        );
      });
    });

    it('re-arms for the next longest-waiting element', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        // c (3) at 0 and a (1) at 2: a releases nothing (2 missing); e (5) at 4.
        // At 10, c has waited 10: gap 2, emit c. e waits until 14: gap 4, emit e.
        const source = cold('c-a-e-------------|', ids);
        expectObservable(source.pipe(boundedOrdering({ maxBounded: 10, initialId: 1, nextId: inc, getId: self, maxWait: 10 }))).toBe(
          '--a-------c---e---|',
          ids,
        );
      });
    });

    it('a deadline whose element already left fires harmlessly and re-arms for the next one', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        // b (2) at 0; a (1) at 3 releases a, b; d (4) at 6 waits until 16.
        const source = cold('b--a--d-------------|', ids);
        expectObservable(source.pipe(boundedOrdering({ maxBounded: 10, initialId: 1, nextId: inc, getId: self, maxWait: 10 }))).toBe(
          '---(ab)---------d---|',
          ids,
        );
      });
    });

    it('releases, in id order, every element up to the one whose time is up', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        // f (6) arrives first, then c (3), e (5); nothing before 6 completes the run; at 5, f's time is up:
        // give up on 1-2, emit c; give up on 4, emit e, f.
        const source = cold('f-c-e---------|', ids);
        expectObservable(source.pipe(boundedOrdering({ maxBounded: 10, initialId: 1, nextId: inc, getId: self, maxWait: 5 }))).toBe(
          '-----(cef)----|',
          ids,
        );
      });
    });

    it('a given-up element that arrives after its timeout is late', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const source = cold('-b-----a-c-|', ids);
        expectObservable(source.pipe(boundedOrdering({ maxBounded: 10, initialId: 1, nextId: inc, getId: self, maxWait: 3 }))).toBe(
          '----b--a-c-|',
          ids,
        );
      });
    });

    it('maxWait 0 still reorders within one synchronous burst, but waits no time', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const burst = cold('(ba)-|', ids);
        expectObservable(burst.pipe(boundedOrdering({ maxBounded: 10, initialId: 1, nextId: inc, getId: self, maxWait: 0 }))).toBe(
          '(ab)-|',
          ids,
        );
        const spread = cold('b-a-|', ids);
        expectObservable(spread.pipe(boundedOrdering({ maxBounded: 10, initialId: 1, nextId: inc, getId: self, maxWait: 0 }))).toBe(
          'b-a-|',
          ids,
        );
      });
    });

    it('uses an injected scheduler', () => {
      const scheduler = newScheduler();
      scheduler.run(({ cold, expectObservable }) => {
        const source = cold('-b-c--------|', ids);
        expectObservable(
          source.pipe(boundedOrdering({ maxBounded: 10, initialId: 1, nextId: inc, getId: self, maxWait: 5, scheduler })),
        ).toBe('------(bc)--|', ids);
      });
    });

    it('cancels its timer on unsubscribe, on error and on completion', () => {
      const virtual = newScheduler();
      let fired = 0;
      const counting: SchedulerLike = {
        now: () => virtual.now(),
        schedule<S>(work: (this: SchedulerAction<S>, state?: S) => void, delay?: number, state?: S) {
          return virtual.schedule(
            function (this: SchedulerAction<S>, s?: S) {
              fired++;
              work.call(this, s);
            },
            delay,
            state,
          );
        },
      };
      const op = boundedOrdering({ maxBounded: 10, initialId: 1, nextId: inc, getId: self, maxWait: 50, scheduler: counting });
      const subject = new Subject<number>();
      const sub = subject.pipe(op).subscribe();
      subject.next(3);
      sub.unsubscribe();
      const errored = new Subject<number>();
      errored.pipe(op).subscribe({ error: () => undefined });
      errored.next(3);
      errored.error(new Error('boom'));
      const completed = new Subject<number>();
      completed.pipe(op).subscribe();
      completed.next(3);
      completed.complete();
      virtual.flush();
      expect(fired).toBe(0);
      // control: the same setup without teardown does fire
      const live = new Subject<number>();
      live.pipe(op).subscribe();
      live.next(3);
      virtual.flush();
      expect(fired).toBe(1);
    });

    it('with the default asyncScheduler, in real time', async () => {
      const gaps: BoundedOrderingGap<number>[] = [];
      const subject = new Subject<number>();
      const out: number[] = [];
      subject
        .pipe(boundedOrdering({ maxBounded: 10, initialId: 1, nextId: inc, getId: self, maxWait: 20, onGap: (g) => gaps.push(g) }))
        .subscribe((v) => out.push(v));
      subject.next(2);
      expect(out).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 60));
      expect(out).toEqual([2]);
      expect(gaps).toEqual([{ from: 1, to: 2, reason: 'maxWait' }]);
      subject.complete();
    });
  });

  describe('contributor checklist', () => {
    it('never: emits nothing and stays subscribed', () => {
      newScheduler().run(({ expectObservable }) => {
        expectObservable(NEVER.pipe(boundedOrdering(3, 1, inc, self))).toBe('-');
      });
    });

    it('empty: completes', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        expectObservable(EMPTY.pipe(boundedOrdering(3, 1, inc, self))).toBe('|');
        expectObservable(cold<number>('---|').pipe(boundedOrdering(3, 1, inc, self))).toBe('---|');
      });
    });

    it('passes a source error through at once, discarding what was buffered', () => {
      newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold('-c-b-#', ids);
        expectObservable(source.pipe(boundedOrdering(3, 1, inc, self))).toBe('-----#');
        expectSubscriptions(source.subscriptions).toBe('^----!');
        expectObservable(throwError(() => 'x').pipe(boundedOrdering(3, 1, inc, self))).toBe('#', undefined, 'x');
      });
    });

    it('unsubscribes from the source on early unsubscribe', () => {
      newScheduler().run(({ hot, expectObservable, expectSubscriptions }) => {
        const source = hot('-c-a-b-d-e-|', ids);
        expectObservable(source.pipe(boundedOrdering(3, 1, inc, self)), '^------!').toBe('---a-(bc)', ids);
        expectSubscriptions(source.subscriptions).toBe('^------!');
      });
    });

    const boom = () => {
      throw new Error('cb');
    };
    it.each([
      // name, overrides, source, expected output, expected source subscription
      ['getId', { getId: boom }, '-c-|', '-#', '^!'],
      ['compare', { compare: boom }, '-c-|', '-#', '^!'],
      ['nextId', { nextId: boom }, '-a-|', '-#', '^!'],
      ['onGap', { maxBounded: 1, onGap: boom }, '-c-d-|', '---#', '^--!'],
      ['onLate', { maxBounded: 1, onLate: boom }, '-c-d---a-|', '---(cd)#', '^------!'],
    ])('errors the output and unsubscribes the source when %s throws', (_name, override, input, expected, subscription) => {
      newScheduler().run(({ cold, expectObservable, expectSubscriptions }) => {
        const source = cold(input, ids);
        const op = boundedOrdering<number, number>({ maxBounded: 3, initialId: 1, nextId: inc, getId: self, ...override });
        expectObservable(source.pipe(op)).toBe(expected, ids, new Error('cb'));
        expectSubscriptions(source.subscriptions).toBe(subscription);
      });
    });

    it('errors when flushing at completion hits a throwing hook', () => {
      newScheduler().run(({ cold, expectObservable }) => {
        const onGap = () => {
          throw new Error('cb');
        };
        expectObservable(cold('-c-|', ids).pipe(boundedOrdering({ maxBounded: 3, initialId: 1, nextId: inc, getId: self, onGap }))).toBe(
          '---#',
          undefined,
          new Error('cb'),
        );
      });
    });

    it('stops a synchronous firehose: range(0, 1e9) with take(3) returns', () => {
      const inOrder: number[] = [];
      range(0, 1e9)
        .pipe(boundedOrdering(4, 0, inc, self), take(3))
        .subscribe((v) => inOrder.push(v));
      expect(inOrder).toEqual([0, 1, 2]);
      // every element early (id 0 never comes): the overflow rule releases them
      const allEarly: number[] = [];
      range(1, 1e9)
        .pipe(boundedOrdering(4, 0, inc, self), take(3))
        .subscribe((v) => allEarly.push(v));
      expect(allEarly).toEqual([1, 2, 3]);
    });

    it('keeps all state per subscription', () => {
      const shared = from([2, 1, 4, 3]).pipe(boundedOrdering(2, 1, inc, self));
      const first: number[] = [];
      const second: number[] = [];
      shared.subscribe((v) => first.push(v));
      shared.subscribe((v) => second.push(v));
      expect(first).toEqual([1, 2, 3, 4]);
      expect(second).toEqual([1, 2, 3, 4]);
    });

    it('stays ordered when downstream feeds the source during an emission (re-entrancy)', () => {
      const subject = new Subject<number>();
      const out: number[] = [];
      subject.pipe(boundedOrdering(5, 1, inc, self)).subscribe((v) => {
        out.push(v);
        if (v === 1) subject.next(2); // 3 and 4 are buffered behind 2
      });
      subject.next(4);
      subject.next(3);
      subject.next(1);
      subject.next(5);
      expect(out).toEqual([1, 2, 3, 4, 5]);
    });

    it('an onGap hook that feeds the source reports no false gap and keeps the order (numeric fast path)', () => {
      const source = new Subject<number>();
      const out: number[] = [];
      const gaps: BoundedOrderingGap<number>[] = [];
      source
        .pipe(
          boundedOrdering({
            maxBounded: 1,
            initialId: 0,
            nextId: inc,
            getId: self,
            onGap: (gap) => {
              gaps.push(gap);
              if (gaps.length === 1) source.next(3); // re-enters while 2 waits to be released
            },
          }),
        )
        .subscribe((v) => out.push(v));
      [0, 2, 4].forEach((v) => source.next(v));
      source.complete();
      // once the gap 1→2 is given up on, 2 is the expected id: 3 and 4 are merely early behind it
      expect(gaps).toEqual([{ from: 1, to: 2, reason: 'overflow' }]);
      expect(out).toEqual([0, 2, 3, 4]);
    });

    it('unsubscribing from inside an emission stops the release', () => {
      const subject = new Subject<number>();
      const out: number[] = [];
      const sub = subject.pipe(boundedOrdering(5, 1, inc, self)).subscribe((v) => {
        out.push(v);
        if (v === 2) sub.unsubscribe();
      });
      [4, 3, 2].forEach((v) => subject.next(v));
      subject.next(1);
      expect(out).toEqual([1, 2]);
      expect(subject.observed).toBe(false);
    });
  });

  describe('properties', () => {
    it('the output is a permutation of the input', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(fc.integer({ min: -3, max: 50 }), { maxLength: 150 }),
          fc.integer({ min: 1, max: 16 }),
          async (input, maxBounded) => {
            const out = await lastValueFrom(from(input).pipe(boundedOrdering(maxBounded, 0, inc, self), toArray()));
            expect([...out].sort((a, b) => a - b)).toEqual([...input].sort((a, b) => a - b));
          },
        ),
      );
    });

    it('an input whose displacement fits the window comes out sorted', () => {
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 200 }), fc.integer({ min: 0, max: 8 }), (keys, slack) => {
          // any permutation of 0..n-1, and a window of at least its largest displacement
          const input = keys
            .map((k, i) => ({ k, i }))
            .sort((a, b) => a.k - b.k || a.i - b.i)
            .map((e) => e.i);
          const displacement = Math.max(0, ...input.map((id, pos) => Math.abs(id - pos)));
          const gaps: unknown[] = [];
          const out: number[] = [];
          new Observable<number>((s) => input.forEach((v) => s.next(v))) // never completes: no flush may help
            .pipe(
              boundedOrdering({
                maxBounded: Math.max(1, displacement + slack),
                initialId: 0,
                nextId: inc,
                getId: self,
                onGap: (g) => gaps.push(g),
              }),
            )
            .subscribe((v) => out.push(v));
          expect(out).toEqual(input.map((_, i) => i));
          expect(gaps).toEqual([]);
        }),
      );
    });

    it('infers the element type from the pipe (MonoTypeOperatorFunction)', async () => {
      const out = await lastValueFrom(
        of({ seq: 1 }, { seq: 0 }).pipe(
          boundedOrdering({ maxBounded: 2, initialId: 0, nextId: inc, getId: (m) => m.seq }),
          map((m) => m.seq),
          toArray(),
        ),
      );
      expect(out).toEqual([0, 1]);
    });
  });
});
