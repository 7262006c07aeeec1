/**
 * Every validation path of mapAsyncPartitioned, mapAsyncPartitionedUnordered and mapAsync, in both call
 * forms: the error type, a message naming the operator, the parameter and the value, and that it is
 * thrown when the operator is created — before any source exists or is subscribed.
 */
import { Observable, of } from 'rxjs';
import { Valve } from '../../src/flow/Valve';
import { mapAsync } from '../../src/mapAsync';
import { mapAsyncPartitioned } from '../../src/mapAsyncPartitioned';
import { mapAsyncPartitionedUnordered } from '../../src/mapAsyncPartitionedUnordered';

type ErrorType = typeof RangeError | typeof TypeError;
const key = (x: number): number => x;
const project = (x: number): Observable<number> => of(x);

interface PartitionedArgs {
  parallelism: unknown;
  perKey: unknown;
  key: unknown;
  project: unknown;
  valve?: unknown;
  maxQueued?: unknown;
}

const valid: PartitionedArgs = { parallelism: 4, perKey: 2, key, project };

/** Bad integer values for parallelism / perKey, with the error and how the value is shown. */
/** parallelism also takes an adaptiveLimit(): the message for a non-number says so. */
const badParallelisms = (): [unknown, ErrorType, string, string][] =>
  badCounts.map(([value, type, what, shown]) => [value, type, what === 'a number' ? 'a number or an adaptiveLimit()' : what, shown]);

const badCounts: [unknown, ErrorType, string, string][] = [
  [0, RangeError, 'an integer ≥ 1', '0'],
  [-1, RangeError, 'an integer ≥ 1', '-1'],
  [1.5, RangeError, 'an integer ≥ 1', '1.5'],
  [NaN, RangeError, 'an integer ≥ 1', 'NaN'],
  [Infinity, RangeError, 'an integer ≥ 1', 'Infinity'],
  [-Infinity, RangeError, 'an integer ≥ 1', '-Infinity'],
  ['3', TypeError, 'a number', '"3"'],
  [undefined, TypeError, 'a number', 'undefined'],
  [null, TypeError, 'a number', 'null'],
  [3n, TypeError, 'a number', '3n'],
];

const badFunctions: [unknown, string][] = [
  [undefined, 'undefined'],
  [null, 'null'],
  ['x => x', '"x => x"'],
  [{}, 'an object'],
  [42, '42'],
];

const badOptions: [unknown, string][] = [
  [null, 'null'],
  [[], 'an array'],
  ['options', '"options"'],
  [4, '4'],
  [undefined, 'undefined'],
];

const badValves: [unknown, string][] = [
  [{}, 'an object'],
  [{ isOpen: true, attach: () => ({ setFull: () => undefined, release: () => undefined }) }, 'an object'],
  [null, 'null'],
  ['valve', '"valve"'],
  [true, 'true'],
];

const badMaxQueued: [unknown, ErrorType, string][] = [
  [-1, RangeError, '-1'],
  [1.5, RangeError, '1.5'],
  [NaN, RangeError, 'NaN'],
  [-Infinity, RangeError, '-Infinity'],
  ['3', TypeError, '"3"'],
  [null, TypeError, 'null'],
];

const partitionedOperators = [
  ['mapAsyncPartitioned', mapAsyncPartitioned],
  ['mapAsyncPartitionedUnordered', mapAsyncPartitionedUnordered],
] as const;

describe.each(partitionedOperators)('%s validation', (name, operator) => {
  const positional = (a: PartitionedArgs) => () => (operator as (...args: unknown[]) => unknown)(a.parallelism, a.perKey, a.key, a.project);
  const options = (a: PartitionedArgs) => () => (operator as (o: unknown) => unknown)(a);
  const forms = [
    ['positional', positional],
    ['options', options],
  ] as const;

  describe.each(forms)('%s form', (_form, call) => {
    it('accepts valid arguments without subscribing to anything', () => {
      expect(call(valid)).not.toThrow();
      expect(call({ ...valid, parallelism: 1, perKey: 1 })).not.toThrow();
      expect(call({ ...valid, parallelism: 2, perKey: 1 })).not.toThrow();
    });

    it.each(badParallelisms())('parallelism %p → %p', (value, type, what, shown) => {
      const create = call({ ...valid, parallelism: value });
      expect(create).toThrow(type);
      expect(create).toThrow(`${name}: parallelism must be ${what}, got ${shown}`);
    });

    it.each(badCounts)('perKey %p → %p', (value, type, what, shown) => {
      const create = call({ ...valid, parallelism: 1e9, perKey: value });
      expect(create).toThrow(type);
      expect(create).toThrow(`${name}: perKey must be ${what}, got ${shown}`);
    });

    it.each([
      [4, 4],
      [4, 5],
      [2, 3],
    ])('parallelism %i with perKey %i → RangeError pointing to mapAsync', (parallelism, perKey) => {
      const create = call({ ...valid, parallelism, perKey });
      expect(create).toThrow(RangeError);
      expect(create).toThrow(
        `${name}: perKey (${perKey}) must be less than parallelism (${parallelism}); with no limit per key, use mapAsync(${parallelism}, project) instead`,
      );
    });

    it('parallelism 1 with perKey 2 → RangeError (perKey must be 1)', () => {
      const create = call({ ...valid, parallelism: 1, perKey: 2 });
      expect(create).toThrow(RangeError);
      expect(create).toThrow(`${name}: perKey must be 1 when parallelism is 1, got 2`);
    });

    it.each(badFunctions)('key %p → TypeError', (value, shown) => {
      const create = call({ ...valid, key: value });
      expect(create).toThrow(TypeError);
      expect(create).toThrow(`${name}: key must be a function, got ${shown}`);
    });

    it.each(badFunctions)('project %p → TypeError', (value, shown) => {
      const create = call({ ...valid, project: value });
      expect(create).toThrow(TypeError);
      expect(create).toThrow(`${name}: project must be a function, got ${shown}`);
    });
  });

  describe('options form only', () => {
    it.each(badOptions)('options %p → TypeError', (value, shown) => {
      const create = () => (operator as (o: unknown) => unknown)(value);
      expect(create).toThrow(TypeError);
      expect(create).toThrow(`${name}: options must be an object, got ${shown}`);
    });

    it.each(badValves)('valve %p → TypeError', (value, shown) => {
      const create = options({ ...valid, valve: value });
      expect(create).toThrow(TypeError);
      expect(create).toThrow(`${name}: valve must be a Valve, got ${shown}`);
    });

    it.each(badMaxQueued)('maxQueued %p → %p', (value, type, shown) => {
      const create = options({ ...valid, maxQueued: value });
      expect(create).toThrow(type);
      expect(create).toThrow(`${name}: maxQueued must be ${type === TypeError ? 'a number' : 'an integer ≥ 0 or Infinity'}, got ${shown}`);
    });

    it('accepts a Valve, maxQueued 0 / 5 / Infinity, and undefined for both', () => {
      for (const extra of [
        { valve: new Valve() },
        { maxQueued: 0 },
        { maxQueued: 5 },
        { maxQueued: Infinity },
        { valve: undefined, maxQueued: undefined },
      ]) {
        expect(options({ ...valid, ...extra })).not.toThrow();
      }
    });
  });
});

