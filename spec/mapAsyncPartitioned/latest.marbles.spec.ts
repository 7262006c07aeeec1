import { map, Observable, of, timer, type ObservableInput } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { mapAsyncPartitioned, mapAsyncPartitionedUnordered } from '../../src/index';

/**
 * Latest-wins per key (`latest: true`) in virtual time: every timing rule of docs/guides/latest-wins.md.
 * Values are strings whose first letter is the key (`a1` is key a); an inner runs for `frames[value]`
 * (default 3) and emits its value upper-cased.
 */
describe('mapAsyncPartitioned latest: true — timing rules in virtual time', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });

  const keyOf = (v: string) => v[0]!;
  const work =
    (frames: Record<string, number>, started?: string[]) =>
    (v: string): ObservableInput<string> => {
      started?.push(`${v}@${testScheduler.now()}`);
      return timer(frames[v] ?? 3).pipe(map(() => v.toUpperCase()));
    };
  /** The output as `value@frame` entries (several values in one frame, where marbles' groups would shift time). */
  const record = (result: Observable<string>): string[] => {
    const events: string[] = [];
    result.subscribe({
      next: (v) => events.push(`${v}@${testScheduler.now()}`),
      error: (e: Error) => events.push(`error ${e.message}@${testScheduler.now()}`),
      complete: () => events.push(`complete@${testScheduler.now()}`),
    });
    return events;
  };

  it('collapses later elements of a running key to the newest; the newest runs when the running one completes', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const superseded: string[] = [];
      const started: string[] = [];
      const values = { a: 'a1', b: 'a2', c: 'a3', d: 'a4' };
      const source = hot('a-b-c-d---|', values);
      const result = source.pipe(
        mapAsyncPartitioned(
          {
            parallelism: 4,
            key: keyOf,
            latest: true,
            onSuperseded: ({ value, key, by }) => superseded.push(`${value}>${by} (${key})@${testScheduler.now()}`),
          },
          work({ a1: 8, a4: 3 }, started),
        ),
      );
      // a1 runs 0..8; a2 waits, a3 supersedes it at 4, a4 supersedes a3 at 6; a4 starts at 8 and ends at 11.
      expectObservable(result).toBe('--------A--(D|)', { A: 'A1', D: 'A4' });
      testScheduler.flush();
      expect(started).toEqual(['a1@0', 'a4@8']);
      expect(superseded).toEqual(['a2>a3 (a)@4', 'a3>a4 (a)@6']);
    });
  });

  it('one waiting slot: an element that arrives while its key runs, and is not replaced, runs next', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const started: string[] = [];
      const source = hot('ab------|', { a: 'a1', b: 'a2' });
      const result = source.pipe(mapAsyncPartitioned({ parallelism: 3, key: keyOf, latest: true }, work({ a1: 4, a2: 2 }, started)));
      expectObservable(result).toBe('----A-B-|', { A: 'A1', B: 'A2' });
      testScheduler.flush();
      expect(started).toEqual(['a1@0', 'a2@4']);
    });
  });

  it('keys are independent: other keys run beside a collapsing key', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const started: string[] = [];
      const source = hot('abcd----|', { a: 'a1', b: 'a2', c: 'a3', d: 'b1' });
      const result = source.pipe(
        mapAsyncPartitionedUnordered({ parallelism: 4, key: keyOf, latest: true }, work({ a1: 5, a3: 1, b1: 2 }, started)),
      );
      const events = record(result);
      testScheduler.flush();
      expect(events).toEqual(['A1@5', 'B1@5', 'A3@6', 'complete@8']);
      expect(started).toEqual(['a1@0', 'b1@3', 'a3@5']);
    });
  });

  it('ordered: results in input order among the elements that ran; a superseded element holds nothing back', () => {
    testScheduler.run(({ hot }) => {
      const superseded: unknown[] = [];
      // a1 long (head); b1 runs, b2 waits, b3 supersedes b2; c1 after b3 in input order.
      const values = { a: 'a1', b: 'b1', c: 'b2', d: 'b3', e: 'c1' };
      const source = hot('abcde-------|', values);
      const result = source.pipe(
        mapAsyncPartitioned(
          { parallelism: 5, key: keyOf, latest: true, onSuperseded: (s) => superseded.push(s) },
          work({ a1: 6, b1: 3, b3: 1, c1: 1 }),
        ),
      );
      // b1 runs 1..4, b3 4..5, c1 4..5; all held behind a1 (ends at 6), then in input order; b2 holds nothing back.
      const events = record(result);
      testScheduler.flush();
      expect(events).toEqual(['A1@6', 'B1@6', 'B3@6', 'C1@6', 'complete@12']);
      expect(superseded).toEqual([{ value: 'b2', key: 'b', by: 'b3' }]);
    });
  });

  it('eager start: the newest starts when the running one completes, not when it is emitted', () => {
    testScheduler.run(({ hot }) => {
      const started: string[] = [];
      const values = { x: 'x1', a: 'a1', b: 'a2', c: 'a3' };
      const source = hot('xabc---------|', values);
      const result = source.pipe(
        mapAsyncPartitioned({ parallelism: 4, key: keyOf, latest: true }, work({ x1: 10, a1: 2, a3: 2 }, started)),
      );
      // a1 completes at 3 (emitted at 10, behind x1): a3, which superseded a2 at 3, starts at 3.
      const events = record(result);
      testScheduler.flush();
      expect(events).toEqual(['X1@10', 'A1@10', 'A3@10', 'complete@13']);
      expect(started).toEqual(['x1@0', 'a1@1', 'a3@3']);
    });
  });

  it('autosave: 400 quick edits of one document do not make another document wait behind that backlog', () => {
    testScheduler.run(({ hot }) => {
      const edits = Array.from({ length: 400 }, (_, i) => `a${i + 1}`);
      const started: string[] = [];
      let supersededCount = 0;
      // All 400 edits of document a within frame 0, then one edit of document b at frame 1.
      const source = hot('ef|', { e: 'edits', f: 'b1' }).pipe(
        // expand the marker into 400 synchronous values
        (s) =>
          new Observable<string>((o) =>
            s.subscribe({
              next: (v) => (v === 'edits' ? edits.forEach((e) => o.next(e)) : o.next(v)),
              error: (e) => o.error(e),
              complete: () => o.complete(),
            }),
          ),
      );
      const result = source.pipe(
        mapAsyncPartitioned(
          { parallelism: 3, key: keyOf, latest: true, onSuperseded: () => supersededCount++ },
          work({ a1: 10, a400: 10, b1: 2 }, started),
        ),
      );
      // b1 starts at frame 1, when it arrives: a holds only two places (a1 running, a400 waiting). Its result
      // is emitted after A400's, which comes before it in input order.
      const events = record(result);
      testScheduler.flush();
      expect(events).toEqual(['A1@10', 'A400@20', 'B1@20', 'complete@20']);
      expect(started).toEqual(['a1@0', 'b1@1', 'a400@10']);
      expect(supersededCount).toBe(398);
    });
  });

  it('autosave with a full window: the backlog queued at the entrance collapses in one step when it reaches the front', () => {
    testScheduler.run(({ hot }) => {
      const started: string[] = [];
      const superseded: string[] = [];
      // parallelism 2: x1 and a1 fill the window; a2..a5 queue at the entrance, then b1.
      const values = { x: 'x1', a: 'a1', b: 'a2', c: 'a3', d: 'a4', e: 'a5', f: 'b1' };
      const source = hot('(xabcdef)|', values);
      const result = source.pipe(
        mapAsyncPartitionedUnordered(
          { parallelism: 2, key: keyOf, latest: true, onSuperseded: (s) => superseded.push(`${s.value}@${testScheduler.now()}`) },
          work({ x1: 20, a1: 4, a2: 4, a5: 4, b1: 1 }, started),
        ),
      );
      // a3 supersedes a2 in the entrance, a4 a3, a5 a4 (at once, reported then). At 4 a1 leaves: a2, a3, a4 are
      // dropped without room and a5 starts; b1 waits for room (a5 ends at 8) — not for a's backlog.
      const events = record(result);
      testScheduler.flush();
      expect(events).toEqual(['A1@4', 'A5@8', 'B1@9', 'X1@20', 'complete@20']);
      expect(superseded).toEqual(['a2@0', 'a3@0', 'a4@0']);
      expect(started).toEqual(['x1@0', 'a1@0', 'a5@4', 'b1@8']);
    });
  });

  it('bounds: at most parallelism in flight; a superseded element frees its place for the newer one at once', () => {
    testScheduler.run(({ hot }) => {
      const started: string[] = [];
      // parallelism 2: a1 runs, a2 waits; a3 supersedes a2 without room; b1 needs room and waits for a1.
      const values = { a: 'a1', b: 'a2', c: 'a3', d: 'b1' };
      const source = hot('abcd------|', values);
      const result = source.pipe(mapAsyncPartitioned({ parallelism: 2, key: keyOf, latest: true }, work({ a1: 5, a3: 5, b1: 1 }, started)));
      const events = record(result);
      testScheduler.flush();
      // b1 ends at 6 but comes after a3 in input order.
      expect(events).toEqual(['A1@5', 'A3@10', 'B1@10', 'complete@10']);
      expect(started).toEqual(['a1@0', 'a3@5', 'b1@5']);
    });
  });

  describe('RxJS checklist', () => {
    const latest = (extra: object = {}) => mapAsyncPartitioned({ parallelism: 2, key: keyOf, latest: true, ...extra }, work({}));

    it('never: never emits, never completes', () => {
      testScheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold<string>('-').pipe(latest())).toBe('-');
      });
    });

    it('empty: completes at once', () => {
      testScheduler.run(({ cold, expectObservable }) => {
        expectObservable(cold<string>('|').pipe(latest())).toBe('|');
      });
    });

    it('source error: errors at once, tears down the running inner', () => {
      testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const inner = cold('-----(A|)');
        expectObservable(
          hot('ab-#', { a: 'a1', b: 'a2' }).pipe(mapAsyncPartitioned({ parallelism: 2, key: keyOf, latest: true }, () => inner)),
        ).toBe('---#');
        expectSubscriptions(inner.subscriptions).toBe('^--!');
      });
    });

    it('early unsubscribe: tears down the running inner; a waiting element never starts', () => {
      testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const inner = cold('-----(A|)');
        const projected: string[] = [];
        const result = hot('ab---', { a: 'a1', b: 'a2' }).pipe(
          mapAsyncPartitioned({ parallelism: 2, key: keyOf, latest: true }, (v) => (projected.push(v), inner)),
        );
        expectObservable(result, '^--!').toBe('---');
        expectSubscriptions(inner.subscriptions).toBe('^--!');
        testScheduler.flush();
        expect(projected).toEqual(['a1']);
      });
    });

    it('a throwing onSuperseded errors the output and tears everything down', () => {
      testScheduler.run(({ cold, hot, expectObservable, expectSubscriptions }) => {
        const inner = cold('-----(A|)');
        const result = hot('abc', { a: 'a1', b: 'a2', c: 'a3' }).pipe(
          mapAsyncPartitioned(
            {
              parallelism: 2,
              key: keyOf,
              latest: true,
              onSuperseded: () => {
                throw new Error('hook');
              },
            },
            () => inner,
          ),
        );
        expectObservable(result).toBe('--#', undefined, new Error('hook'));
        expectSubscriptions(inner.subscriptions).toBe('^-!');
      });
    });

    it('a throwing key or project errors the output', () => {
      testScheduler.run(({ hot, expectObservable }) => {
        const boom = new Error('boom');
        const throwingKey = mapAsyncPartitioned(
          {
            parallelism: 2,
            key: (v: string) => {
              if (v === 'a2') throw boom;
              return keyOf(v);
            },
            latest: true,
          },
          work({}),
        );
        expectObservable(hot('ab', { a: 'a1', b: 'a2' }).pipe(throwingKey)).toBe('-#', undefined, boom);
        const throwingProject = mapAsyncPartitioned({ parallelism: 2, key: keyOf, latest: true }, (): Observable<string> => {
          throw boom;
        });
        expectObservable(hot('a', { a: 'a1' }).pipe(throwingProject)).toBe('#', undefined, boom);
      });
    });
  });
});

describe('mapAsyncPartitioned perKey as a function of the key — timing rules in virtual time', () => {
  let testScheduler: TestScheduler;
  beforeEach(() => {
    testScheduler = new TestScheduler((actual, expected) => expect(actual).toEqual(expected));
  });
  const keyOf = (v: string) => v[0]!;

  it('each key runs up to its own bound', () => {
    testScheduler.run(({ hot, expectObservable }) => {
      const started: string[] = [];
      const values = { a: 'b1', b: 'b2', c: 'b3', d: 'x1', e: 'x2' };
      const project = (v: string) => {
        started.push(`${v}@${testScheduler.now()}`);
        return timer(4).pipe(map(() => v.toUpperCase()));
      };
      const result = hot('abcde|', values).pipe(
        mapAsyncPartitionedUnordered({ parallelism: 8, perKey: (key: string) => (key === 'b' ? 2 : 1), key: keyOf, project }),
      );
      expectObservable(result).toBe('----AB-CD--(E|)', { A: 'B1', B: 'B2', C: 'X1', D: 'B3', E: 'X2' });
      testScheduler.flush();
      expect(started).toEqual(['b1@0', 'b2@1', 'x1@3', 'b3@4', 'x2@7']);
    });
  });
});
