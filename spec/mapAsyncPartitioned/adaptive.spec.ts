/**
 * mapAsync, mapAsyncPartitioned and mapAsyncPartitionedUnordered with `parallelism: adaptiveLimit(...)`,
 * in virtual time: `TestScheduler.run` makes the default clock (`asyncScheduler.now()`) virtual, so every
 * latency the limit observes is exact.
 */
import fc from 'fast-check';
import { EMPTY, NEVER, Observable, Subject, asyncScheduler, finalize, map, of, take, timer, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { adaptiveLimit, type AdaptiveLimit } from '../../src/flow/adaptiveLimit';
import { mapAsync } from '../../src/mapAsync';
import { mapAsyncPartitioned } from '../../src/mapAsyncPartitioned';
import { mapAsyncPartitionedUnordered } from '../../src/mapAsyncPartitionedUnordered';

const newScheduler = () => new TestScheduler((actual, expected) => expect(actual).toEqual(expected));

/** Subscribes and logs `time:value` of every output value, and `time:|` or `time:#` at the end. */
function record<T>(scheduler: TestScheduler, output: Observable<T>): string[] {
  const log: string[] = [];
  output.subscribe({
    next: (v) => log.push(`${scheduler.now()}:${String(v)}`),
    error: () => log.push(`${scheduler.now()}:#`),
    complete: () => log.push(`${scheduler.now()}:|`),
  });
  return log;
}

describe('adaptive parallelism (marbles)', () => {
  it('AIMD: the limit rises by 1 per window of successes, and admission follows it', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, hot, expectSubscriptions, flush }) => {
      const limit = adaptiveLimit({ min: 1, max: 3 });
      const inners: Record<string, Observable<string> & { subscriptions: any[] }> = {};
      const source = hot('(abcdef|)');
      const limits: number[] = [];
      const output = source.pipe(
        mapAsync({
          parallelism: limit,
          project: (v: string) => {
            limits.push(limit.current);
            return (inners[v] = cold('--x|', { x: v }));
          },
        }),
      );
      const log = record(scheduler, output);
      flush();
      // Limit 1: a alone. a's success fills the window of 1 → 2: b and c. b's end admits d under 2;
      // c's end completes the window of 2 → 3: e and f.
      expectSubscriptions(inners['a']!.subscriptions).toBe('^--!');
      expectSubscriptions(inners['b']!.subscriptions).toBe('---^--!');
      expectSubscriptions(inners['c']!.subscriptions).toBe('---^--!');
      for (const v of 'def') expectSubscriptions(inners[v]!.subscriptions).toBe('------^--!');
      expect(limits).toEqual([1, 2, 2, 2, 3, 3]);
      expect(log).toEqual(['2:a', '5:b', '6:c', '8:d', '9:e', '9:f', '9:|']); // ordered: c waits for b's completion
      expect(limit.current).toBe(3); // max
    });
  });

  it('AIMD: a slow call lowers the limit; running work is never cancelled, admission waits until fewer than the limit are held', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, hot, expectSubscriptions, flush }) => {
      const limit = adaptiveLimit({ min: 1, max: 4, initial: 4, latencyThreshold: 5, backoffRatio: 0.5 });
      const latency: Record<string, string> = { a: '---------x|', b: '-------------------x|', c: '-------------------x|' };
      latency['d'] = latency['b']!;
      const inners: Record<string, Observable<string> & { subscriptions: any[] }> = {};
      const output = hot('(abcdefgh|)').pipe(
        mapAsyncPartitionedUnordered({
          parallelism: limit,
          perKey: 1,
          key: (v: string) => v,
          project: (v: string) => (inners[v] = cold(latency[v] ?? 'x|', { x: v })),
        }),
      );
      const log = record(scheduler, output);
      flush();
      // a ends at 10 after 10 ms > 5: limit 4 → 2. b, c, d keep running to 20 (started before the decrease:
      // not counted again). At 20 held falls to 2 (c's end), then 1: e is admitted; d's end: f.
      expectSubscriptions(inners['a']!.subscriptions).toBe('^---------!');
      for (const v of 'bcd') expectSubscriptions(inners[v]!.subscriptions).toBe('^-------------------!');
      expectSubscriptions(inners['e']!.subscriptions).toBe('--------------------^!');
      expect(log.slice(0, 4)).toEqual(['9:a', '19:b', '19:c', '19:d']);
      // e and f take 1 ms, each a success while the limit of 2 is in use → 3: g and h at 21.
      expect(log.slice(4)).toEqual(['20:e', '20:f', '21:g', '21:h', '22:|']);
      expect(limit.current).toBe(3);
    });
  });

  it('ordered: the bound counts completed elements waiting for their turn, as a fixed parallelism does', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, hot, flush }) => {
      const limit = adaptiveLimit({ min: 2, max: 2 });
      const starts: string[] = [];
      const output = hot('(abc|)').pipe(
        mapAsyncPartitioned({
          parallelism: limit,
          perKey: 1,
          key: (v: string) => v,
          project: (v: string) => {
            starts.push(`${scheduler.now()}:${v}`);
            return cold(v === 'a' ? '-----x|' : 'x|', { x: v });
          },
        }),
      );
      const log = record(scheduler, output);
      flush();
      expect(starts).toEqual(['0:a', '0:b', '6:c']); // b done at 1 but held behind a until a completes at 6
      expect(log).toEqual(['5:a', '6:b', '6:c', '7:|']);
    });
  });

  it('an error from the work counts as a drop, then fails the output as always (the running inners are torn down)', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, hot, expectSubscriptions, flush }) => {
      const limit = adaptiveLimit({ min: 1, max: 8, initial: 8, backoffRatio: 0.5 });
      const b = cold('----x|');
      const output = hot('(ab)').pipe(mapAsync({ parallelism: limit, project: (v: string) => (v === 'a' ? cold('--#', {}, 'boom') : b) }));
      const errors: unknown[] = [];
      output.subscribe({ error: (e) => errors.push(e) });
      flush();
      expect(errors).toEqual(['boom']);
      expect(limit.current).toBe(4);
      expectSubscriptions(b.subscriptions).toBe('^-!');
    });
  });

  it('a project that throws counts as a drop and fails the output', () => {
    const limit = adaptiveLimit({ min: 1, max: 8, initial: 8, backoffRatio: 0.5 });
    const errors: unknown[] = [];
    of(1)
      .pipe(
        mapAsync({
          parallelism: limit,
          project: () => {
            throw new Error('thrown');
          },
        }),
      )
      .subscribe({ error: (e) => errors.push(e) });
    expect(errors).toEqual([new Error('thrown')]);
    expect(limit.current).toBe(4);
  });

  it('gradient: the limit grows while latency holds and shrinks once it rises, staying within [min, max]', () => {
    const scheduler = newScheduler();
    scheduler.run(({ flush }) => {
      const limit = adaptiveLimit({ min: 2, max: 40, initial: 4, algorithm: 'gradient' });
      let inflight = 0;
      const trace: number[] = [];
      // A service that answers in 10 ms up to 8 calls at once and slows sharply beyond.
      const call = (v: number) => {
        inflight++;
        const latency = inflight <= 8 ? 10 : 10 * (inflight - 7) ** 2;
        return timer(latency).pipe(
          map(() => v),
          finalize(() => inflight--),
        );
      };
      record(
        scheduler,
        of(...Array.from({ length: 400 }, (_, i) => i)).pipe(
          mapAsyncPartitionedUnordered({
            parallelism: limit,
            perKey: 1,
            key: (v: number) => v,
            project: (v: number) => {
              trace.push(limit.current);
              return call(v);
            },
          }),
        ),
      );
      flush();
      expect(Math.max(...trace)).toBeGreaterThan(8); // probed beyond what the service copes with
      expect(Math.max(...trace)).toBeLessThanOrEqual(40);
      expect(Math.min(...trace)).toBeGreaterThanOrEqual(2);
      const tail = trace.slice(-100);
      expect(Math.max(...tail)).toBeLessThan(20); // and came back down near it
    });
  });

  it('each subscription runs its own limit, starting at initial; current shows the most recent one', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, hot, flush }) => {
      const limit = adaptiveLimit({ min: 1, max: 5 });
      const op = mapAsync({ parallelism: limit, project: (v: string) => cold('-x|', { x: v }) });
      const first = record(scheduler, hot('(abcdef|)').pipe(op));
      flush();
      expect(limit.current).toBeGreaterThan(1);
      const second: string[] = [];
      hot('(abc|)')
        .pipe(op)
        .subscribe(() => second.push(String(limit.current)));
      expect(limit.current).toBe(1);
      flush();
      expect(first.length).toBe(7);
      expect(second.length).toBe(3);
    });
  });
});

