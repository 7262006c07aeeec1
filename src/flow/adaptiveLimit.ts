import { asyncScheduler, type SchedulerLike } from 'rxjs';
import { AimdLimit } from '../internal/limit/AimdLimit.js';
import { GradientLimit } from '../internal/limit/GradientLimit.js';
import type { LimitAlgorithm } from '../internal/limit/LimitAlgorithm.js';
import { registerLimit } from './limitRegistry.js';
import {
  checkDuration,
  checkKnownOptions,
  checkOptions,
  checkPositiveInteger,
  checkScheduler,
  describeValue,
  type KnownOptions,
} from '../internal/validate.js';

/**
 * Options of {@link adaptiveLimit}.
 * @public
 */
export interface AdaptiveLimitOptions {
  /** The lowest limit: an integer ≥ 1. Default 1. */
  min?: number;
  /** The highest limit: an integer ≥ `min`. */
  max: number;
  /** The limit a subscription starts with: an integer in [`min`, `max`]. Default `min`. */
  initial?: number;
  /**
   * How the limit moves. `'aimd'` (default): +1 per window of successes, × `backoffRatio` on a drop.
   * `'gradient'`: follows the ratio of the long-term to the short-term latency.
   */
  algorithm?: 'aimd' | 'gradient';
  /** On a drop the limit is multiplied by this and rounded down: a number with 0 \< ratio \< 1. Default 0.9. */
  backoffRatio?: number;
  /**
   * A call slower than this (ms, from `project` to the end of its inner) counts as a drop, like an error.
   * Default `Infinity`: only errors do (the gradient algorithm reads latency without it).
   */
  latencyThreshold?: number;
  /** Gradient only: how much slower than the long-term latency a call may be before the limit shrinks; ≥ 1. Default 1.5. */
  tolerance?: number;
  /** Gradient only: weight of each new estimate, 0 \< smoothing ≤ 1. Default 0.2. */
  smoothing?: number;
  /** Gradient only: the number of calls the long-term latency averages over; an integer ≥ 1. Default 600. */
  longWindow?: number;
  /** The clock latency is measured with (`now()`). Default `asyncScheduler`; a `TestScheduler` in tests. */
  scheduler?: SchedulerLike;
}

const ADAPTIVE_OPTIONS = {
  min: true,
  max: true,
  initial: true,
  algorithm: true,
  backoffRatio: true,
  latencyThreshold: true,
  tolerance: true,
  smoothing: true,
  longWindow: true,
  scheduler: true,
} as const satisfies Record<keyof AdaptiveLimitOptions, true> & KnownOptions;

const GRADIENT_ONLY = ['tolerance', 'smoothing', 'longWindow'] as const;

/**
 * An adaptive concurrency limit, made by {@link adaptiveLimit}: pass it as `parallelism` to
 * {@link (mapAsync:1)}, {@link (mapAsyncPartitioned:1)} or {@link (mapAsyncPartitionedUnordered:1)}.
 *
 * @remarks
 * It holds settings, not state: every subscription of an operator given it runs its own limit, starting
 * at `initial`. {@link AdaptiveLimit.current} shows the limit of the most recent one.
 * @public
 */
export class AdaptiveLimit {
  /** The lowest limit. */
  readonly min: number;
  /** The highest limit. */
  readonly max: number;
  /** The limit each subscription starts with. */
  readonly initial: number;
  /** How the limit moves. */
  readonly algorithm: 'aimd' | 'gradient';
  private latest: LimitAlgorithm | null = null;

