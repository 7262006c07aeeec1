import fc from 'fast-check';
import { AimdLimit, type AimdSettings } from '../../src/internal/limit/AimdLimit';
import { GradientLimit, type GradientSettings } from '../../src/internal/limit/GradientLimit';
import type { LimitAlgorithm, LimitSample } from '../../src/internal/limit/LimitAlgorithm';

const aimd = (settings: Partial<AimdSettings> = {}) =>
  new AimdLimit({ min: 1, max: 10, initial: 4, backoffRatio: 0.5, latencyThreshold: 100, ...settings });
const gradient = (settings: Partial<GradientSettings> = {}) =>
  new GradientLimit({
    min: 1,
    max: 50,
    initial: 10,
    backoffRatio: 0.5,
    latencyThreshold: Infinity,
    tolerance: 1.5,
    smoothing: 0.2,
    longWindow: 600,
    ...settings,
  });

/** A sample that ended at `end`, took `rtt`, with the limit fully in use unless said otherwise. */
const sample = (end: number, rtt: number, inflight: number, dropped = false): LimitSample => ({
  startedAt: end - rtt,
  rtt,
  inflight,
  dropped,
});

function feed(limit: LimitAlgorithm, samples: LimitSample[]): number[] {
  return samples.map((s) => {
    limit.onSample(s);
    return limit.limit;
  });
}

describe('AimdLimit', () => {
  it('starts at initial and rises by 1 per window of `limit` successes while the limit is in use', () => {
    const limit = aimd();
    expect(limit.limit).toBe(4);
    // 4 successes → 5; 5 more → 6.
    const limits = feed(
      limit,
      Array.from({ length: 9 }, (_, i) => sample(i, 10, 4)),
    );
    expect(limits).toEqual([4, 4, 4, 5, 5, 5, 5, 5, 6]);
  });

  it('does not rise on successes while less than half of the limit is held (no evidence)', () => {
    const limit = aimd({ initial: 6 });
    feed(
      limit,
      Array.from({ length: 20 }, (_, i) => sample(i, 10, 2)),
    );
    expect(limit.limit).toBe(6);
    feed(
      limit,
      Array.from({ length: 6 }, (_, i) => sample(100 + i, 10, 3)),
    );
    expect(limit.limit).toBe(7);
  });

  it('never rises above max', () => {
    const limit = aimd({ initial: 9 });
    feed(
      limit,
      Array.from({ length: 100 }, (_, i) => sample(i, 1, 10)),
    );
    expect(limit.limit).toBe(10);
  });

  it('multiplies by backoffRatio (rounded down) on an error and on a call slower than latencyThreshold', () => {
    const limit = aimd({ initial: 9 });
    limit.onSample(sample(1000, 10, 9, true));
    expect(limit.limit).toBe(4); // floor(9 × 0.5)
    limit.onSample(sample(2000, 101, 4));
    expect(limit.limit).toBe(2);
    limit.onSample(sample(3000, 100, 2)); // at the threshold: not slower than it
    expect(limit.limit).toBe(2);
  });

  it('never falls below min', () => {
    const limit = aimd({ min: 3, initial: 4 });
    feed(
      limit,
      Array.from({ length: 5 }, (_, i) => sample(1000 * (i + 1), 10, 4, true)),
    );
    expect(limit.limit).toBe(3);
  });

  it('lowers once per overload episode: drops of calls started before the last decrease are not counted again', () => {
    const limit = aimd({ initial: 8 });
    // Eight calls started at 0, all slow, ending at 200..207.
    const slow = Array.from({ length: 8 }, (_, i) => ({ startedAt: 0, rtt: 200 + i, inflight: 8, dropped: false }));
    expect(feed(limit, slow)).toEqual([4, 4, 4, 4, 4, 4, 4, 4]);
    // A call started after the decrease (at 200) and slow again: a new episode.
    limit.onSample({ startedAt: 201, rtt: 150, inflight: 4, dropped: false });
    expect(limit.limit).toBe(2);
  });

  it('restarts the success window after a decrease', () => {
    const limit = aimd({ initial: 4 });
    feed(limit, [sample(1, 10, 4), sample(2, 10, 4), sample(3, 10, 4)]); // 3 of 4 successes
    limit.onSample(sample(100, 10, 4, true)); // → 2, window reset
    expect(feed(limit, [sample(200, 10, 2), sample(201, 10, 2)])).toEqual([2, 3]);
  });
});

