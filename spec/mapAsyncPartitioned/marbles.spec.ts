import { map, Observable, of, tap, timer } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { mapAsync, mapAsyncPartitioned, mapAsyncPartitionedUnordered, Valve } from '../../src/index';

/** Virtual-time tests of every timing rule of mapAsyncPartitioned (docs/guides/operators.md). Letters name keys: `a1` is key a. */
describe('mapAsyncPartitioned — timing rules in virtual time', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const keyOf = (v: string) => v[0];

  it('emits in input order whatever the completion order', () => {
    testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const inners: Record<string, ReturnType<typeof cold>> = {
        a: cold('-----(A|)'),
        b: cold('-(B|)'),
        c: cold('---(C|)'),
      };
      const source = hot('  (abc|)');
      const expected = '    -----(ABC|)';
      expectObservable(
        source.pipe(
          mapAsyncPartitioned(
            3,
            1,
            (v) => v,
            (v) => inners[v],
          ),
        ),
      ).toBe(expected);
      expectSubscriptions(inners.a.subscriptions).toBe('^----!');
      expectSubscriptions(inners.b.subscriptions).toBe('^!');
      expectSubscriptions(inners.c.subscriptions).toBe('^--!');
    });
  });

  it('runs at most perKey inners of one key; the next starts when one completes (eager start, not at emission)', () => {
    testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      // x holds the head for 10 frames; a1 completes at 2, so a2 starts at 2 although a1 is emitted at 10.
      const x = cold('----------(X|)');
      const a1 = cold('--(1|)');
      const a2 = cold('--(2|)');
      const inners: Record<string, Observable<string>> = { x, a1, a2 };
      const source = hot('(xab|)', { x: 'x', a: 'a1', b: 'a2' });
      const result = source.pipe(mapAsyncPartitioned(4, 1, keyOf, (v) => inners[v]));
      expectObservable(result).toBe('----------(X12|)');
      expectSubscriptions(x.subscriptions).toBe('^---------!');
      expectSubscriptions(a1.subscriptions).toBe('^-!');
      expectSubscriptions(a2.subscriptions).toBe('--^-!');
    });
  });

  it('calls project in arrival order within a key', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const calls: string[] = [];
      const source = hot('-a-b-c-d-|', { a: 'k1', b: 'j1', c: 'k2', d: 'k3' });
      const result = source.pipe(
        mapAsyncPartitioned(3, 1, keyOf, (v) => {
          calls.push(v);
          return timer(3).pipe(map(() => v));
        }),
      );
      expectObservable(result).toBe('----a-b-c--(d|)', { a: 'k1', b: 'j1', c: 'k2', d: 'k3' });
      testScheduler.flush();
      expect(calls).toEqual(['k1', 'j1', 'k2', 'k3']);
    });
  });

  it('counts completed-but-not-emitted elements against parallelism; one is admitted per element that leaves', () => {
    testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const x = cold('----------(X|)');
      const y = cold('-(Y|)');
      const z = cold('-----(Z|)');
      const inners: Record<string, Observable<string>> = { x, y, z };
      const source = hot('(xyz|)');
      // parallelism 2: x and y are held; y completes at 1 but keeps its slot until emitted at 10; then z runs.
      expectObservable(
        source.pipe(
          mapAsyncPartitioned(
            2,
            1,
            (v) => v,
            (v) => inners[v],
          ),
        ),
      ).toBe('----------(XY)-(Z|)');
      expectSubscriptions(z.subscriptions).toBe('----------^----!');
    });
  });

  it("streams the head element's values as they arrive and emits a later element's values contiguously in its turn", () => {
    testScheduler.run(({ cold, hot, expectObservable }) => {
      const a = cold('-1--2---3|');
      const b = cold('45|');
      const inners: Record<string, Observable<string>> = { a, b };
      const source = hot('(ab|)');
      expectObservable(
        source.pipe(
          mapAsyncPartitioned(
            2,
            1,
            (v) => v,
            (v) => inners[v],
          ),
        ),
      ).toBe('-1--2---3(45|)');
    });
  });

  it('drops an element whose inner completes empty, and emits null and undefined like any value', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const inners: Record<string, Observable<unknown>> = {
        a: timer(1).pipe(map(() => null)),
        b: timer(2).pipe(map(() => undefined)),
        c: cold(),
        d: timer(4).pipe(map(() => 'D')),
      };
      function cold(): Observable<unknown> {
        return timer(3).pipe(
          map(() => 'never emitted'),
          (o) => new Observable((s) => o.subscribe({ complete: () => s.complete() })),
        );
      }
      const source = hot('(abcd|)');
      expectObservable(
        source.pipe(
          mapAsyncPartitioned(
            4,
            1,
            (v) => v,
            (v) => inners[v],
          ),
        ),
      ).toBe('-nu-(D|)', { n: null, u: undefined, D: 'D' });
    });
  });

  it('errors at once when an inner errors, even while earlier results are pending, and unsubscribes everything', () => {
    testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold('------(A|)');
      const b = cold('--#', undefined, new Error('boom'));
      const c = cold('-----(C|)');
      const inners: Record<string, Observable<string>> = { a, b, c };
      const source = hot('(abc)--d--|');
      const sourceSubs = '^-!';
      expectObservable(
        source.pipe(
          mapAsyncPartitioned(
            4,
            1,
            (v) => v,
            (v) => inners[v] ?? of(v),
          ),
        ),
      ).toBe('--#', undefined, new Error('boom'));
      expectSubscriptions(source.subscriptions).toBe(sourceSubs);
      expectSubscriptions(a.subscriptions).toBe('^-!');
      expectSubscriptions(c.subscriptions).toBe('^-!');
    });
  });

  it('errors at once when the partitioner throws', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const boom = new Error('partitioner');
      const source = hot('-a-b-|');
      const result = source.pipe(
        mapAsyncPartitioned(
          2,
          1,
          (v) => {
            if (v === 'b') throw boom;
            return v;
          },
          (v) => timer(10).pipe(map(() => v)),
        ),
      );
      expectObservable(result).toBe('---#', undefined, boom);
    });
  });

  it('errors at once when project throws', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const boom = new Error('project');
      const source = hot('-a-b-|');
      const result = source.pipe(
        mapAsyncPartitioned(
          2,
          1,
          (v) => v,
          (v) => {
            if (v === 'b') throw boom;
            return timer(10).pipe(map(() => v));
          },
        ),
      );
      expectObservable(result).toBe('---#', undefined, boom);
    });
  });

  it('completes only after the source completed and every held element was emitted', () => {
    testScheduler.run(({ hot, cold, expectObservable }) => {
      const inners: Record<string, Observable<string>> = { a: cold('----(A|)'), b: cold('-(B|)') };
      expectObservable(
        hot('ab|').pipe(
          mapAsyncPartitioned(
            2,
            1,
            (v) => v,
            (v) => inners[v],
          ),
        ),
      ).toBe('----(AB|)');
      expectObservable(
        hot('-----|').pipe(
          mapAsyncPartitioned(
            2,
            1,
            (v) => v,
            (v) => of(v),
          ),
        ),
      ).toBe('-----|');
    });
  });

  it('tears down the source and every running inner on unsubscribe, and aborts their signals', () => {
    testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const a = cold('------(A|)');
      const b = cold('---------(B|)');
      const inners: Record<string, Observable<string>> = { a, b };
      const signals: AbortSignal[] = [];
      const source = hot('ab---------|');
      const result = source.pipe(
        mapAsyncPartitioned(
          2,
          1,
          (v) => v,
          (v, _k, context) => {
            signals.push(context.signal);
            return inners[v];
          },
        ),
      );
      expectObservable(result, '^---!').toBe('-');
      expectSubscriptions(source.subscriptions).toBe('^---!');
      expectSubscriptions(a.subscriptions).toBe('^---!');
      expectSubscriptions(b.subscriptions).toBe('-^--!');
      testScheduler.schedule(() => expect(signals.map((s) => s.aborted)).toEqual([true, true]), 5);
    });
  });

  it('the unordered sibling emits values as they arrive and admits the next element when an inner completes', () => {
    testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
      const x = cold('----------(X|)');
      const y = cold('-(Y|)');
      const z = cold('--(Z|)');
      const inners: Record<string, Observable<string>> = { x, y, z };
      const source = hot('(xyz|)');
      expectObservable(
        source.pipe(
          mapAsyncPartitionedUnordered(
            2,
            1,
            (v) => v,
            (v) => inners[v],
          ),
        ),
      ).toBe('-Y-Z------(X|)');
      expectSubscriptions(z.subscriptions).toBe('-^-!');
    });
  });

  it('mapAsync keeps input order with bounded concurrency and passes the index', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const delays = [5, 1, 4, 4];
      const source = hot('(abcd|)');
      const result = source.pipe(mapAsync(2, (v, i) => timer(delays[i]).pipe(map(() => `${v}${i}`))));
      // a (5) and b (1) run; b completes at 1 but is held until a is emitted at 5; then c and d run.
      expectObservable(result).toBe('-----(xy)(zw|)', { x: 'a0', y: 'b1', z: 'c2', w: 'd3' });
    });
  });
});