  /** @internal */
  constructor(options: AdaptiveLimitOptions) {
    const name = 'adaptiveLimit';
    checkOptions(name, options);
    checkKnownOptions(name, options, ADAPTIVE_OPTIONS);
    const {
      min = 1,
      max,
      initial = min,
      algorithm = 'aimd',
      backoffRatio = 0.9,
      latencyThreshold = Infinity,
      tolerance = 1.5,
      smoothing = 0.2,
      longWindow = 600,
      scheduler = asyncScheduler,
    } = options;
    checkPositiveInteger(name, 'min', min);
    checkPositiveInteger(name, 'max', max);
    if (max < min) throw new RangeError(`${name}: max must be ≥ min (${min}), got ${describeValue(max)}`);
    checkPositiveInteger(name, 'initial', initial);
    if (initial < min || initial > max) {
      throw new RangeError(`${name}: initial must be from min (${min}) to max (${max}), got ${describeValue(initial)}`);
    }
    if (algorithm !== 'aimd' && algorithm !== 'gradient') {
      throw new TypeError(`${name}: algorithm must be "aimd" or "gradient", got ${describeValue(algorithm)}`);
    }
    checkFraction(name, 'backoffRatio', backoffRatio, (n) => n > 0 && n < 1, 'a number with 0 < backoffRatio < 1');
    checkDuration(name, 'latencyThreshold', latencyThreshold, true);
    if (algorithm === 'aimd') {
      const misplaced = GRADIENT_ONLY.find((option) => options[option] !== undefined);
      if (misplaced !== undefined) {
        throw new TypeError(`${name}: ${misplaced} applies to algorithm "gradient" only, got algorithm "aimd"`);
      }
    }
    checkFraction(name, 'tolerance', tolerance, (n) => n >= 1 && n < Infinity, 'a finite number ≥ 1');
    checkFraction(name, 'smoothing', smoothing, (n) => n > 0 && n <= 1, 'a number with 0 < smoothing ≤ 1');
    checkPositiveInteger(name, 'longWindow', longWindow);
    checkScheduler(name, scheduler);

    this.min = min;
    this.max = max;
    this.initial = initial;
    this.algorithm = algorithm;
    const create =
      algorithm === 'aimd'
        ? () => new AimdLimit({ min, max, initial, backoffRatio, latencyThreshold })
        : () => new GradientLimit({ min, max, initial, backoffRatio, latencyThreshold, tolerance, smoothing, longWindow });
    registerLimit(this, max, () => {
      const state = create();
      this.latest = state;
      return { algorithm: state, scheduler };
    });
  }

  /**
   * The limit of the most recent subscription that uses this `AdaptiveLimit` (`initial` before the
   * first): for demos, tests and dashboards of a pipeline subscribed once.
   */
  get current(): number {
    return this.latest === null ? this.initial : this.latest.limit;
  }
}

function checkFraction(operator: string, name: string, value: unknown, ok: (n: number) => boolean, what: string): void {
  if (typeof value !== 'number') throw new TypeError(`${operator}: ${name} must be a number, got ${describeValue(value)}`);
  if (!ok(value)) throw new RangeError(`${operator}: ${name} must be ${what}, got ${describeValue(value)}`);
}

/**
 * An adaptive concurrency limit (Netflix's concurrency-limits for RxJS): pass it where a `parallelism`
 * number goes, and the operator moves its limit between `min` and `max` from the latency and the errors
 * it observes.
 *
 * @remarks
 * - **What is measured.** For each element, the time from its `project` call to the end of its inner
 *   (completion or error), on `scheduler`'s clock, and whether it failed.
 * - **AIMD** (default): +1 after a window of `limit` successful calls; × `backoffRatio` (rounded down) on
 *   a drop: an error, or a call slower than `latencyThreshold`. One overload episode lowers the limit
 *   once: drops of calls that started before the last decrease are not counted again.
 * - **Gradient**: compares the long-term average latency with the latest call's; while the latter
 *   stays within `tolerance` × the former the limit grows (about `smoothing × √limit` per call); beyond
 *   it, the limit shrinks, by at most half per call. Drops lower it as in AIMD.
 * - **Only with evidence.** Calls that end while less than half the limit is held do not raise it.
 * - **What the limit bounds** is what `parallelism` bounds: the elements the operator holds. Lowering it
 *   never cancels running work; the operator stops admitting until it holds fewer than the limit.
 * - **Errors** still fail the output as they do with a fixed `parallelism`; they count as a drop first.
 * - **Per subscription.** Each subscription starts at `initial` with its own state; two subscriptions
 *   (or a resubscription by `retry`) share nothing. {@link AdaptiveLimit.current} reads the most recent
 *   one's limit.
 *
 * @example
 * ```ts
 * // Between 2 and 64 calls at once, backing off when a call takes longer than 250 ms or fails.
 * const limit = adaptiveLimit({ min: 2, max: 64, latencyThreshold: 250 });
 * ids$.pipe(mapAsync({ parallelism: limit, project: (id, _i, { signal }) => fetch(`/items/${id}`, { signal }) }));
 * ```
 * @param options - `max`, and optionally `min`, `initial`, `algorithm` and its settings, `scheduler`.
 * @returns the limit's settings, to pass as `parallelism`.
 * @see docs/guides/adaptive-concurrency.md
 * @public
 */
export function adaptiveLimit(options: AdaptiveLimitOptions): AdaptiveLimit {
  return new AdaptiveLimit(options);
}
