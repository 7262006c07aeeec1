/**
 * Unsubscribing from inside the user's own callbacks (`key`, `project`, the inner's subscribe, a batch
 * handler): whatever those callbacks return or start after the output closed is torn down at once, and a
 * `context.signal` read after that moment is already aborted. RxJS's `mergeMap` is the reference: it
 * tears down an inner returned after its output closed, in the same call.
 */
import { mergeMap, of, Subject, takeUntil, type Subscription } from 'rxjs';
import { batchByLane, type ProjectContext } from '../../src/index';
import { Inners, macrotask, mapKinds, mapOp } from './support';

describe.each(mapKinds)('%s — unsubscribed from inside project', (kind) => {
  it('an Observable returned after project made the downstream unsubscribe (takeUntil) is torn down at once, as with mergeMap', () => {
    const run = (operator: 'ours' | 'mergeMap') => {
      const inners = new Inners();
      const stop = new Subject<void>();
      const source = new Subject<number>();
      const values: number[] = [];
      const project = (v: number) => {
        stop.next();
        return inners.make<number>(`${v}`, (s) => s.next(v));
      };
      source
        .pipe(operator === 'ours' ? mapOp(kind, 2, (v) => v, project) : mergeMap(project, 2), takeUntil(stop))
        .subscribe((v) => values.push(v));
      source.next(1);
      return { live: inners.live.size, values, observed: source.observed };
    };
    const reference = run('mergeMap');
    expect(reference).toEqual({ live: 0, values: [], observed: false });
    expect(run('ours')).toEqual(reference);
  });

  it('a context.signal read after the unsubscribe is already aborted, and a Promise resolving later emits nothing', async () => {
    const stop = new Subject<void>();
    const source = new Subject<number>();
    const signals: AbortSignal[] = [];
    const values: number[] = [];
    source
      .pipe(
        mapOp(
          kind,
          2,
          (v) => v,
          (v: number, context: ProjectContext) => {
            stop.next();
            signals.push(context.signal);
            return Promise.resolve(v);
          },
        ),
        takeUntil(stop),
      )
      .subscribe((v) => values.push(v));
    source.next(1);
    await macrotask();
    expect(signals.map((s) => s.aborted)).toEqual([true]);
    expect(values).toEqual([]);
  });

  it('a synchronous unsubscribe of the whole chain from inside project tears down the returned inner and starts nothing more', () => {
    const inners = new Inners();
    const source = new Subject<number>();
    const signals: AbortSignal[] = [];
    const values: number[] = [];
    let calls = 0;
    const subscription: Subscription = source
      .pipe(
        mapOp(
          kind,
          3,
          (v) => v,
          (v: number, context: ProjectContext) => {
            calls++;
            if (v === 1) subscription.unsubscribe();
            signals.push(context.signal);
            return inners.make<number>(`${v}`, (s) => s.next(v));
          },
        ),
      )
      .subscribe((v) => values.push(v));
    source.next(0);
    source.next(1);
    source.next(2);
    expect(calls).toBe(2);
    expect(values).toEqual([0]);
    expect(inners.live.size).toBe(0);
    expect(signals.map((s) => s.aborted)).toEqual([true, true]);
    expect(source.observed).toBe(false);
  });

  it('an inner that unsubscribes the chain while it is being subscribed is torn down, and nothing it emits after gets out', () => {
    const inners = new Inners();
    const values: number[] = [];
    let subscription: Subscription | undefined = undefined;
    const source = new Subject<number>();
    subscription = source
      .pipe(
        mapOp(
          kind,
          2,
          (v) => v,
          (v: number) =>
            inners.make<number>(`${v}`, (s) => {
              subscription?.unsubscribe();
              s.next(v);
              s.complete();
            }),
        ),
      )
      .subscribe((v) => values.push(v));
    source.next(1);
    source.next(2);
    expect(values).toEqual([]);
    expect(inners.log).toEqual(['sub 1', 'fin 1']);
    expect(source.observed).toBe(false);
  });

  it('a key function that makes the downstream unsubscribe: project is never called for that element', () => {
    if (kind === 'mapAsync') return; // no key function
    const stop = new Subject<void>();
    const source = new Subject<number>();
    let calls = 0;
    source
      .pipe(
        mapOp(
          kind,
          2,
          (v: number) => (stop.next(), v),
          (v: number) => (calls++, of(v)),
        ),
        takeUntil(stop),
      )
      .subscribe();
    source.next(1);
    expect(calls).toBe(0);
    expect(source.observed).toBe(false);
  });
});

describe('batchByLane — unsubscribed from inside the handler', () => {
  it('a context.signal read after the handler made the downstream unsubscribe is already aborted; its late results emit nothing', async () => {
    const stop = new Subject<void>();
    const source = new Subject<number>();
    const signals: AbortSignal[] = [];
    const values: unknown[] = [];
    source
      .pipe(
        batchByLane({ key: (v: number) => v, size: 1 }, (batch, _key, context) => {
          stop.next();
          signals.push(context.signal);
          return Promise.resolve(batch);
        }),
        takeUntil(stop),
      )
      .subscribe((s) => values.push(s));
    source.next(1);
    await macrotask();
    expect(signals.map((s) => s.aborted)).toEqual([true]);
    expect(values).toEqual([]);
  });
});
