/**
 * `npm run demo -- --adaptive`: fixed versus adaptive parallelism against a remote service that slows
 * down under load. Everything runs in virtual time (a `VirtualTimeScheduler`), so the figures are the
 * same on every machine and every run.
 */
import { finalize, from, map, timer, VirtualTimeScheduler, type SchedulerLike } from 'rxjs';
import { adaptiveLimit, mapAsyncPartitioned, type AdaptiveLimit } from '../src/index.js';
import { prng } from './broker.js';

export interface OverloadSettings {
  /** Requests in the backlog (all available at once: a re-index, a replay, a catch-up). */
  count: number;
  /** Entities the requests are spread over; one call per entity at a time (`perKey` 1). */
  entities: number;
  /** The service's latency when it is not overloaded, ms. */
  baseLatencyMs: number;
  /** Calls in flight the service handles without slowing down; the client does not know it. */
  capacity: number;
  seed: number;
}

export const OVERLOAD_DEFAULTS: Readonly<OverloadSettings> = { count: 5000, entities: 500, baseLatencyMs: 20, capacity: 16, seed: 42 };

/**
 * A remote service that queues internally: up to `capacity` calls in flight it answers in the base
 * latency (± 10 %); beyond, every call takes longer with the square of the excess —
 * `base × (1 + ((inFlight − capacity) / 4)²)` — so throughput falls as load rises (congestion collapse).
 * A call's latency is fixed when it arrives, from the calls in flight then.
 */
export class OverloadedService {
  inFlight = 0;
  peakInFlight = 0;
  readonly latencies: number[] = [];
  private readonly random: () => number;

  constructor(
    private readonly settings: OverloadSettings,
    private readonly scheduler: SchedulerLike,
  ) {
    this.random = prng(settings.seed);
  }

  latencyFor(inFlight: number): number {
    const { baseLatencyMs, capacity } = this.settings;
    const excess = Math.max(0, inFlight - capacity);
    return baseLatencyMs * (1 + (excess / 4) ** 2);
  }

  call<T>(value: T) {
    this.inFlight++;
    this.peakInFlight = Math.max(this.peakInFlight, this.inFlight);
    const latency = this.latencyFor(this.inFlight) * (0.9 + 0.2 * this.random());
    this.latencies.push(latency);
    return timer(latency, this.scheduler).pipe(
      map(() => value),
      finalize(() => this.inFlight--),
    );
  }
}

export interface OverloadRow {
  label: string;
  /** Requests per second of virtual time, over the whole backlog. */
  throughput: number;
  /** Service latency of the calls (from call to answer), ms. */
  p50: number;
  p99: number;
  peakInFlight: number;
  /** The adaptive limit at the end (fixed: the fixed value). */
  finalLimit: number;
  /** Results in input order, each exactly once. */
  complete: boolean;
}

/** One run of the backlog through `mapAsyncPartitioned` with the given parallelism (fixed, or made per scheduler). */
export function runOverload(
  settings: OverloadSettings,
  label: string,
  parallelism: number | ((s: SchedulerLike) => AdaptiveLimit),
): OverloadRow {
  const scheduler = new VirtualTimeScheduler(undefined, Infinity);
  const service = new OverloadedService(settings, scheduler);
  const limit = typeof parallelism === 'number' ? parallelism : parallelism(scheduler);
  const requests = Array.from({ length: settings.count }, (_, i) => ({ i, entity: (i * 7919) % settings.entities }));
  const seen: number[] = [];
  let doneAt = NaN;
  from(requests)
    .pipe(
      mapAsyncPartitioned({
        parallelism: limit,
        perKey: 1,
        key: (r) => r.entity,
        project: (r) => service.call(r.i),
      }),
    )
    .subscribe({ next: (i) => seen.push(i), complete: () => (doneAt = scheduler.now()) });
  scheduler.flush();
  const sorted = [...service.latencies].sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
  return {
    label,
    throughput: (settings.count / doneAt) * 1000,
    p50: pct(0.5),
    p99: pct(0.99),
    peakInFlight: service.peakInFlight,
    finalLimit: typeof limit === 'number' ? limit : limit.current,
    complete: seen.length === settings.count && seen.every((v, i) => v === i),
  };
}

/** The comparison the demo prints: fixed too low, fixed too high, the (unknowable) right fixed value, AIMD, gradient. */
export function runOverloadComparison(settings: OverloadSettings = OVERLOAD_DEFAULTS): OverloadRow[] {
  const low = Math.max(1, Math.floor(settings.capacity / 4));
  const high = settings.capacity * 4;
  return [
    runOverload(settings, `fixed ${low} (too low)`, low),
    runOverload(settings, `fixed ${high} (too high)`, high),
    runOverload(settings, `fixed ${settings.capacity} (the service's capacity)`, settings.capacity),
    runOverload(settings, `adaptive AIMD 1..${high}, threshold ${2 * settings.baseLatencyMs} ms`, (scheduler) =>
      adaptiveLimit({ min: 1, max: high, latencyThreshold: 2 * settings.baseLatencyMs, scheduler }),
    ),
    runOverload(settings, `adaptive gradient 1..${high}`, (scheduler) =>
      adaptiveLimit({ min: 1, max: high, algorithm: 'gradient', scheduler }),
    ),
  ];
}
