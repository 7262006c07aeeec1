/**
 * A PromiseLike returned by `project` or by a batch handler is treated exactly as RxJS's `from()` treats
 * it: the first settlement wins (a second fulfilment, a rejection after a fulfilment, or a throw after
 * either is ignored), and a `then` that throws errors the output — it is never thrown into the
 * producer's `next()`. `mergeMap` (which runs a thenable through `from()`) is the reference.
 */
import { mergeMap, of, Subject, type ObservableInput, type OperatorFunction } from 'rxjs';
import { batchByLane, batchByLaneFromBatches, mapAsyncPartitioned } from '../../src/index';
import { macrotask, mapKinds, mapOp, thenable } from './support';

interface Outcome {
  values: unknown[];
  error?: unknown;
  completed: boolean;
  thrownIntoNext?: unknown;
}

/** Feeds `inputs` through a Subject into `operator` and records what comes out, and what `next()` threw. */
async function drive<T>(operator: OperatorFunction<T, unknown>, inputs: T[]): Promise<Outcome> {
  const outcome: Outcome = { values: [], completed: false };
  const source = new Subject<T>();
  source.pipe(operator).subscribe({
    next: (v) => outcome.values.push(v),
    error: (e: unknown) => (outcome.error = e),
    complete: () => (outcome.completed = true),
  });
  for (const input of inputs) {
    try {
      source.next(input);
    } catch (thrown) {
      outcome.thrownIntoNext = thrown;
    }
  }
  source.complete();
  await macrotask();
  return outcome;
}

const boom = new Error('then threw');

/** The thenables of the hostile cases, by name; each returns the value 1 unless it fails. */
const cases: Record<string, () => PromiseLike<number>> = {
  'throws in then': () =>
    thenable<number>(() => {
      throw boom;
    }),
  'fulfils twice': () =>
    thenable<number>((resolve) => {
      resolve(1);
      resolve(2);
    }),
  'rejects after fulfilling': () =>
    thenable<number>((resolve, reject) => {
      resolve(1);
      reject(new Error('late rejection'));
    }),
  'fulfils after rejecting': () =>
    thenable<number>((resolve, reject) => {
      reject(boom);
      resolve(1);
    }),
  'throws after fulfilling': () =>
    thenable<number>((resolve) => {
      resolve(1);
      throw new Error('late throw');
    }),
};

describe.each(mapKinds)('%s — hostile thenables, against mergeMap', (kind) => {
  it.each(Object.keys(cases))('a thenable that %s: first settlement wins, as with from()', async (name) => {
    const make = cases[name]!;
    const reference = await drive(
      mergeMap(() => make() as ObservableInput<number>),
      [0],
    );
    const ours = await drive(
      mapOp(
        kind,
        2,
        (v: number) => v,
        () => make(),
      ),
      [0],
    );
    expect(ours).toEqual(reference);
    expect(ours.thrownIntoNext).toBeUndefined();
  });

  it('a throwing then() errors the output instead of hanging a Subject source: the next elements are not stuck behind it', async () => {
    const source = new Subject<number>();
    let error: unknown;
    source
      .pipe(
        mapOp(
          kind,
          1,
          (v: number) => v,
          (v: number) => (v === 0 ? cases['throws in then']!() : Promise.resolve(v)),
        ),
      )
      .subscribe({
        error: (e: unknown) => (error = e),
      });
    expect(() => source.next(0)).not.toThrow();
    expect(error).toBe(boom);
    expect(source.observed).toBe(false);
  });
});

describe('mapAsyncPartitioned — a thenable fulfilling twice does not free its key twice', () => {
  it('perKey 1: after a double fulfilment, only the next element of the key runs', async () => {
    const resolvers: ((v: number) => void)[] = [];
    const running: number[] = [];
    const values: number[] = [];
    const source = new Subject<number>();
    source
      .pipe(
        mapAsyncPartitioned(
          4,
          1,
          () => 'k',
          (v: number) => {
            running.push(v);
            return thenable<number>((resolve) => resolvers.push(resolve));
          },
        ),
      )
      .subscribe((v) => values.push(v));
    [0, 1, 2].forEach((v) => source.next(v));
    expect(running).toEqual([0]);
    resolvers[0]!(0);
    resolvers[0]!(0);
    expect(running).toEqual([0, 1]);
    expect(values).toEqual([0]);
  });
});

type BatchOperator = typeof batchByLane | typeof batchByLaneFromBatches;
const batchOperators: [string, BatchOperator, (v: number) => unknown][] = [
  ['batchByLane', batchByLane, (v) => v],
  ['batchByLaneFromBatches', batchByLaneFromBatches, (v) => [v]],
];

describe.each(batchOperators)('%s — hostile thenables from the handler', (_name, operator, input) => {
  const run = (handler: (batch: readonly number[]) => PromiseLike<readonly number[]>) =>
    drive(
      (operator as typeof batchByLane)({ key: (v: number) => v % 2, size: 1 }, handler) as OperatorFunction<unknown, unknown>,
      [0, 1, 2].map(input),
    );
  const settled = (o: Outcome) => (o.values as { value: number; ok: boolean }[]).map((s) => `${s.value}:${s.ok}`);

  it('a throwing then() errors the output with its error, and is not thrown into the source', async () => {
    const outcome = await run(() =>
      thenable(() => {
        throw boom;
      }),
    );
    expect(outcome.thrownIntoNext).toBeUndefined();
    expect(outcome.error).toBe(boom);
  });

  it('a thenable that fulfils twice settles every message once and the output completes', async () => {
    const outcome = await run((batch) =>
      thenable((resolve) => {
        resolve(batch);
        resolve(batch);
      }),
    );
    expect(outcome.thrownIntoNext).toBeUndefined();
    expect(outcome.error).toBeUndefined();
    expect(settled(outcome)).toEqual(['0:true', '1:true', '2:true']);
    expect(outcome.completed).toBe(true);
  });

  it('a rejection or a throw after the fulfilment is ignored', async () => {
    for (const late of ['reject', 'throw'] as const) {
      const outcome = await run((batch) =>
        thenable((resolve, reject) => {
          resolve(batch);
          if (late === 'reject') reject(new Error('late'));
          else throw new Error('late');
        }),
      );
      expect(outcome.error).toBeUndefined();
      expect(settled(outcome)).toEqual(['0:true', '1:true', '2:true']);
      expect(outcome.completed).toBe(true);
    }
  });

  it('a fulfilment after a rejection is ignored: the output errors once, with the rejection', async () => {
    const outcome = await run((batch) =>
      thenable((resolve, reject) => {
        reject(boom);
        resolve(batch);
      }),
    );
    expect(outcome.error).toBe(boom);
    expect(outcome.values).toEqual([]);
  });
});

it('of() is unaffected (sanity: the helper drives a real operator)', async () => {
  expect(
    await drive(
      mapOp(
        'mapAsync',
        1,
        (v: number) => v,
        (v: number) => of(v),
      ),
      [1, 2],
    ),
  ).toEqual({ values: [1, 2], completed: true });
});