describe('GradientLimit', () => {
  /** Feeds `windows` windows (each `limit` samples) of calls taking `rtt`; returns the limit after each. */
  function feedWindows(limit: GradientLimit, windows: number, rtt: number, inflight = Infinity, from = 0): number[] {
    const limits: number[] = [];
    let t = from;
    for (let w = 0; w < windows; w++) {
      const size = limit.limit;
      for (let i = 0; i < size; i++) limit.onSample(sample((t += 1), rtt, Math.min(inflight, limit.limit)));
      limits.push(limit.limit);
    }
    return limits;
  }

  it('moves once per window of `limit` samples', () => {
    const limit = gradient({ initial: 4 });
    const limits = feed(
      limit,
      Array.from({ length: 12 }, (_, i) => sample(i, 10, 4)),
    );
    // Estimates 4.4, 4.82, 5.26 (4 × 0.8 + (4 × 1 + √4) × 0.2 = 4.4, ...) at the ends of three windows of 4.
    expect(limits).toEqual([4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5]);
  });

  it('grows while latency stays at its long-term level, by about smoothing × √limit per window, up to max', () => {
    const limit = gradient();
    const limits = feedWindows(limit, 60, 10);
    for (let i = 1; i < limits.length; i++) expect(limits[i]).toBeGreaterThanOrEqual(limits[i - 1]!);
    expect(limits[0]).toBe(10); // 10 + 0.2 × √10 = 10.6
    expect(limit.limit).toBe(50); // reached max
  });

  it('shrinks once latency rises beyond tolerance × the long-term latency, by at most half per window', () => {
    const limit = gradient({ initial: 40 });
    feedWindows(limit, 20, 10);
    expect(limit.limit).toBe(50);
    let previous = limit.limit;
    for (const current of feedWindows(limit, 10, 100, Infinity, 10_000)) {
      expect(current).toBeLessThan(previous); // 10× slower
      expect(current).toBeGreaterThanOrEqual(Math.floor(previous / 2));
      previous = current;
    }
  });

  it('settles where the latency is about tolerance × the long-term RTT (the √limit allowance on top), for a while', () => {
    // Under sustained queueing the long-term RTT creeps up (over about longWindow windows): that is how
    // it follows a service that really became slower. 3000 samples are ~100 windows.
    // A service whose latency doubles with every 10 calls beyond 20.
    const limit = gradient({ initial: 5 });
    let t = 0;
    for (let i = 0; i < 3000; i++) {
      const rtt = 10 * 2 ** (Math.max(0, limit.limit - 20) / 10);
      limit.onSample(sample((t += 1), rtt, limit.limit));
    }
    expect(limit.limit).toBeGreaterThanOrEqual(20);
    expect(limit.limit).toBeLessThanOrEqual(32);
  });

  it('stays at max when latency rises within tolerance', () => {
    const limit = gradient({ initial: 20, max: 20 });
    feedWindows(limit, 20, 10);
    feedWindows(limit, 20, 14, Infinity, 10_000);
    expect(limit.limit).toBe(20);
  });

  it('the long-term RTT follows a faster service at once: latency back at the new level grows the limit again', () => {
    const limit = gradient({ initial: 20 });
    feedWindows(limit, 20, 100);
    const grown = limit.limit;
    feedWindows(limit, 5, 10, Infinity, 10_000); // faster: grows
    feedWindows(limit, 5, 14, Infinity, 20_000); // within 1.5 × 10: still grows, though 14 is below the old 100
    expect(limit.limit).toBeGreaterThan(grown);
    feedWindows(limit, 10, 40, Infinity, 30_000); // 4 × the new level: shrinks
    expect(limit.limit).toBeLessThan(grown);
  });

  it('ignores windows in which less than half of the limit was held', () => {
    const limit = gradient({ initial: 20 });
    feedWindows(limit, 5, 10, 9);
    feedWindows(limit, 5, 1000, 9, 10_000);
    expect(limit.limit).toBe(20);
  });

  it('backs off on a drop as AIMD does', () => {
    const limit = gradient({ initial: 10 });
    limit.onSample(sample(100, 10, 10, true));
    expect(limit.limit).toBe(5);
  });

  it('treats 0 ms calls (synchronous work, virtual time) as no queueing', () => {
    const limit = gradient({ initial: 10 });
    feedWindows(limit, 5, 0);
    expect(limit.limit).toBeGreaterThan(10);
  });
});

describe('both algorithms (properties)', () => {
  const sampleArb = fc.record({
    startedAt: fc.integer({ min: 0, max: 10_000 }),
    rtt: fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 2000 }), fc.double({ min: 0, max: 1e6, noNaN: true })),
    inflight: fc.integer({ min: 1, max: 200 }),
    dropped: fc.boolean(),
  });
  const boundsArb = fc
    .record({
      min: fc.integer({ min: 1, max: 20 }),
      span: fc.integer({ min: 0, max: 100 }),
      at: fc.double({ min: 0, max: 1, noNaN: true }),
    })
    .map(({ min, span, at }) => ({ min, max: min + span, initial: min + Math.floor(span * at) }));
  const make = (algorithm: 'aimd' | 'gradient', bounds: { min: number; max: number; initial: number }, ratio: number, threshold: number) =>
    algorithm === 'aimd'
      ? new AimdLimit({ ...bounds, backoffRatio: ratio, latencyThreshold: threshold })
      : new GradientLimit({ ...bounds, backoffRatio: ratio, latencyThreshold: threshold, tolerance: 1.5, smoothing: 0.2, longWindow: 20 });

  it.each(['aimd', 'gradient'] as const)(
    '%s: the limit is always an integer within [min, max], and the same samples give the same limits',
    (algorithm) => {
      fc.assert(
        fc.property(
          boundsArb,
          fc.double({ min: 0.01, max: 0.99, noNaN: true }),
          fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 1000 })),
          fc.array(sampleArb, { maxLength: 300 }),
          (bounds, ratio, threshold, samples) => {
            const one = make(algorithm, bounds, ratio, threshold);
            const two = make(algorithm, bounds, ratio, threshold);
            for (const s of samples) {
              one.onSample(s);
              two.onSample(s);
              expect(Number.isInteger(one.limit)).toBe(true);
              expect(one.limit).toBeGreaterThanOrEqual(bounds.min);
              expect(one.limit).toBeLessThanOrEqual(bounds.max);
              expect(two.limit).toBe(one.limit);
            }
          },
        ),
      );
    },
  );
});
