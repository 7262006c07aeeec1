/**
 * What an adaptive concurrency limit learns from: one sample per element whose work ended (its inner
 * completed, errored, or its `project` threw).
 * @internal
 */
export interface LimitSample {
  /** Scheduler time at which the work started (`project` was called). */
  readonly startedAt: number;
  /** Scheduler time from start to end of the work (the round-trip time, RTT). */
  readonly rtt: number;
  /** Elements the operator held when the work ended, this one included: how much of the limit was in use. */
  readonly inflight: number;
  /** The work failed (an error from `project` or its inner). */
  readonly dropped: boolean;
}

/**
 * An adaptive limit: a plain state machine fed with samples, no RxJS and no clock of its own, so the
 * same sequence of samples always gives the same sequence of limits.
 * @internal
 */
export interface LimitAlgorithm {
  /** The current limit: an integer in [min, max]. */
  readonly limit: number;
  /** Takes one sample and moves the limit. */
  onSample(sample: LimitSample): void;
}

/**
 * The multiplicative decrease both algorithms share. One episode of overload lowers the limit once: a
 * drop of work that started before the last decrease was admitted under the old, higher limit, so it says
 * nothing about the new one (TCP's "once per window" rule). Without it, a burst of slow completions
 * would multiply the limit by the ratio once per element and collapse it to `min`.
 * @internal
 */
export class Backoff {
  private lastDecreaseAt = -Infinity;

  constructor(private readonly ratio: number) {}

  /** The lowered limit, or `limit` itself when this drop belongs to an episode already answered. */
  lower(limit: number, min: number, sample: LimitSample): number {
    if (sample.startedAt < this.lastDecreaseAt) return limit;
    this.lastDecreaseAt = sample.startedAt + sample.rtt;
    return Math.max(min, Math.floor(limit * this.ratio));
  }
}
