/**
 * boundedOrdering's monitor events: `admitted` when an element arrives, `emitted` just before it leaves
 * (in order, late, after a gap, on completion), with `heldMs` the time in between; nothing after teardown.
 */
import fc from 'fast-check';
import { Observable, Subject, take, tap, type MonoTypeOperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { boundedOrdering, lanesMonitor, type BoundedOrderingOptions, type LanesEvent } from '../../src/index';
import { OrderingProbe } from '../../src/internal/monitor/OrderingProbe';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** `type key @at +heldMs`, e.g. `emitted 2 @2 +1`; `admitted` events never hold (`+0` left out). */
const show = (e: LanesEvent): string =>
  e.type === 'admitted' ? `admitted ${String(e.key)} @${e.at}` : `emitted ${String(e.key)} @${e.at} +${e.heldMs}`;

interface Item {
  id: number;
  tag: string;
}

/** The operator over items, with a monitor whose events are collected (and checked for the fixed fields). */
function observed<T>(
  events: LanesEvent[],
  options: Omit<BoundedOrderingOptions<T, number>, 'monitor' | 'initialId' | 'nextId'> & { initialId?: number },
): MonoTypeOperatorFunction<T> {
  const monitor = lanesMonitor({
    name: 'm',
    onEvent: (e) => {
      expect([e.operator, e.name, e.count, e.waitedMs, e.ranMs]).toEqual(['boundedOrdering', 'm', 1, 0, 0]);
      if (e.type === 'admitted') expect(e.heldMs).toBe(0);
      events.push(e);
    },
  });
  return boundedOrdering<T, number>({ initialId: 1, nextId: (id) => id + 1, ...options, monitor });
}

describe('boundedOrdering — monitor events', () => {
  it('admits every element on arrival and emits it when it leaves, early ones with their time in the buffer', () => {
    const events: LanesEvent[] = [];
    newScheduler().run(({ cold, expectObservable }) => {
      // the TSDoc example: gives up on 3 at 7 (overflow), 3 late at 12
      const source = cold('-ba-de-f----c--|', { a: 1, b: 2, c: 3, d: 4, e: 5, f: 6 });
      expectObservable(source.pipe(observed(events, { maxBounded: 2, getId: (n: number) => n }))).toBe('--(ab)-(def)c--|', {
        a: 1,
        b: 2,
        c: 3,
        d: 4,
        e: 5,
        f: 6,
      });
    });
    expect(events.map(show)).toEqual([
      'admitted 2 @1',
      'admitted 1 @2',
      'emitted 1 @2 +0',
      'emitted 2 @2 +1',
      'admitted 4 @4',
      'admitted 5 @5',
      'admitted 6 @7',
      'emitted 4 @7 +3', // released after the gap (overflow)
      'emitted 5 @7 +2',
      'emitted 6 @7 +0',
      'admitted 3 @12',
      'emitted 3 @12 +0', // late
    ]);
  });

  it('sends a late element’s emitted event after onLate, just before it goes downstream', () => {
    const order: string[] = [];
    const monitor = lanesMonitor({ onEvent: (e) => order.push(`${e.type} ${String(e.key)}`) });
    const source = new Subject<number>();
    source
      .pipe(
        boundedOrdering({
          maxBounded: 1,
          initialId: 1,
          nextId: (id: number) => id + 1,
          getId: (n: number) => n,
          onLate: (l) => order.push(`late ${l.id}`),
          monitor,
        }),
      )
      .subscribe((n) => order.push(`next ${n}`));
    source.next(1);
    source.next(1);
    expect(order).toEqual(['admitted 1', 'emitted 1', 'next 1', 'admitted 1', 'late 1', 'emitted 1', 'next 1']);
  });

  it('pairs equal ids first in, first out, and the same element with itself when they leave out of arrival order', () => {
    const events: LanesEvent[] = [];
    const a = { id: 3, tag: 'a' };
    const b = { id: 3, tag: 'b' };
    const tags: string[] = [];
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold<Item>('-ab-c(d|)', { a, b, c: { id: 1, tag: 'c' }, d: { id: 2, tag: 'd' } });
      expectObservable(
        source.pipe(
          observed<Item>(events, { maxBounded: 4, getId: (i) => i.id }),
          tap((i) => tags.push(i.tag)),
        ),
      ).toBe('----c(dab|)', { a, b, c: { id: 1, tag: 'c' }, d: { id: 2, tag: 'd' } });
    });
    expect(tags).toEqual(['c', 'd', 'a', 'b']);
    expect(events.filter((e) => e.type === 'emitted').map(show)).toEqual([
      'emitted 1 @4 +0',
      'emitted 2 @5 +0',
      'emitted 3 @5 +4',
      'emitted 3 @5 +3',
    ]);

    // Re-entrancy: while 5 is emitted, downstream feeds b (id 6), which matches and leaves before a (id 6,
    // buffered since 1), which then leaves late: each gets its own held time, not the other's.
    const reentrant: LanesEvent[] = [];
    const early = { id: 6, tag: 'a' };
    const again = { id: 6, tag: 'b' };
    const left: string[] = [];
    newScheduler().run(({ cold, expectObservable }) => {
      const feed = new Subject<Item>();
      const source = new Observable<Item>((subscriber) => {
        const inner = feed.subscribe(subscriber);
        const timed = cold<Item>('-a--f', { a: early, f: { id: 5, tag: 'f' } }).subscribe((i) => feed.next(i));
        return () => (inner.unsubscribe(), timed.unsubscribe());
      });
      const output = source.pipe(
        observed<Item>(reentrant, { maxBounded: 4, initialId: 5, getId: (i) => i.id }),
        tap((i) => {
          left.push(i.tag);
          if (i.tag === 'f') feed.next(again);
        }),
      );
      expectObservable(output, '^----!').toBe('----(baf)', { f: { id: 5, tag: 'f' }, a: early, b: again });
    });
    expect(left).toEqual(['f', 'b', 'a']);
    expect(reentrant.map(show)).toEqual([
      'admitted 6 @1',
      'admitted 5 @4',
      'emitted 5 @4 +0',
      'admitted 6 @4',
      'emitted 6 @4 +0', // b: it matched at once
      'emitted 6 @4 +3', // a: buffered since 1
    ]);
  });

  it('pairs a value that arrives twice first in, first out (primitives)', () => {
    const events: LanesEvent[] = [];
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-c-c-a-(b|)', { a: 1, b: 2, c: 3 }).pipe(observed(events, { maxBounded: 4, getId: (n: number) => n }))).toBe(
        '-----a-(bcc|)',
        { a: 1, b: 2, c: 3 },
      );
    });
    expect(events.filter((e) => e.type === 'emitted').map(show)).toEqual([
      'emitted 1 @5 +0',
      'emitted 2 @7 +0',
      'emitted 3 @7 +6',
      'emitted 3 @7 +4',
    ]);
  });

  it('emits the elements released after a maxWait gap with the time they waited', () => {
    const events: LanesEvent[] = [];
    newScheduler().run(({ cold, expectObservable }) => {
      const source = cold('-c-d------|', { c: 3, d: 4 });
      expectObservable(source.pipe(observed(events, { maxBounded: 8, maxWait: 5, getId: (n: number) => n }))).toBe('------(cd)|', {
        c: 3,
        d: 4,
      });
    });
    expect(events.map(show)).toEqual(['admitted 3 @1', 'admitted 4 @3', 'emitted 3 @6 +5', 'emitted 4 @6 +3']);
  });

  it('emits the buffer flushed on completion, in id order', () => {
    const events: LanesEvent[] = [];
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-d-c-|', { c: 3, d: 4 }).pipe(observed(events, { maxBounded: 8, getId: (n: number) => n }))).toBe(
        '-----(cd|)',
        {
          c: 3,
          d: 4,
        },
      );
    });
    expect(events.map(show)).toEqual(['admitted 4 @1', 'admitted 3 @3', 'emitted 3 @5 +2', 'emitted 4 @5 +4']);
  });

  it('on a source error, the buffered elements are never emitted: admitted only', () => {
    const events: LanesEvent[] = [];
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(cold('-ac-#', { a: 1, c: 3 }).pipe(observed(events, { maxBounded: 8, getId: (n: number) => n }))).toBe('-a--#', {
        a: 1,
      });
    });
    expect(events.map(show)).toEqual(['admitted 1 @1', 'emitted 1 @1 +0', 'admitted 3 @2']);
  });

  it('an id rejected by the natural order is admitted, then the output errors', () => {
    const events: LanesEvent[] = [];
    newScheduler().run(({ cold, expectObservable }) => {
      expectObservable(
        cold('-a-', { a: 'x' as unknown as number }).pipe(observed(events, { maxBounded: 8, getId: (n: number) => n })),
      ).toBe(
        '-#',
        undefined,
        new TypeError(
          'boundedOrdering: getId returned "x", but ids must be a number (not NaN) like initialId; pass compare to order other ids',
        ),
      );
    });
    expect(events.map(show)).toEqual(['admitted x @1']);
  });

  it('sends no event after unsubscribe (take), and frees the tracked arrivals at every teardown', () => {
    const close = jest.spyOn(OrderingProbe.prototype, 'close'); // calls through; records the probe
    try {
      const events: LanesEvent[] = [];
      const pushed: number[] = [];
      newScheduler().run(({ cold, expectObservable }) => {
        // 1 releases 2 and 3; downstream takes one element only, then 4 arrives at a torn-down operator
        const source = cold('-cba-d|', { a: 1, b: 2, c: 3, d: 4 }).pipe(tap((n) => pushed.push(n)));
        expectObservable(source.pipe(observed(events, { maxBounded: 8, getId: (n: number) => n }), take(1))).toBe('---(a|)', { a: 1 });
      });
      expect(pushed).toEqual([3, 2, 1]); // the source was unsubscribed too
      expect(events.map(show)).toEqual(['admitted 3 @1', 'admitted 2 @2', 'admitted 1 @3', 'emitted 1 @3 +0']);
      expect(close.mock.contexts.map((probe) => probe.tracked)).toEqual([0]); // 2 and 3 were tracked until then
    } finally {
      close.mockRestore();
    }
  });

  it('the probe keeps nothing and sends nothing once closed', () => {
    const events: LanesEvent[] = [];
    const monitor = lanesMonitor({ onEvent: (e) => events.push(e) }) as never;
    const clock = { now: () => 7, schedule: () => undefined } as never;
    const probe = new OrderingProbe(monitor, clock, { size: 0, expected: 0 }, 4);
    probe.arrived('v', 1);
    probe.arrived('v', 1);
    expect(probe.tracked).toBe(1);
    probe.close();
    expect(probe.tracked).toBe(0);
    probe.departed('v');
    probe.arrived('w', 2);
    expect(probe.tracked).toBe(0);
    expect(events.map((e) => e.type)).toEqual(['admitted', 'admitted']);
  });

  it('property: every admitted element is emitted exactly once, in output order, held as long as it stayed', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ gap: fc.integer({ min: 0, max: 3 }), id: fc.integer({ min: 0, max: 12 }) }), { maxLength: 40 }),
        fc.integer({ min: 1, max: 6 }),
        fc.option(fc.integer({ min: 0, max: 8 }), { nil: undefined }),
        fc.boolean(),
        (arrivals, maxBounded, maxWait, primitive) => {
          const events: LanesEvent[] = [];
          // ground truth: when each element arrived and when it went downstream
          const arrivedAt: number[] = [];
          const out: { value: unknown; at: number }[] = [];
          const values = arrivals.map((a, i) => (primitive ? a.id : { id: a.id, i }));
          const getId = (v: unknown) => (primitive ? (v as number) : (v as { id: number }).id);
          const scheduler = new TestScheduler(() => undefined);
          scheduler.run(() => {
            let t = 0;
            const frames = arrivals.map((a) => (t += a.gap));
            const source = new Observable<unknown>((subscriber) => {
              const subs = values.map((v, i) =>
                scheduler.schedule(() => {
                  arrivedAt.push(scheduler.now());
                  subscriber.next(v);
                }, frames[i]),
              );
              const end = scheduler.schedule(() => subscriber.complete(), t + 1);
              return () => (subs.forEach((s) => s.unsubscribe()), end.unsubscribe());
            });
            source
              .pipe(observed<unknown>(events, { maxBounded, maxWait, initialId: 0, getId }))
              .subscribe((value) => out.push({ value, at: scheduler.now() }));
          });
          const admitted = events.filter((e) => e.type === 'admitted');
          const emitted = events.filter((e) => e.type === 'emitted');
          expect(admitted.map((e) => [e.key, e.at])).toEqual(values.map((v, i) => [getId(v), arrivedAt[i]]));
          expect(out.length).toBe(values.length); // nothing dropped (no error, no unsubscribe)
          expect(emitted.map((e) => [e.key, e.at])).toEqual(out.map((o) => [getId(o.value), o.at]));
          // the model: each element's stay, by identity; a value that arrives twice, first in first out
          const pending = new Map<unknown, number[]>();
          values.forEach((v, i) => pending.set(v, [...(pending.get(v) ?? []), arrivedAt[i]]));
          const held = out.map((o) => o.at - pending.get(o.value)!.shift()!);
          expect(emitted.map((e) => e.heldMs)).toEqual(held);
          expect(held.every((h) => h >= 0)).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
