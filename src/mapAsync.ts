import type { ObservableInput, ObservedValueOf, OperatorFunction } from 'rxjs';
import type { AdaptiveLimit } from './flow/adaptiveLimit.js';
import { readParallelism } from './flow/limitRegistry.js';
import { readFlowControl, type FlowControlOptions } from './flow/FlowControlOptions.js';
import { runAsyncMap } from './internal/asyncMap/AsyncMapRun.js';
import { checkFunction, checkKnownOptions, checkOptions, type KnownOptions } from './internal/validate.js';
import { readMonitor } from './internal/monitor/MonitorHub.js';
import type { MonitorOptions, ProjectContext } from './types.js';

/**
 * Options of {@link (mapAsync:1)}.
 * @public
 */
export interface MapAsyncOptions<T, O extends ObservableInput<unknown>> extends FlowControlOptions, MonitorOptions {
  /**
   * Most elements held inside the operator at once (running, or completed and not yet emitted). An
   * integer ≥ 1, or an {@link adaptiveLimit} that moves the bound between its `min` and `max`.
   */
  parallelism: number | AdaptiveLimit;
  /** Starts the work for one element. Its values are the output; it may emit 0..n values. */
  project: (value: T, index: number, context: ProjectContext) => O;
}

const MAP_ASYNC_OPTIONS = {
  parallelism: true,
  project: true,
  valve: true,
  maxQueued: true,
  monitor: true,
} as const satisfies Record<keyof MapAsyncOptions<unknown, never>, true> & KnownOptions;

/**
 * Maps each element to an inner `ObservableInput`, running up to `parallelism` at once, and emits the
 * results in input order — "`concatMap` with concurrency", Akka Streams' `mapAsync`.
 *
 * ```text
 * source: -abcd--|          parallelism 2
 * a:      -^----!           ^ a's inner subscribed, ! it emits A, completes
 * b:      --^-!
 * c:      ------^---!       c and d wait for a slot
 * d:      ------^-!
 * output: ------(AB)(CD|)   B and D wait for A and C
 * ```
 *
 * @remarks
 * - **Bound.** At most `parallelism` elements are held at any time: running, or completed but not yet
 *   emitted (a completed element blocked behind a slow earlier one keeps its slot, as in Akka). Elements
 *   beyond the bound wait in arrival order; one is admitted per element that leaves.
 * - **Ordered output.** Input order; an inner may emit 0..n values, emitted contiguously in its turn
 *   (the head's values stream as they arrive). An inner that completes empty drops its element.
 * - **Errors fail fast**, **completion** after the source completed and all results were emitted,
 *   **inners** (PromiseLikes as `from()` runs them; each finalized before its slot is reused),
 *   **teardown** of every running inner with `context.signal` aborted, and **re-entrancy** — as in
 *   {@link (mapAsyncPartitioned:1)}, which is this operator plus a per-key bound. `mapAsync(1, project)`
 *   behaves as `concatMap(project)`.
 * - **Adaptive limit.** With `parallelism: adaptiveLimit({ min, max })` the bound moves between `min`
 *   and `max` from observed latency and errors; see {@link adaptiveLimit}.
 * - **Flow control.** See {@link FlowControlOptions}.
 *
 * @example
 * ```ts
 * // Fetch pages 4 at a time, keep them in order.
 * pageUrls$.pipe(mapAsync(4, (url, _index, { signal }) => fetch(url, { signal }).then((r) => r.json())));
 * ```
 * @param parallelism - most elements held at once; an integer ≥ 1, or an {@link adaptiveLimit}.
 * @param project - starts the work for an element: `(value, index, context) => ObservableInput`.
 * @returns an operator emitting the inners' values in input order.
 * @see {@link (mapAsyncPartitioned:1)}
 * @public
 */
export function mapAsync<T, O extends ObservableInput<unknown>>(
  parallelism: number | AdaptiveLimit,
  project: (value: T, index: number, context: ProjectContext) => O,
): OperatorFunction<T, ObservedValueOf<O>>;
/**
 * {@inheritDoc (mapAsync:1)}
 * @param options - `parallelism` and `project` plus flow control (`valve`, `maxQueued`).
 * @public
 */
export function mapAsync<T, O extends ObservableInput<unknown>>(options: MapAsyncOptions<T, O>): OperatorFunction<T, ObservedValueOf<O>>;
export function mapAsync<T, O extends ObservableInput<unknown>>(
  ...args: [MapAsyncOptions<T, O>] | [number | AdaptiveLimit, (value: T, index: number, context: ProjectContext) => O]
): OperatorFunction<T, ObservedValueOf<O>> {
  const operator = 'mapAsync';
  let options: MapAsyncOptions<T, O>;
  if (args.length === 1) {
    checkOptions(operator, args[0]);
    checkKnownOptions(operator, args[0], MAP_ASYNC_OPTIONS);
    options = args[0];
  } else options = { parallelism: args[0], project: args[1] };
  const { parallelism, openLimit } = readParallelism(operator, options.parallelism);
  checkFunction(operator, 'project', options.project);
  const { valve, maxQueued } = readFlowControl(operator, options);
  const monitor = readMonitor(operator, options.monitor);
  return runAsyncMap<T, number, ObservedValueOf<O>>({
    operator,
    parallelism,
    openLimit,
    perKey: Infinity,
    perKeyOf: null,
    latest: false,
    onSuperseded: null,
    key: null,
    project: options.project as never,
    ordered: true,
    valve,
    maxQueued,
    monitor,
  });
}
