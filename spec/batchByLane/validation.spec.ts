import { asyncScheduler } from 'rxjs';
import { batchByLane } from '../../src/batchByLane';
import { Valve } from '../../src/flow/Valve';
import * as api from '../../src/index';

const key = (v: number) => v;
const handler = (batch: readonly number[]) => batch;

describe('batchByLane validation (at creation, not on subscribe)', () => {
  it.each<[string, Record<string, unknown>, ErrorConstructor, string]>([
    ['size missing', { key }, TypeError, 'batchByLane: size must be a number, got undefined'],
    ['size 0', { key, size: 0 }, RangeError, 'batchByLane: size must be an integer ≥ 1, got 0'],
    ['size 1.5', { key, size: 1.5 }, RangeError, 'batchByLane: size must be an integer ≥ 1, got 1.5'],
    ['size Infinity', { key, size: Infinity }, RangeError, 'batchByLane: size must be an integer ≥ 1, got Infinity'],
    ['size "3"', { key, size: '3' }, TypeError, 'batchByLane: size must be a number, got "3"'],
    ['concurrency 0', { key, size: 1, concurrency: 0 }, RangeError, 'batchByLane: concurrency must be an integer ≥ 1 or Infinity, got 0'],
    [
      'concurrency NaN',
      { key, size: 1, concurrency: NaN },
      RangeError,
      'batchByLane: concurrency must be an integer ≥ 1 or Infinity, got NaN',
    ],
    [
      'maxInFlight -1',
      { key, size: 1, maxInFlight: -1 },
      RangeError,
      'batchByLane: maxInFlight must be an integer ≥ 1 or Infinity, got -1',
    ],
    ['maxInFlight null', { key, size: 1, maxInFlight: null }, TypeError, 'batchByLane: maxInFlight must be a number, got null'],
    [
      'maxWait -1',
      { key, size: 1, maxWait: -1 },
      RangeError,
      'batchByLane: maxWait must be a number of milliseconds ≥ 0, or Infinity, got -1',
    ],
    [
      'maxWait NaN',
      { key, size: 1, maxWait: NaN },
      RangeError,
      'batchByLane: maxWait must be a number of milliseconds ≥ 0, or Infinity, got NaN',
    ],
    ['key missing', { size: 1 }, TypeError, 'batchByLane: key must be a function, got undefined'],
    ['key a string', { key: 'id', size: 1 }, TypeError, 'batchByLane: key must be a function, got "id"'],
    ['ordered "yes"', { key, size: 1, ordered: 'yes' }, TypeError, 'batchByLane: ordered must be a boolean, got "yes"'],
    [
      'scheduler {}',
      { key, size: 1, scheduler: {} },
      TypeError,
      'batchByLane: scheduler must be a SchedulerLike (with now and schedule), got an object',
    ],
    ['onDiagnostic 1', { key, size: 1, onDiagnostic: 1 }, TypeError, 'batchByLane: onDiagnostic must be a function, got 1'],
    ['valve {}', { key, size: 1, valve: {} }, TypeError, 'batchByLane: valve must be a Valve, got an object'],
    ['maxQueued -1', { key, size: 1, maxQueued: -1 }, RangeError, 'batchByLane: maxQueued must be an integer ≥ 0 or Infinity, got -1'],
    ['an unknown option (typo)', { key, size: 1, maxInflight: 10 }, TypeError, 'batchByLane: unknown option "maxInflight"'],
  ])('%s', (_, options, type, message) => {
    let thrown: unknown;
    try {
      batchByLane(options as never, handler);
    } catch (error) {
      thrown = error;
    }
    expect(thrown).toBeInstanceOf(type);
    expect((thrown as Error).message.startsWith(message)).toBe(true);
  });

  it('rejects options that are not an object and a handler that is not a function', () => {
    expect(() => batchByLane(null as never, handler)).toThrow(new TypeError('batchByLane: options must be an object, got null'));
    expect(() => batchByLane([] as never, handler)).toThrow(new TypeError('batchByLane: options must be an object, got an array'));
    expect(() => batchByLane({ key, size: 1 }, undefined as never)).toThrow(
      new TypeError('batchByLane: handler must be a function, got undefined'),
    );
  });

  it('accepts every valid combination, including Infinity bounds and maxWait 0', () => {
    expect(() =>
      batchByLane(
        {
          key,
          size: 1,
          maxWait: 0,
          concurrency: Infinity,
          maxInFlight: Infinity,
          ordered: false,
          scheduler: asyncScheduler,
          onDiagnostic: () => undefined,
          valve: new Valve(),
          maxQueued: 0,
        },
        handler,
      ),
    ).not.toThrow();
    expect(() => batchByLane({ key, size: 3, maxWait: 2.5, concurrency: 4, maxInFlight: 1 }, handler)).not.toThrow();
  });

  it('is exported from the package entry point with its error and companion', () => {
    expect(api.batchByLane).toBe(batchByLane);
    expect(typeof api.batchByLaneFromBatches).toBe('function');
    expect(new api.BatchResultCountError('batchByLane', 'k', 3, 1, 2)).toBeInstanceOf(Error);
  });
});
