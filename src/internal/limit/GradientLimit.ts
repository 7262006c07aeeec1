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

/** Windows averaged plainly before the exponential average takes over (Netflix's warm-up). */
const WARMUP = 10;

/**
 * Gradient (Netflix concurrency-limits' `Gradient2Limit`): compares the long-term RTT (the service's
 * latency when not queueing) with the short-term one (the mean RTT of the last window of samples).
 * `gradient = clamp(tolerance × long / short, 0.5, 1)`; the new estimate is `limit × gradient + √limit`
 * (the square root is a small queue allowance that lets the limit probe upwards), smoothed into the
 * current estimate. While latency stays within `tolerance` of the long-term RTT the limit grows by about
 * `smoothing × √limit` per window; once it rises beyond that, the limit shrinks, by at most half per window.
 *
 * A window is `limit` samples (about one round trip of the whole limit; Netflix uses windows of time):
 * moving the limit once per sample would move it `limit` times before the first call admitted under
 * the new limit reports back, and overshoot far beyond what the service copes with.
 *
 * The long-term RTT rises slowly and falls fast (see {@link GradientLimit.averageIn}), so it follows a
 * service that became faster at once and one that became slower over about `longWindow` windows.
 * A window in which less than half of the limit was ever held does not move the limit. Drops lower it
 * as in AIMD and start a new window.
 * @internal
 */
export class GradientLimit implements LimitAlgorithm {
  limit: number;
  /** The limit before rounding down. */
  private estimate: number;
  private longRtt = 0;
  private windows = 0;
  /** The current window: samples, their summed RTT, and whether the limit was in use in any of them. */
  private count = 0;
  private rttSum = 0;
  private inUse = false;
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
      if (lowered !== this.limit) {
        this.estimate = this.limit = lowered;
        this.count = this.rttSum = 0;
        this.inUse = false;
      }
      return;
    }
    this.count++;
    this.rttSum += sample.rtt;
    if (sample.inflight * 2 >= this.estimate) this.inUse = true;
    if (this.count < this.limit) return;
    const shortRtt = this.rttSum / this.count;
    const inUse = this.inUse;
    this.count = this.rttSum = 0;
    this.inUse = false;
    const longRtt = this.averageIn(shortRtt, longWindow);
    if (!inUse) return; // not using the limit: no evidence either way
    // A 0 ms window (synchronous work, virtual time) shows no queueing.
    const gradient = shortRtt <= 0 ? 1 : Math.max(0.5, Math.min(1, (tolerance * longRtt) / shortRtt));
    const proposed = this.estimate * gradient + Math.sqrt(this.estimate);
    this.estimate = Math.max(min, Math.min(max, this.estimate * (1 - smoothing) + proposed * smoothing));
    this.limit = Math.floor(this.estimate);
  }

  /**
   * Adds `rtt` to the long-term RTT: the plain mean during the warm-up; then it rises slowly (an
   * exponential average over `window` windows) and falls fast (halfway to each faster window). A plain
   * average would drift up under sustained load: held near `tolerance ×` the long-term RTT, every
   * window raises it, which raises the latency tolerated, which raises the limit (congestion collapse in
   * the demo). Falling fast keeps it near the latency the service gives when it is not queueing, the
   * role of Netflix's fast decay when the short-term RTT drops below half the long-term one.
   */
  private averageIn(rtt: number, window: number): number {
    this.windows++;
    if (this.windows <= WARMUP) this.longRtt += (rtt - this.longRtt) / this.windows;
    else if (rtt < this.longRtt) this.longRtt += (rtt - this.longRtt) / 2;
    else this.longRtt += (rtt - this.longRtt) * (2 / (window + 1));
    return this.longRtt;
  }
}
