/**
 * adaptiveLimit's settings and their checks (at creation, naming the parameter and the value), and the
 * operators' acceptance of it as `parallelism`.
 */
import { of, queueScheduler } from 'rxjs';
import { adaptiveLimit, AdaptiveLimit } from '../../src/flow/adaptiveLimit';
import { mapAsync } from '../../src/mapAsync';
import { mapAsyncPartitioned } from '../../src/mapAsyncPartitioned';
import { mapAsyncPartitionedUnordered } from '../../src/mapAsyncPartitionedUnordered';

type ErrorType = typeof RangeError | typeof TypeError;
const create = (options: unknown) => () => adaptiveLimit(options as never);

describe('adaptiveLimit', () => {
  it('has defaults: min 1, initial min, AIMD; current is initial before any subscription', () => {
    const limit = adaptiveLimit({ max: 10 });
    expect(limit).toBeInstanceOf(AdaptiveLimit);
    expect([limit.min, limit.max, limit.initial, limit.algorithm, limit.current]).toEqual([1, 10, 1, 'aimd', 1]);
    const gradient = adaptiveLimit({ min: 2, max: 10, initial: 5, algorithm: 'gradient', tolerance: 2, smoothing: 1, longWindow: 1 });
    expect([gradient.min, gradient.initial, gradient.algorithm, gradient.current]).toEqual([2, 5, 'gradient', 5]);
  });

  it('accepts every option at its edges', () => {
    expect(create({ min: 1, max: 1 })).not.toThrow();
    expect(create({ max: 3, backoffRatio: 0.01, latencyThreshold: 0, scheduler: queueScheduler })).not.toThrow();
    expect(create({ max: 3, algorithm: 'gradient', tolerance: 1, smoothing: 1, latencyThreshold: Infinity })).not.toThrow();
  });

  it.each<[string, Record<string, unknown>, ErrorType, string]>([
    ['options', null as never, TypeError, 'adaptiveLimit: options must be an object, got null'],
    ['max missing', {}, TypeError, 'adaptiveLimit: max must be a number, got undefined'],
    ['max 0', { max: 0 }, RangeError, 'adaptiveLimit: max must be an integer ≥ 1, got 0'],
    ['max 2.5', { max: 2.5 }, RangeError, 'adaptiveLimit: max must be an integer ≥ 1, got 2.5'],
    ['max Infinity', { max: Infinity }, RangeError, 'adaptiveLimit: max must be an integer ≥ 1, got Infinity'],
    ['min 0', { min: 0, max: 4 }, RangeError, 'adaptiveLimit: min must be an integer ≥ 1, got 0'],
    ['min "2"', { min: '2', max: 4 }, TypeError, 'adaptiveLimit: min must be a number, got "2"'],
    ['max < min', { min: 5, max: 4 }, RangeError, 'adaptiveLimit: max must be ≥ min (5), got 4'],
    ['initial below min', { min: 2, max: 4, initial: 1 }, RangeError, 'adaptiveLimit: initial must be from min (2) to max (4), got 1'],
    ['initial above max', { max: 4, initial: 5 }, RangeError, 'adaptiveLimit: initial must be from min (1) to max (4), got 5'],
    ['initial 1.5', { max: 4, initial: 1.5 }, RangeError, 'adaptiveLimit: initial must be an integer ≥ 1, got 1.5'],
    ['algorithm', { max: 4, algorithm: 'vegas' }, TypeError, 'adaptiveLimit: algorithm must be "aimd" or "gradient", got "vegas"'],
    [
      'backoffRatio 1',
      { max: 4, backoffRatio: 1 },
      RangeError,
      'adaptiveLimit: backoffRatio must be a number with 0 < backoffRatio < 1, got 1',
    ],
    [
      'backoffRatio 0',
      { max: 4, backoffRatio: 0 },
      RangeError,
      'adaptiveLimit: backoffRatio must be a number with 0 < backoffRatio < 1, got 0',
    ],
    [
      'backoffRatio NaN',
      { max: 4, backoffRatio: NaN },
      RangeError,
      'adaptiveLimit: backoffRatio must be a number with 0 < backoffRatio < 1, got NaN',
    ],
    ['backoffRatio "0.5"', { max: 4, backoffRatio: '0.5' }, TypeError, 'adaptiveLimit: backoffRatio must be a number, got "0.5"'],
    [
      'latencyThreshold -1',
      { max: 4, latencyThreshold: -1 },
      RangeError,
      'adaptiveLimit: latencyThreshold must be a number of milliseconds ≥ 0, or Infinity, got -1',
    ],
    [
      'tolerance with aimd',
      { max: 4, tolerance: 2 },
      TypeError,
      'adaptiveLimit: tolerance applies to algorithm "gradient" only, got algorithm "aimd"',
    ],
    [
      'longWindow with aimd',
      { max: 4, algorithm: 'aimd', longWindow: 2 },
      TypeError,
      'adaptiveLimit: longWindow applies to algorithm "gradient" only',
    ],
    [
      'tolerance 0.9',
      { max: 4, algorithm: 'gradient', tolerance: 0.9 },
      RangeError,
      'adaptiveLimit: tolerance must be a finite number ≥ 1, got 0.9',
    ],
    [
      'smoothing 0',
      { max: 4, algorithm: 'gradient', smoothing: 0 },
      RangeError,
      'adaptiveLimit: smoothing must be a number with 0 < smoothing ≤ 1, got 0',
    ],
    [
      'longWindow 0',
      { max: 4, algorithm: 'gradient', longWindow: 0 },
      RangeError,
      'adaptiveLimit: longWindow must be an integer ≥ 1, got 0',
    ],
    [
      'scheduler',
      { max: 4, scheduler: {} },
      TypeError,
      'adaptiveLimit: scheduler must be a SchedulerLike (with now and schedule), got an object',
    ],
    ['unknown option', { max: 4, maximum: 8 }, TypeError, 'adaptiveLimit: unknown option "maximum"'],
  ])('%s → %p', (_name, options, type, message) => {
    expect(create(options)).toThrow(type);
    expect(create(options)).toThrow(message);
  });
});

