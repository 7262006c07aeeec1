/**
 * Validation of `latest`, `onSuperseded`, the `(options, project)` call form and `perKey` as a function:
 * at creation (types and combinations), and per call for a `perKey` function's result.
 */
import { lastValueFrom, of, toArray } from 'rxjs';
import { mapAsyncPartitioned, mapAsyncPartitionedUnordered } from '../../src/index';

const key = (x: number): number => x % 2;
const project = (x: number) => of(x);

describe.each([
  ['mapAsyncPartitioned', mapAsyncPartitioned],
  ['mapAsyncPartitionedUnordered', mapAsyncPartitionedUnordered],
] as const)('%s latest and perKey validation', (operator, op) => {
  const call = (options: object) => () => (op as (o: unknown, p?: unknown) => unknown)(options, project);

  it.each([
    ['yes', '"yes"'],
    [1, '1'],
    [null, 'null'],
  ])('latest %p → TypeError naming latest and the value', (latest, shown) => {
    expect(call({ parallelism: 2, key, latest })).toThrow(TypeError);
    expect(call({ parallelism: 2, key, latest })).toThrow(`${operator}: latest must be a boolean, got ${shown}`);
  });

  it.each([
    [2, '2'],
    [0, '0'],
    ['1', '"1"'],
    [() => 1, 'a function'],
  ])('latest: true with perKey %p → RangeError naming both options', (perKey, shown) => {
    expect(call({ parallelism: 4, perKey, key, latest: true })).toThrow(RangeError);
    expect(call({ parallelism: 4, perKey, key, latest: true })).toThrow(
      `${operator}: latest: true runs one element per key, so perKey must be 1 (or left out), got ${shown}`,
    );
  });

  it('latest: true accepts perKey 1 or no perKey', () => {
    expect(call({ parallelism: 4, perKey: 1, key, latest: true })).not.toThrow();
    expect(call({ parallelism: 4, key, latest: true })).not.toThrow();
    expect(call({ parallelism: 1, key, latest: true })).not.toThrow();
  });

  it.each([
    ['x', '"x"'],
    [{}, 'an object'],
    [null, 'null'],
  ])('onSuperseded %p → TypeError naming onSuperseded and the value', (onSuperseded, shown) => {
    expect(call({ parallelism: 2, key, latest: true, onSuperseded })).toThrow(TypeError);
    expect(call({ parallelism: 2, key, latest: true, onSuperseded })).toThrow(`${operator}: onSuperseded must be a function, got ${shown}`);
  });

  it('onSuperseded without latest: true → TypeError', () => {
    expect(call({ parallelism: 2, perKey: 1, key, onSuperseded: () => {} })).toThrow(
      `${operator}: onSuperseded needs latest: true (without it, nothing is superseded)`,
    );
  });

  it('project given twice → TypeError', () => {
    expect(call({ parallelism: 2, perKey: 1, key, project })).toThrow(`${operator}: project is given twice`);
  });

  it('the (options, project) form still validates project and perKey', () => {
    expect(() => (op as (o: unknown, p?: unknown) => unknown)({ parallelism: 2, perKey: 1, key }, 'p')).toThrow(
      `${operator}: project must be a function, got "p"`,
    );
    expect(call({ parallelism: 2, key })).toThrow(`${operator}: perKey must be a number, got undefined`);
  });

  it('a perKey function is accepted in both forms without comparing it to parallelism', () => {
    expect(call({ parallelism: 2, perKey: () => 5, key })).not.toThrow();
    expect(() => op(2, () => 1, key, project)).not.toThrow();
  });

  it.each([
    [0, '0'],
    [1.5, '1.5'],
    [NaN, 'NaN'],
    [-1, '-1'],
    ['2', '"2"'],
    [undefined, 'undefined'],
    [Infinity, 'Infinity'],
  ])('a perKey function returning %p errors the output with a RangeError naming perKey, the key and the value', async (limit, shown) => {
    const perKey = (k: number) => (k === 1 ? (limit as number) : 1);
    const run = lastValueFrom(of(0, 2, 1, 3).pipe(op({ parallelism: 4, perKey, key, project }), toArray()));
    await expect(run).rejects.toThrow(RangeError);
    await expect(lastValueFrom(of(0, 1).pipe(op({ parallelism: 4, perKey, key, project })))).rejects.toThrow(
      `${operator}: perKey(1) must return an integer ≥ 1, got ${shown}`,
    );
  });

  it('a throwing perKey function errors the output with its error', async () => {
    const boom = new Error('perKey');
    const perKey = () => {
      throw boom;
    };
    await expect(lastValueFrom(of(1).pipe(op({ parallelism: 4, perKey, key, project })))).rejects.toBe(boom);
  });

  it('the perKey function is called once per key entry (when a key without work gets an element)', async () => {
    const calls: number[] = [];
    const perKey = (k: number) => (calls.push(k), 1);
    await lastValueFrom(of(0, 1, 0, 1, 0).pipe(op({ parallelism: 4, perKey, key, project }), toArray()));
    // of() inners complete synchronously, so every element finds its key without work: one call each.
    expect(calls).toEqual([0, 1, 0, 1, 0]);
  });
});