describe('adaptive parallelism with latest-wins', () => {
  it('superseded elements leave without a sample; the newest of each key runs; the limit bounds what is held', () => {
    const scheduler = newScheduler();
    scheduler.run(({ cold, hot, flush }) => {
      const limit = adaptiveLimit({ min: 1, max: 3, initial: 2 });
      const superseded: string[] = [];
      const starts: string[] = [];
      const values = hot('(pqrst|)', { p: 'a1', q: 'a2', r: 'b1', s: 'a3', t: 'b2' }).pipe(
        mapAsyncPartitioned({
          parallelism: limit,
          key: (v: string) => v[0]!,
          latest: true,
          onSuperseded: ({ value }) => superseded.push(value),
          project: (v: string) => {
            starts.push(`${scheduler.now()}:${v}`);
            return cold('--x|', { x: v });
          },
        }),
      );
      const log = record(scheduler, values);
      flush();
      expect(superseded.length + starts.length).toBe(5);
      expect(starts).toContain('0:a1');
      expect(log[log.length - 1]).toMatch(/:\|$/);
      expect(log.filter((l) => !l.endsWith('|')).map((l) => l.split(':')[1])).toEqual(starts.map((l) => l.split(':')[1]));
    });
  });
});

describe('adaptive parallelism: the operator checklist', () => {
  const limit = () => adaptiveLimit({ min: 1, max: 4 });
  const operators: [string, (l: AdaptiveLimit, project: (v: number) => Observable<number>) => OperatorFunction<number, number>][] = [
    ['mapAsync', (l, project) => mapAsync({ parallelism: l, project })],
    ['mapAsyncPartitioned', (l, project) => mapAsyncPartitioned({ parallelism: l, perKey: 1, key: (v: number) => v % 2, project })],
    [
      'mapAsyncPartitionedUnordered',
      (l, project) => mapAsyncPartitionedUnordered({ parallelism: l, perKey: 1, key: (v: number) => v % 2, project }),
    ],
  ];

  describe.each(operators)('%s', (_name, make) => {
    it('never, empty, one value, synchronous inners', () => {
      newScheduler().run(({ expectObservable, cold }) => {
        expectObservable(NEVER.pipe(make(limit(), (v) => of(v)))).toBe('-');
        expectObservable(EMPTY.pipe(make(limit(), (v) => of(v)))).toBe('|');
        expectObservable(cold('a|', { a: 1 }).pipe(make(limit(), (v) => of(v * 2)))).toBe('a|', { a: 2 });
      });
    });

    it('a synchronous firehose with take(3) stops the source', () => {
      let produced = 0;
      const firehose = new Observable<number>((subscriber) => {
        for (let i = 0; i < 1e6 && !subscriber.closed; i++) {
          produced++;
          subscriber.next(i);
        }
      });
      const values: number[] = [];
      firehose
        .pipe(
          make(limit(), (v) => of(v)),
          take(3),
        )
        .subscribe((v) => values.push(v));
      expect(values.length).toBe(3);
      expect(produced).toBeLessThan(10);
    });

    it('early unsubscribe tears down the running inners and the source', () => {
      newScheduler().run(({ cold, hot, expectSubscriptions, expectObservable }) => {
        const inner = cold('-----x|', { x: 0 });
        const source = hot('a-b-c', { a: 1, b: 2, c: 3 });
        expectObservable(source.pipe(make(limit(), () => inner)), '---!').toBe('---');
        expectSubscriptions(source.subscriptions).toBe('^--!');
        expectSubscriptions(inner.subscriptions).toBe('^--!'); // one: limit 1, the others wait
      });
    });
  });
});

