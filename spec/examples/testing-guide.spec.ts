// The runnable examples of docs/guides/testing.md ("Testing your own pipeline"). Each `#region` below is shown
// verbatim in the guide (spec/docs/testing-guide.spec.ts checks that), with `from 'rxjs-lanes'` where
// this file imports from '../../src/index'. Keep them short: they are documentation.

// #region imports
import fc from 'fast-check';
import { lastValueFrom, Observable, ObservableInput, Subject, from, toArray } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { marbles } from 'rxjs-marbles/jest';
import { mapAsyncPartitioned } from '../../src/index';
// #endregion imports

// #region pipeline
interface OrderEvent {
  id: string;
  orderId: string;
}

/** The code under test: saves each order's events one at a time and in order, up to 8 saves at once. */
function saveOrderEvents<R>(
  events$: Observable<OrderEvent>,
  save: (event: OrderEvent, signal: AbortSignal) => ObservableInput<R>,
): Observable<R> {
  return events$.pipe(
    mapAsyncPartitioned(
      8,
      1,
      (event) => event.orderId,
      (event, _orderId, { signal }) => save(event, signal),
    ),
  );
}
// #endregion pipeline

// #region values
const events = {
  a: { id: 'a', orderId: 'o1' },
  b: { id: 'b', orderId: 'o1' },
  c: { id: 'c', orderId: 'o2' },
};
// #endregion values

describe('testing guide: TestScheduler.run', () => {
  // #region testScheduler
  const testScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

  it('saves one event per order at a time, orders side by side, results in input order', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-abc------|', events);
      const saves = { a: cold('---(A|)'), b: cold('--(B|)'), c: cold('-(C|)') }; // relative to their subscription
      const output = saveOrderEvents(source, (event) => saves[event.id as keyof typeof saves]);

      expectObservable(output).toBe('----A-(BC)|'); // C finished at 4 but waits for A and B
      expectSubscriptions(saves.a.subscriptions).toBe('-^--!');
      expectSubscriptions(saves.b.subscriptions).toBe('----^-!'); // o1's second save starts when the first completes
      expectSubscriptions(saves.c.subscriptions).toBe('---^!'); // o2 does not wait for o1
    });
  });
  // #endregion testScheduler

  // #region caps
  /** The most subscriptions open at the same time, from TestScheduler's subscription logs. */
  function maxOpen(logs: ReadonlyArray<{ subscribedFrame: number; unsubscribedFrame: number }>): number {
    const edges = logs.flatMap(
      (log) =>
        [
          [log.subscribedFrame, +1],
          [log.unsubscribedFrame, -1],
        ] as const,
    );
    edges.sort(([t1, d1], [t2, d2]) => t1 - t2 || d1 - d2); // at equal frames, closings first
    let open = 0;
    let max = 0;
    for (const [, delta] of edges) max = Math.max(max, (open += delta));
    return max;
  }

  it('never runs more than 8 saves at once, nor 2 for one order', () => {
    testScheduler().run(({ cold, flush }) => {
      const orders = 'abcdefghij' + 'aabbccddeeffgghh'; // ten different orders, then pairs of one order
      const many = [...orders].map((orderId, i) => ({ id: `e${i}`, orderId }));
      const saves = new Map(many.map((e, i) => [e.id, cold(`${'-'.repeat(1 + ((i * 7) % 5))}(${i % 10}|)`)]));
      const results: string[] = [];
      saveOrderEvents(from(many), (event) => saves.get(event.id)!).subscribe((r) => results.push(r));
      flush();

      const logs = [...saves.values()].flatMap((save) => save.subscriptions);
      expect(logs).toHaveLength(many.length); // every save ran once
      expect(maxOpen(logs)).toBe(8); // the global cap is reached, never exceeded
      for (const orderId of new Set(orders)) {
        const ofOrder = many.filter((e) => e.orderId === orderId).flatMap((e) => saves.get(e.id)!.subscriptions);
        expect(maxOpen(ofOrder)).toBe(1); // one save per order at a time
      }
      expect(results).toEqual(many.map((_, i) => String(i % 10))); // input order
    });
  });
  // #endregion caps

  // #region teardown
  it('unsubscribing tears down the running saves and the source', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-abc------|', events);
      const saves = { a: cold('---(A|)'), b: cold('--(B|)'), c: cold('-----(C|)') };
      const output = saveOrderEvents(source, (event) => saves[event.id as keyof typeof saves]);

      expectObservable(output, '^----!').toBe('----A');
      expectSubscriptions(source.subscriptions).toBe('^----!');
      expectSubscriptions(saves.b.subscriptions).toBe('----^!'); // cut off while running
      expectSubscriptions(saves.c.subscriptions).toBe('---^-!');
    });
  });

  it('a failing save fails the output at once', () => {
    testScheduler().run(({ hot, cold, expectObservable, expectSubscriptions }) => {
      const source = hot('-abc------|', events);
      const saves = { a: cold('---(A|)'), b: cold('--(B|)'), c: cold('--#', undefined, new Error('disk full')) };
      const output = saveOrderEvents(source, (event) => saves[event.id as keyof typeof saves]);

      expectObservable(output).toBe('----A#', undefined, new Error('disk full'));
      expectSubscriptions(saves.b.subscriptions).toBe('----^!'); // torn down by the failure
    });
  });
  // #endregion teardown
});