describe('operators taking an adaptiveLimit as parallelism', () => {
  const project = (x: number) => of(x);
  const key = (x: number) => x;

  it('is accepted in the options and the positional forms of all three operators', () => {
    const limit = adaptiveLimit({ min: 2, max: 8 });
    expect(() => mapAsync({ parallelism: limit, project })).not.toThrow();
    expect(() => mapAsync(limit, project)).not.toThrow();
    expect(() => mapAsyncPartitioned({ parallelism: limit, perKey: 1, key, project })).not.toThrow();
    expect(() => mapAsyncPartitioned(limit, 1, key, project)).not.toThrow();
    expect(() => mapAsyncPartitionedUnordered({ parallelism: limit, perKey: 4, key, project })).not.toThrow();
  });

  it('an object that is not an adaptiveLimit() is a TypeError naming parallelism', () => {
    const fake = { min: 1, max: 4, current: 1 };
    expect(() => mapAsync({ parallelism: fake as never, project })).toThrow(
      new TypeError('mapAsync: parallelism must be a number or an adaptiveLimit(), got an object'),
    );
  });

  it('perKey is checked against the limit’s max', () => {
    expect(() => mapAsyncPartitioned({ parallelism: adaptiveLimit({ min: 1, max: 4 }), perKey: 4, key, project })).toThrow(
      new RangeError(
        'mapAsyncPartitioned: perKey (4) must be less than parallelism (4); with no limit per key, use mapAsync(4, project) instead',
      ),
    );
    expect(() => mapAsyncPartitioned({ parallelism: adaptiveLimit({ max: 1 }), perKey: 2, key, project })).toThrow(
      'mapAsyncPartitioned: perKey must be 1 when parallelism is 1, got 2',
    );
  });
});
