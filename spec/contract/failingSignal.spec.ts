/**
 * `context.signal` is aborted when an element's (or a batch's) work is torn down before it finished —
 * the output was unsubscribed, or failed on *another* element. The work that fails the output has
 * finished (it threw, rejected or errored): its own signal is not aborted; the others' are.
 */
import { Observable, Subject, throwError, type ObservableInput } from 'rxjs';
import { batchByLane, type ProjectContext } from '../../src/index';
import { macrotask, mapKinds, mapOp } from './support';

type Failure = 'throws' | 'rejects' | 'errors';
const failures: Failure[] = ['throws', 'rejects', 'errors'];
const failure = new Error('failed');

/** The failing work for `how`; a pending one otherwise. */
function work<R>(how: Failure | null): ObservableInput<R> {
  if (how === 'throws') throw failure;
  if (how === 'rejects') return Promise.reject(failure);
  if (how === 'errors') return throwError(() => failure);
  return new Subject<R>();
}

describe.each(mapKinds)('%s — the failing element’s own signal', (kind) => {
  it.each(failures)('project that %s: its signal stays unaborted, the running ones are aborted', async (how) => {
    const signals: AbortSignal[] = [];
    let error: unknown;
    const source = new Subject<number>();
    source
      .pipe(
        mapOp(
          kind,
          3,
          (v: number) => v,
          (v: number, context: ProjectContext) => {
            signals.push(context.signal);
            return work<number>(v === 2 ? how : null);
          },
        ),
      )
      .subscribe({ error: (e: unknown) => (error = e) });
    [0, 1, 2].forEach((v) => source.next(v));
    await macrotask();
    expect(error).toBe(failure);
    expect(signals.map((s) => s.aborted)).toEqual([true, true, false]);
  });
});

describe('batchByLane — the failing batch’s own signal (BatchContext.signal)', () => {
  it.each(failures)('a handler that %s: its signal stays unaborted, the other running batches’ are aborted', async (how) => {
    const signals: AbortSignal[] = [];
    let error: unknown;
    const source = new Subject<number>();
    source
      .pipe(
        batchByLane({ key: (v: number) => v, size: 1 }, (batch, _key, context) => {
          signals.push(context.signal);
          return work<readonly number[]>(batch[0] === 2 ? how : null) as Observable<readonly number[]>;
        }),
      )
      .subscribe({ error: (e: unknown) => (error = e) });
    [0, 1, 2].forEach((v) => source.next(v));
    await macrotask();
    expect(error).toBe(failure);
    expect(signals.map((s) => s.aborted)).toEqual([true, true, false]);
  });
});