describe('testing guide: rxjs-marbles', () => {
  // #region rxjsMarbles
  it(
    'saves one event per order at a time (rxjs-marbles)',
    marbles((m) => {
      const source = m.hot('-abc------|', events);
      const saves = { a: m.cold('---(A|)'), b: m.cold('--(B|)'), c: m.cold('-(C|)') };
      const output = saveOrderEvents(source, (event) => saves[event.id as keyof typeof saves]);

      m.expect(output).toBeObservable('----A-(BC)|');
      m.expect(saves.b).toHaveSubscriptions('----^-!');
      m.expect(saves.c).toHaveSubscriptions('---^!');
    }),
  );
  // #endregion rxjsMarbles
});

describe('testing guide: Promise-based handlers', () => {
  // #region promisePitfall
  it('Promises do not resolve in virtual time (why the fakes above are Observables)', () => {
    new TestScheduler((actual, expected) => expect(actual).toEqual(expected)).run(({ hot, expectObservable }) => {
      const source = hot('-a|', events);
      const output = saveOrderEvents(source, async (event) => event.id.toUpperCase());
      expectObservable(output).toBe('--'); // nothing within the run: the Promise resolves after it
    });
  });
  // #endregion promisePitfall

  // #region awaited
  /** Lets pending Promise callbacks run. */
  const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

  it('keeps input order when Promise saves resolve out of order', async () => {
    const resolvers = new Map<string, (result: string) => void>();
    const save = (event: OrderEvent) => new Promise<string>((resolve) => resolvers.set(event.id, resolve));
    const source = new Subject<OrderEvent>();
    const results: string[] = [];
    saveOrderEvents(source, save).subscribe((r) => results.push(r));

    source.next(events.a);
    source.next(events.b);
    source.next(events.c);
    expect([...resolvers.keys()]).toEqual(['a', 'c']); // b waits: same order as a

    resolvers.get('c')!('C');
    await settle();
    expect(results).toEqual([]); // C is done but held for input order

    resolvers.get('a')!('A');
    await settle();
    expect(results).toEqual(['A']);
    expect([...resolvers.keys()]).toEqual(['a', 'c', 'b']); // b started when a completed

    resolvers.get('b')!('B');
    await settle();
    expect(results).toEqual(['A', 'B', 'C']);
  });

  it('aborts the signal of a save that is still running when the output is unsubscribed', async () => {
    const signals: AbortSignal[] = [];
    const subscription = saveOrderEvents(from([events.a, events.c]), (_event, signal) => {
      signals.push(signal);
      return new Promise<string>(() => {}); // never settles, like a hung request
    }).subscribe();
    expect(signals.map((s) => s.aborted)).toEqual([false, false]);
    subscription.unsubscribe();
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
  });
  // #endregion awaited

  // #region fcScheduler
  it('keeps input order and one save per order for every Promise resolution order (fc.scheduler)', async () => {
    const orderEvents = fc
      .array(fc.constantFrom('o1', 'o2', 'o3'), { maxLength: 20 })
      .map((orders) => orders.map((orderId, i) => ({ id: `e${i}`, orderId })));
    await fc.assert(
      fc.asyncProperty(fc.scheduler(), orderEvents, async (s, list) => {
        const running = new Map<string, number>();
        const save = async (event: OrderEvent) => {
          const n = (running.get(event.orderId) ?? 0) + 1;
          running.set(event.orderId, n);
          if (n > 1) throw new Error(`two saves of ${event.orderId} at once`);
          await s.schedule(Promise.resolve(), event.id); // fast-check decides when this resolves
          running.set(event.orderId, n - 1);
          return event.id;
        };
        const output = lastValueFrom(saveOrderEvents(from(list), save).pipe(toArray()));
        expect(await s.waitFor(output)).toEqual(list.map((e) => e.id));
      }),
    );
  });
  // #endregion fcScheduler
});
