/**
 * The demo's core, free of any terminal code: the three ways of processing the broker stream, and a
 * runner that measures one of them honestly (concurrency counted inside the remote call, order checked
 * at the sink on every result).
 */
import { concatMap, groupBy, mergeMap, Observable, tap } from 'rxjs';
import { mapAsyncPartitioned, Valve } from '../src/index.js';
import { SimulatedBroker, SimulatedRemote, type BrokerEvent, type Processed } from './broker.js';

export interface DemoSettings {
  /** Events on the topic. */
  count: number;
  /** Entities the events are spread over (uniformly at random). */
  entities: number;
  /** Mean latency of the simulated remote call, ms. */
  latencyMs: number;
  /** Spread of the latency: each call takes latency × (1 ± jitter), uniformly; 0 = fixed. */
  jitter: number;
  /** `mapAsyncPartitioned`'s parallelism. */
  parallelism: number;
  /** `mapAsyncPartitioned`'s perKey. */
  perKey: number;
  /** Seed of the event stream and of the latencies. */
  seed: number;
  /** Messages per broker poll. */
  pollSize: number;
  /**
   * Runs of an approach whose first run took under {@link SHORT_RUN_MS}; the median is reported (short
   * runs are the ones a noisy machine distorts). 1 = every approach runs once.
   */
  runs: number;
}

/** Runs shorter than this are repeated (see {@link DemoSettings.runs}). */
export const SHORT_RUN_MS = 1000;

export const DEFAULTS: Readonly<DemoSettings> = {
  count: 2000,
  entities: 200,
  latencyMs: 2,
  jitter: 0.5,
  parallelism: 64,
  perKey: 1,
  seed: 42,
  pollSize: 500,
  runs: 3,
};

/** What an approach gets to build its pipeline from. */
export interface PipelineInput {
  /** Subscribes a consumer of the topic; give it a valve to make it pausable. */
  consume(valve?: Valve): Observable<BrokerEvent>;
  /** The remote call every event needs. */
  call(event: BrokerEvent, signal?: AbortSignal): Promise<Processed>;
  readonly settings: DemoSettings;
}

export interface Approach {
  readonly id: string;
  readonly label: string;
  pipeline(input: PipelineInput): Observable<Processed>;
}

/** Sequential: one call at a time, in order. The baseline. */
export const sequential: Approach = {
  id: 'concatMap',
  label: 'concatMap',
  pipeline: ({ consume, call }) => consume().pipe(concatMap((event) => call(event))),
};

/** The usual RxJS answer: one sequential lane per entity, all lanes at once, results as they finish. */
export const groupByConcatMap: Approach = {
  id: 'groupBy+concatMap',
  label: 'groupBy + concatMap',
  pipeline: ({ consume, call }) =>
    consume().pipe(
      groupBy((event) => event.entity),
      mergeMap((lane) => lane.pipe(concatMap((event) => call(event)))),
    ),
};

/** This pack: bounded parallelism, a per-entity bound, results in input order, a paused consumer when full. */
export function partitioned(parallelism: number, perKey: number): Approach {
  return {
    id: 'mapAsyncPartitioned',
    label: `mapAsyncPartitioned(${parallelism}, ${perKey})`,
    pipeline: ({ consume, call }) => {
      const valve = new Valve();
      return consume(valve).pipe(
        mapAsyncPartitioned({
          parallelism,
          perKey,
          key: (event: BrokerEvent) => event.entity,
          project: (event, _entity, { signal }) => call(event, signal),
          valve,
        }),
      );
    },
  };
}

export function standardApproaches(settings: DemoSettings): Approach[] {
  return [sequential, groupByConcatMap, partitioned(settings.parallelism, settings.perKey)];
}

/** Live figures of a run in progress (read by the progress display). */
export interface LiveRun {
  readonly label: string;
  readonly total: number;
  readonly startedAt: number;
  /** Messages the consumer handed to the pipeline. */
  delivered: number;
  /** Results that reached the sink. */
  emitted: number;
  /** Remote calls in progress now. */
  readonly inFlight: number;
}

