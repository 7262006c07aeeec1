import { Backoff, type LimitAlgorithm, type LimitSample } from './LimitAlgorithm.js';

/** Settings of {@link GradientLimit}, already validated. @internal */
export interface GradientSettings {
  readonly min: number;
  readonly max: number;
  readonly initial: number;
  /** On a drop (an error, or a sample slower than `latencyThreshold`), the limit is multiplied by this. */
  readonly backoffRatio: number;
  readonly latencyThreshold: number;
  /** How much slower than the long-term RTT the short-term one may be before the limit shrinks (≥ 1). */
  readonly tolerance: number;
  /** Weight of each new estimate in the limit (0 \< smoothing ≤ 1). */
  readonly smoothing: number;
  /** Samples the long-term RTT averages over (an exponential average with this window). */
  readonly longWindow: number;
}

/** Samples averaged plainly before the exponential average takes over (Netflix's warm-up). */
const WARMUP = 10;

/**
 * Gradient (Netflix concurrency-limits' `Gradient2Limit`): compares the long-term RTT (an exponential
 * average, the service's latency when not queueing) with the short-term one (the latest sample).
 * `gradient = clamp(tolerance × long / short, 0.5, 1)`; the new estimate is `limit × gradient + √limit`
 * (the square root is a small queue allowance that lets the limit probe upwards), smoothed into the
 * current estimate. While latency stays within `tolerance` of the long-term RTT the limit grows by about
 * `smoothing × √limit` per sample; once it rises beyond that, the limit shrinks, by at most half per sample.
 *
 * When the short-term RTT falls well below the long-term one (less than half: the queues have drained),
 * the long-term RTT decays by 5 % per sample, so it follows a service that became faster. Samples taken
 * while less than half of the limit was in use do not move the limit. Drops lower it as in AIMD.
 * @internal
 */
export class GradientLimit implements LimitAlgorithm {
  limit: number;
  /** The limit before rounding down. */
  private estimate: number;
  private longRtt = 0;
  private samples = 0;
  private readonly backoff: Backoff;

  constructor(private readonly settings: GradientSettings) {
    this.limit = settings.initial;
    this.estimate = settings.initial;
    this.backoff = new Backoff(settings.backoffRatio);
  }

  onSample(sample: LimitSample): void {
    const { min, max, latencyThreshold, tolerance, smoothing, longWindow } = this.settings;
    if (sample.dropped || sample.rtt > latencyThreshold) {
      const lowered = this.backoff.lower(this.limit, min, sample);
      if (lowered !== this.limit) this.estimate = this.limit = lowered;
      return;
    }
    const shortRtt = sample.rtt;
    const longRtt = this.averageIn(shortRtt, longWindow);
    if (longRtt > 2 * shortRtt) this.longRtt = longRtt * 0.95;
    if (sample.inflight * 2 < this.estimate) return; // not using the limit: no evidence either way
    // A 0 ms sample (synchronous work, virtual time) shows no queueing.
    const gradient = shortRtt <= 0 ? 1 : Math.max(0.5, Math.min(1, (tolerance * longRtt) / shortRtt));
    const proposed = this.estimate * gradient + Math.sqrt(this.estimate);
    this.estimate = Math.max(min, Math.min(max, this.estimate * (1 - smoothing) + proposed * smoothing));
    this.limit = Math.floor(this.estimate);
  }

  /** Adds `rtt` to the long-term average: plain mean during the warm-up, then exponential. */
  private averageIn(rtt: number, window: number): number {
    this.samples++;
    if (this.samples <= WARMUP) this.longRtt += (rtt - this.longRtt) / this.samples;
    else this.longRtt += (rtt - this.longRtt) * (2 / (window + 1));
    return this.longRtt;
  }
}
