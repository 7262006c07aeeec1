import { Backoff, type LimitAlgorithm, type LimitSample } from './LimitAlgorithm.js';

/** Settings of {@link AimdLimit}, already validated. @internal */
export interface AimdSettings {
  readonly min: number;
  readonly max: number;
  readonly initial: number;
  /** The limit is multiplied by this on a drop (0 \< ratio \< 1). */
  readonly backoffRatio: number;
  /** A sample slower than this (ms) counts as a drop. */
  readonly latencyThreshold: number;
}

/**
 * Additive increase, multiplicative decrease (Netflix concurrency-limits' `AIMDLimit`, TCP's congestion
 * avoidance): +1 after a window of `limit` successful samples, × `backoffRatio` (rounded down) on a drop
 * (an error, or a sample slower than `latencyThreshold`), once per overload episode (see {@link Backoff}).
 *
 * A success counts toward the window only while the limit is in use (at least half of it held), so a
 * quiet period does not raise the limit to `max` without evidence that the service copes with it.
 * @internal
 */
export class AimdLimit implements LimitAlgorithm {
  limit: number;
  /** Successful samples since the last change of the limit. */
  private successes = 0;
  private readonly backoff: Backoff;

  constructor(private readonly settings: AimdSettings) {
    this.limit = settings.initial;
    this.backoff = new Backoff(settings.backoffRatio);
  }

  onSample(sample: LimitSample): void {
    const { min, max, latencyThreshold } = this.settings;
    if (sample.dropped || sample.rtt > latencyThreshold) {
      const lowered = this.backoff.lower(this.limit, min, sample);
      if (lowered !== this.limit) {
        this.limit = lowered;
        this.successes = 0;
      }
      return;
    }
    if (sample.inflight * 2 < this.limit) return; // not using the limit: no evidence for more
    if (++this.successes >= this.limit) {
      this.successes = 0;
      this.limit = Math.min(max, this.limit + 1);
    }
  }
}