export interface ApproachResult {
  readonly id: string;
  readonly label: string;
  readonly latencyMs: number;
  /** Results that reached the sink. */
  readonly events: number;
  readonly elapsedMs: number;
  /** Results per second, subscribe to completion. */
  readonly throughput: number;
  /** Throughput over the first (sequential) approach's; set by {@link runDemo}. */
  speedUp: number;
  /** Every result exactly once. */
  readonly complete: boolean;
  /** Every entity's calls started, and its results arrived, in the order 1..n. */
  readonly entityOrderHeld: boolean;
  /** Results out of their entity's order (at the sink) plus calls started out of it. */
  readonly entityOrderViolations: number;
  /** Results arrived in topic (offset) order: what committing each offset as it arrives needs. */
  readonly globalOrderHeld: boolean;
  /** Results that arrived after a result of a later offset. */
  readonly lateResults: number;
  /** Peak concurrent remote calls for one entity, counted by the remote. */
  readonly maxInFlightPerEntity: number;
  /** Peak concurrent remote calls overall, counted by the remote. */
  readonly maxInFlight: number;
  /** Peak messages taken from the broker but not yet through the pipeline (memory held). */
  readonly maxReadAhead: number;
  /** Measured mean duration of a remote call, ms. */
  readonly meanCallMs: number;
  /** Calls that completed out of offset order (so an ordered result needed reordering). */
  readonly completedOutOfOrder: number;
  /** Runs this result summarises: timing from the median run, the checks and peaks over all of them. */
  readonly runs: number;
}

export interface RunHooks {
  onStart?(run: LiveRun): void;
  onResult?(run: LiveRun): void;
  onEnd?(run: LiveRun, result: ApproachResult): void;
}

/** Runs one approach over a fresh consumer of `broker`, with a fresh remote, and measures it. */
export function runApproach(
  approach: Approach,
  settings: DemoSettings,
  broker: SimulatedBroker = new SimulatedBroker(settings.count, settings.entities, settings.seed),
  hooks: RunHooks = {},
): Promise<ApproachResult> {
  const remote = new SimulatedRemote(settings.latencyMs, settings.jitter, settings.seed);
  const total = broker.events.length;
  const seen = new Uint8Array(total);
  const lastSeq = new Map<number, number>();
  let duplicates = 0;
  let entityViolations = 0;
  let late = 0;
  let highestOffset = -1;
  let maxReadAhead = 0;

  const live: LiveRun = {
    label: approach.label,
    total,
    startedAt: performance.now(),
    delivered: 0,
    emitted: 0,
    get inFlight() {
      return remote.stats.inFlight;
    },
  };

  const input: PipelineInput = {
    settings,
    consume: (valve) =>
      broker.consume(settings.pollSize, valve).pipe(
        tap(() => {
          live.delivered++;
          const readAhead = live.delivered - live.emitted;
          if (readAhead > maxReadAhead) maxReadAhead = readAhead;
        }),
      ),
    call: (event, signal) => remote.call(event, signal),
  };

  return new Promise<ApproachResult>((resolve, reject) => {
    hooks.onStart?.(live);
    approach.pipeline(input).subscribe({
      next: ({ event }) => {
        live.emitted++;
        if (seen[event.offset]) duplicates++;
        seen[event.offset] = 1;
        if (event.seq !== (lastSeq.get(event.entity) ?? 0) + 1) entityViolations++;
        lastSeq.set(event.entity, event.seq);
        if (event.offset < highestOffset) late++;
        else highestOffset = event.offset;
        hooks.onResult?.(live);
      },
      error: reject,
      complete: () => {
        const elapsedMs = performance.now() - live.startedAt;
        const stats = remote.stats;
        const complete = duplicates === 0 && live.emitted === total;
        const violations = entityViolations + stats.startOrderViolations;
        const result: ApproachResult = {
          id: approach.id,
          label: approach.label,
          latencyMs: settings.latencyMs,
          events: live.emitted,
          elapsedMs,
          throughput: (live.emitted / elapsedMs) * 1000,
          speedUp: 1,
          complete,
          entityOrderHeld: complete && violations === 0,
          entityOrderViolations: violations,
          globalOrderHeld: complete && late === 0,
          lateResults: late,
          maxInFlightPerEntity: stats.maxInFlightPerEntity,
          maxInFlight: stats.maxInFlight,
          maxReadAhead,
          meanCallMs: stats.calls === 0 ? 0 : stats.totalCallMs / stats.calls,
          completedOutOfOrder: stats.completedOutOfOrder,
          runs: 1,
        };
        hooks.onEnd?.(live, result);
        resolve(result);
      },
    });
  });
}