describe('adaptive parallelism (properties, virtual time)', () => {
  type Kind = 'mapAsync' | 'ordered' | 'unordered';
  const elementArb = fc.record({
    key: fc.integer({ min: 0, max: 3 }),
    gap: fc.integer({ min: 0, max: 3 }),
    latency: fc.integer({ min: 1, max: 30 }),
  });
  const scenarioArb = fc.record({
    elements: fc.array(elementArb, { maxLength: 60 }),
    min: fc.integer({ min: 1, max: 3 }),
    span: fc.integer({ min: 1, max: 8 }),
    algorithm: fc.constantFrom('aimd' as const, 'gradient' as const),
    threshold: fc.oneof(fc.constant(Infinity), fc.integer({ min: 1, max: 30 })),
    /** The service slows by this factor per call in flight beyond 3. */
    slowdown: fc.integer({ min: 0, max: 5 }),
  });

  it.each(['mapAsync', 'ordered', 'unordered'] as Kind[])(
    '%s: limit within [min, max], never more held than the limit at admission, nothing lost or duplicated, order kept where promised',
    (kind) => {
      fc.assert(
        fc.property(scenarioArb, (s) => {
          const scheduler = newScheduler();
          const max = s.min + s.span;
          const violations: string[] = [];
          const output: number[] = [];
          let completed = false;
          scheduler.run(({ flush }) => {
            const limit = adaptiveLimit({ min: s.min, max, algorithm: s.algorithm, latencyThreshold: s.threshold });
            let admitted = 0;
            let left = 0;
            let running = 0;
            const checkAdmission = () => {
              const current = limit.current;
              if (current < s.min || current > max) violations.push(`limit ${current} outside [${s.min}, ${max}]`);
              // `admitted - left` counts the element being admitted: it must fit under the limit.
              if (++admitted - left > current) violations.push(`${admitted - left} held > limit ${current} at admission`);
            };
            const project = (i: number) => {
              if (kind === 'mapAsync') checkAdmission(); // mapAsync starts every element at admission
              running++;
              const latency = s.elements[i]!.latency * (1 + s.slowdown * Math.max(0, running - 3));
              return timer(latency).pipe(
                map(() => i),
                finalize(() => running--),
              );
            };
            const key = (i: number) => {
              checkAdmission();
              return s.elements[i]!.key;
            };
            const operator: OperatorFunction<number, number> =
              kind === 'mapAsync'
                ? mapAsync({ parallelism: limit, project })
                : kind === 'ordered'
                  ? mapAsyncPartitioned({ parallelism: limit, perKey: 1, key, project })
                  : mapAsyncPartitionedUnordered({ parallelism: limit, perKey: 1, key, project });
            const source = new Subject<number>();
            source.pipe(operator).subscribe({
              next: (i) => {
                left++; // each inner emits once and completes at once: it leaves with its value
                output.push(i);
              },
              complete: () => (completed = true),
            });
            let at = 0;
            s.elements.forEach((e, i) => {
              at += e.gap;
              asyncScheduler.schedule(() => source.next(i), at);
            });
            asyncScheduler.schedule(() => source.complete(), at + 1);
            flush();
          });
          expect(violations).toEqual([]);
          expect(completed).toBe(true);
          const inputs = s.elements.map((_, i) => i);
          if (kind === 'unordered') expect([...output].sort((a, b) => a - b)).toEqual(inputs);
          else expect(output).toEqual(inputs);
        }),
        { numRuns: 150 },
      );
    },
  );
});