describe('mapAsync validation', () => {
  const forms = [
    ['positional', (parallelism: unknown, fn: unknown) => () => (mapAsync as (...a: unknown[]) => unknown)(parallelism, fn)],
    ['options', (parallelism: unknown, fn: unknown) => () => (mapAsync as (o: unknown) => unknown)({ parallelism, project: fn })],
  ] as const;

  describe.each(forms)('%s form', (_form, call) => {
    it('accepts valid arguments, including parallelism 1', () => {
      expect(call(1, project)).not.toThrow();
      expect(call(64, project)).not.toThrow();
    });

    it.each(badParallelisms())('parallelism %p → %p', (value, type, what, shown) => {
      const create = call(value, project);
      expect(create).toThrow(type);
      expect(create).toThrow(`mapAsync: parallelism must be ${what}, got ${shown}`);
    });

    it.each(badFunctions)('project %p → TypeError', (value, shown) => {
      const create = call(4, value);
      expect(create).toThrow(TypeError);
      expect(create).toThrow(`mapAsync: project must be a function, got ${shown}`);
    });
  });

  it.each(badOptions)('options %p → TypeError', (value, shown) => {
    const create = () => (mapAsync as (o: unknown) => unknown)(value);
    expect(create).toThrow(TypeError);
    expect(create).toThrow(`mapAsync: options must be an object, got ${shown}`);
  });

  it.each(badValves)('valve %p → TypeError', (value, shown) => {
    const create = () => (mapAsync as (o: unknown) => unknown)({ parallelism: 2, project, valve: value });
    expect(create).toThrow(TypeError);
    expect(create).toThrow(`mapAsync: valve must be a Valve, got ${shown}`);
  });

  it.each(badMaxQueued)('maxQueued %p → %p', (value, type, shown) => {
    const create = () => (mapAsync as (o: unknown) => unknown)({ parallelism: 2, project, maxQueued: value });
    expect(create).toThrow(type);
    expect(create).toThrow(`mapAsync: maxQueued must be ${type === TypeError ? 'a number' : 'an integer ≥ 0 or Infinity'}, got ${shown}`);
  });
});

describe('validation happens at creation, not on subscribe', () => {
  it('throws before any source is involved, and a valid operator touches nothing until subscribed', () => {
    let subscribed = 0;
    let called = 0;
    const source = new Observable<number>((subscriber) => {
      subscribed++;
      subscriber.next(1);
      subscriber.complete();
    });
    // An invalid operator throws at the call site: the pipe is never built.
    expect(() => source.pipe(mapAsyncPartitioned(0, 1, key, project))).toThrow(RangeError);
    expect(() => source.pipe(mapAsync({ parallelism: 2, project, maxQueued: -1 }))).toThrow(RangeError);
    expect(subscribed).toBe(0);
    // A valid one calls neither key nor project until subscribed.
    const piped = source.pipe(
      mapAsyncPartitioned(
        2,
        1,
        (x: number) => (called++, x),
        (x: number) => (called++, of(x)),
      ),
    );
    expect(subscribed).toBe(0);
    expect(called).toBe(0);
    const values: number[] = [];
    piped.subscribe((v) => values.push(v));
    expect(values).toEqual([1]);
    expect(called).toBe(2);
  });

  it('errors on subscribe never come from argument checks: a bad operator cannot reach subscribe', () => {
    const errors: unknown[] = [];
    let created: unknown;
    try {
      created = mapAsyncPartitionedUnordered({ parallelism: 2, perKey: 2, key: key, project });
    } catch (error) {
      errors.push(error);
    }
    expect(created).toBeUndefined();
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(RangeError);
  });
});