/**
 * The annotated broker log of Akka's `mapAsyncPartitioned` documentation
 * (https://doc.akka.io/libraries/akka-core/current/stream/operators/Source-or-Flow/mapAsyncPartitioned.html), replayed
 * in virtual time: events for entities 0,0,0,3,3,2,6,1,1,5,3,0,4,8,9,1 with parallelism 10 and
 * perKey 1, read from a broker that delivers only while the operator has room (a pausable source
 * driven by the valve, as a Kafka consumer would be).
 */
describe('mapAsyncPartitioned — the annotated broker log of Akka’s documentation, as Akka does it (notes 1–7)', () => {
  const entities = [0, 0, 0, 3, 3, 2, 6, 1, 1, 5, 3, 0, 4, 8, 9, 1];
  const durations = [10, 5, 5, 2, 6, 8, 25, 20, 3, 4, 2, 2, 3, 2, 2, 2];

  interface EntityEvent {
    offset: number;
    entityId: number;
    seq: number;
  }

  function run(): string[] {
    const log: string[] = [];
    const testScheduler = new TestScheduler((a, b) => expect(a).toEqual(b));
    testScheduler.run(() => {
      const seqs = new Map<number, number>();
      const events: EntityEvent[] = entities.map((entityId, offset) => {
        const seq = (seqs.get(entityId) ?? 0) + 1;
        seqs.set(entityId, seq);
        return { offset, entityId, seq };
      });
      const at = () => `@${testScheduler.now()}`;
      const name = (e: EntityEvent) => `${e.entityId}-${e.seq}`;
      const valve = new Valve();
      const broker = new Observable<EntityEvent>((subscriber) => {
        let next = 0;
        let scheduled = false;
        const deliver = () => {
          scheduled = false;
          while (valve.isOpen && next < events.length && !subscriber.closed) {
            log.push(`received ${next} ${at()}`);
            subscriber.next(events[next++]);
          }
          if (next === events.length) subscriber.complete();
        };
        const stop = valve.onChange((open) => {
          if (open && !scheduled) {
            scheduled = true;
            testScheduler.schedule(deliver); // a consumer resumes asynchronously, in the same frame
          }
        });
        deliver();
        return stop;
      });
      broker
        .pipe(
          mapAsyncPartitioned({
            parallelism: 10,
            perKey: 1,
            valve,
            key: (event) => {
              log.push(`assigned ${event.offset} ${at()}`);
              return event.entityId;
            },
            project: (event) => {
              log.push(`processing ${name(event)} ${at()}`);
              return timer(durations[event.offset]).pipe(
                map(() => name(event)),
                tap({ complete: () => log.push(`completed ${name(event)} ${at()}`) }),
              );
            },
          }),
        )
        .subscribe({ next: (result) => log.push(`emitted ${result} ${at()}`), complete: () => log.push(`complete ${at()}`) });
    });
    return log;
  }

  const log = run();
  if (process.env.SHOW_LOG) console.log(log.join('\n'));
  const indexOf = (prefix: string) => {
    const i = log.findIndex((line) => line.startsWith(prefix + ' '));
    if (i < 0) throw new Error(`no log line "${prefix}" in:\n${log.join('\n')}`);
    return i;
  };
  const timeOf = (prefix: string) => Number(log[indexOf(prefix)].split('@')[1]);

  it('note 1: a second event of a busy entity is assigned at once but not processed until the first completes', () => {
    expect(timeOf('assigned 1')).toBe(0);
    expect(timeOf('processing 0-2')).toBe(timeOf('completed 0-1'));
    expect(indexOf('processing 0-2')).toBeGreaterThan(indexOf('completed 0-1'));
  });

  it('note 2: an event of another entity starts at once, while earlier events of entity 0 wait', () => {
    expect(timeOf('processing 3-1')).toBe(0);
    expect(indexOf('processing 3-1')).toBeLessThan(indexOf('processing 0-2'));
  });

  it('note 3: the first event to complete is not emitted before all earlier results', () => {
    const completions = log.filter((l) => l.startsWith('completed'));
    expect(completions[0]).toMatch(/^completed 3-1 /);
    expect(indexOf('emitted 3-1')).toBeGreaterThan(indexOf('emitted 0-3'));
  });

  it('note 4: the next event of a partition starts when the previous one completes, not when it is emitted', () => {
    // The head streams its value as it arrives, so 0-1 is emitted as its inner completes; 0-2 starts right then.
    expect(indexOf('processing 0-2')).toBe(indexOf('completed 0-1') + 1);
    // Entity 3's first event completes at frame 2 and is emitted only at frame 20: its second starts at 2.
    expect(timeOf('completed 3-1')).toBe(2);
    expect(timeOf('processing 3-2')).toBe(2);
    expect(timeOf('emitted 3-1')).toBe(20);
  });

  it('note 5: only 10 events are taken in until the first result is emitted, which lets the 11th in', () => {
    const firstEmission = log.findIndex((l) => l.startsWith('emitted'));
    expect(log.slice(0, firstEmission).filter((l) => l.startsWith('received'))).toHaveLength(10);
    expect(log[firstEmission]).toMatch(/^emitted 0-1 /);
    expect(indexOf('received 10')).toBeGreaterThan(firstEmission);
    expect(timeOf('received 10')).toBe(timeOf('emitted 0-1'));
  });

  it('note 6: the second result emitted arose from the second event received', () => {
    expect(log.filter((l) => l.startsWith('emitted'))[1]).toMatch(/^emitted 0-2 /);
  });

  it('note 7: right after the third result, the already completed fourth is emitted', () => {
    const emitted = log.filter((l) => l.startsWith('emitted'));
    expect(emitted[2]).toMatch(/^emitted 0-3 /);
    expect(emitted[3]).toMatch(/^emitted 3-1 /);
    expect(timeOf('emitted 3-1')).toBe(timeOf('emitted 0-3'));
  });

  it('emits all 16 results in offset order, never holds more than 10, and completes', () => {
    const emitted = log.filter((l) => l.startsWith('emitted')).map((l) => l.split(' ')[1]);
    expect(emitted).toEqual([
      '0-1',
      '0-2',
      '0-3',
      '3-1',
      '3-2',
      '2-1',
      '6-1',
      '1-1',
      '1-2',
      '5-1',
      '3-3',
      '0-4',
      '4-1',
      '8-1',
      '9-1',
      '1-3',
    ]);
    let held = 0;
    let maxHeld = 0;
    for (const line of log) {
      if (line.startsWith('received')) maxHeld = Math.max(maxHeld, ++held);
      if (line.startsWith('emitted')) held--;
    }
    expect(maxHeld).toBe(10);
    expect(log[log.length - 1]).toMatch(/^complete /);
  });

  it('never runs two events of one entity at once', () => {
    const running = new Set<string>();
    for (const line of log) {
      const [kind, name] = line.split(' ');
      const entity = name?.split('-')[0];
      if (kind === 'processing') {
        expect(running.has(entity)).toBe(false);
        running.add(entity);
      }
      if (kind === 'completed') running.delete(entity);
    }
  });
});