/**
 * Runs `approaches` one after another on the same topic; speed-ups are relative to the first. An
 * approach whose first run is short is run `settings.runs` times (see {@link summarise}).
 */
export async function runDemo(
  settings: DemoSettings,
  approaches: readonly Approach[] = standardApproaches(settings),
  hooks: RunHooks = {},
): Promise<ApproachResult[]> {
  const broker = new SimulatedBroker(settings.count, settings.entities, settings.seed);
  const results: ApproachResult[] = [];
  for (const approach of approaches) {
    const runs = [await runApproach(approach, settings, broker, hooks)];
    while (runs.length < settings.runs && runs[0].elapsedMs < SHORT_RUN_MS) {
      const again = { ...approach, label: `${approach.label} · run ${runs.length + 1}` };
      runs.push({ ...(await runApproach(again, settings, broker, hooks)), label: approach.label });
    }
    results.push(summarise(runs));
  }
  for (const result of results) result.speedUp = result.throughput / results[0].throughput;
  return results;
}

/**
 * One result from several runs of an approach: the timing of the median run (by throughput), and the
 * checks and peaks over all runs — an order broken or a bound exceeded in any run shows.
 */
export function summarise(runs: readonly ApproachResult[]): ApproachResult {
  const median = [...runs].sort((a, b) => a.throughput - b.throughput)[Math.floor((runs.length - 1) / 2)];
  const all = (pick: (r: ApproachResult) => boolean) => runs.every(pick);
  const max = (pick: (r: ApproachResult) => number) => Math.max(...runs.map(pick));
  return {
    ...median,
    complete: all((r) => r.complete),
    entityOrderHeld: all((r) => r.entityOrderHeld),
    entityOrderViolations: max((r) => r.entityOrderViolations),
    globalOrderHeld: all((r) => r.globalOrderHeld),
    lateResults: max((r) => r.lateResults),
    maxInFlightPerEntity: max((r) => r.maxInFlightPerEntity),
    maxInFlight: max((r) => r.maxInFlight),
    maxReadAhead: max((r) => r.maxReadAhead),
    completedOutOfOrder: max((r) => r.completedOutOfOrder),
    runs: runs.length,
  };
}

/**
 * Whether a `mapAsyncPartitioned` result kept every promise of the operator: all results once, both
 * orders, at most `perKey` calls per entity and `parallelism` overall, and — with the pausable
 * consumer — no more than `parallelism` events taken from the broker ahead of the output.
 */
export function guaranteesHeld(result: ApproachResult, bounds: Pick<DemoSettings, 'parallelism' | 'perKey'>): boolean {
  return (
    result.complete &&
    result.entityOrderHeld &&
    result.globalOrderHeld &&
    result.maxInFlightPerEntity <= bounds.perKey &&
    result.maxInFlight <= bounds.parallelism &&
    result.maxReadAhead <= bounds.parallelism
  );
}

export interface SweepRow {
  readonly latencyMs: number;
  readonly sequential: ApproachResult;
  readonly partitioned: ApproachResult;
  readonly speedUp: number;
}

/**
 * The latency sweep: sequential versus `mapAsyncPartitioned` at each latency, everything else as in
 * `settings`. `known` supplies results already measured (keyed by latency) so they are not run twice.
 */
export async function runSweep(
  settings: DemoSettings,
  latencies: readonly number[],
  hooks: RunHooks = {},
  known: ReadonlyMap<number, readonly ApproachResult[]> = new Map(),
): Promise<SweepRow[]> {
  const rows: SweepRow[] = [];
  for (const latencyMs of latencies) {
    const at = { ...settings, latencyMs };
    const find = (id: string) => known.get(latencyMs)?.find((r) => r.id === id);
    const [seq, part] = [find(sequential.id), find('mapAsyncPartitioned')];
    const [s, p] =
      seq !== undefined && part !== undefined
        ? [seq, part]
        : await runDemo(at, [labelled(sequential, latencyMs), labelled(partitioned(at.parallelism, at.perKey), latencyMs)], hooks);
    rows.push({ latencyMs, sequential: s, partitioned: p, speedUp: p.throughput / s.throughput });
  }
  return rows;
}

function labelled(approach: Approach, latencyMs: number): Approach {
  return { ...approach, label: `${latencyMs} ms · ${approach.label}` };
}
