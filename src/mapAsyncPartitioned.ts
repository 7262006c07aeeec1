import type { ObservableInput, ObservedValueOf, OperatorFunction } from 'rxjs';
import type { AdaptiveLimit } from './flow/adaptiveLimit.js';
import { readParallelism } from './flow/limitRegistry.js';
import { readFlowControl, type FlowControlOptions } from './flow/FlowControlOptions.js';
import { runAsyncMap, type AsyncMapConfig } from './internal/asyncMap/AsyncMapRun.js';
import {
  checkBoolean,
  checkFunction,
  checkKnownOptions,
  checkOptions,
  checkPositiveInteger,
  describeValue,
  type KnownOptions,
} from './internal/validate.js';
import { readMonitor } from './internal/monitor/MonitorHub.js';
import type { MonitorOptions, ProjectContext, Superseded } from './types.js';

/**
 * Options of {@link (mapAsyncPartitioned:1)} and {@link (mapAsyncPartitionedUnordered:1)}.
 * @public
 */
export interface MapAsyncPartitionedOptions<T, K, O extends ObservableInput<unknown>> extends FlowControlOptions, MonitorOptions {
  /**
   * Most elements in flight: waiting for their key, running, or completed and not yet emitted. An integer
   * ≥ 1, or an {@link adaptiveLimit} that moves the bound between its `min` and `max`.
   */
  parallelism: number | AdaptiveLimit;
  /**
   * Most inners running at once for one key (Akka's `perPartition`). An integer ≥ 1, less than
   * `parallelism` (unless both are 1); or a function of the key giving that key's bound (e.g.
   * `(key) => (key === 'bulk' ? 4 : 1)`). The function is called when a key without running or waiting
   * elements gets one, and its bound holds while the key has any; a result that is not an integer ≥ 1
   * errors the output with a `RangeError`. A result ≥ `parallelism` means no bound for that key beyond
   * `parallelism`. A function that throws errors the output.
   */
  perKey: number | ((key: K) => number);
  /** Reads an element's key (Akka's `partitioner`); keys are compared with `Map` key equality (SameValueZero). */
  key: (value: T) => K;
  /** Starts the work for one element. Its values are the output; it may emit 0..n values. */
  project: (value: T, key: K, context: ProjectContext) => O;
  /** Latest-wins per key: see {@link MapAsyncPartitionedLatestOptions}. Default `false`. */
  latest?: false;
}

/**
 * Options of {@link (mapAsyncPartitioned:1)} and {@link (mapAsyncPartitionedUnordered:1)} with latest-wins per key
 * (`latest: true`): for autosave, sync and cache refresh, where only the newest element of a key matters.
 *
 * - **One running per key.** `perKey` is 1 (it may be omitted; any other value is a `RangeError`).
 * - **Collapse.** While an element of a key runs, the next one of that key waits in the key's one
 *   waiting slot; a newer element of the key supersedes the waiting one, which never runs. When the
 *   running element completes, the waiting (newest) one starts. So the newest element of every key
 *   always runs, after the one running when it arrived.
 * - **Nothing silent.** Every superseded element is passed to `onSuperseded`, synchronously, when it is
 *   replaced; it leaves the operator at once (its place in `parallelism` passes to the newer element), and
 *   produces no result. A throwing `onSuperseded` errors the output like any callback.
 * - **Keys are read at arrival**, not at admission, so that an element of a key with an element waiting
 *   never waits for room: it takes the waiting one's place at once. Elements of a key with nothing
 *   waiting need room like any element; beyond `parallelism` they queue in arrival order (the intake,
 *   bounded by `maxQueued`) and are not collapsed there. When they reach the front, elements of a key that
 *   has one waiting collapse into it at once, without room, in one synchronous step: a burst of one key
 *   never makes other keys wait behind it longer than the elements in the window.
 * - **Output.** Ordered: results in input order among the elements that ran (a superseded element
 *   holds nothing back). Unordered: as they arrive. Both keep per-key order.
 * @public
 */
export interface MapAsyncPartitionedLatestOptions<T, K, O extends ObservableInput<unknown>> extends Omit<
  MapAsyncPartitionedOptions<T, K, O>,
  'perKey' | 'latest'
> {
  /** One running per key: `true`. */
  latest: true;
  /** Must be 1 (the default with `latest: true`). */
  perKey?: 1;
  /** Told of each superseded element (`value`), its `key`, and the newer element (`by`), synchronously. */
  onSuperseded?: (superseded: Superseded<T, K>) => void;
}

/** The options of either kind without `project`, for the `(options, project)` call form. @public */
export type MapAsyncPartitionedSettings<T, K, O extends ObservableInput<unknown>> =
  Omit<MapAsyncPartitionedOptions<T, K, O>, 'project'> | Omit<MapAsyncPartitionedLatestOptions<T, K, O>, 'project'>;

/**
 * Maps each element to an inner Observable, Promise or other `ObservableInput`, running up to
 * `parallelism` at once and at most `perKey` per key, and emits the results in input order — Akka
 * Streams' `mapAsyncPartitioned` for RxJS (Akka's `perPartition` and `partitioner` are `perKey` and `key`).
 *
 * ```text
 * source:    -abc-------|   parallelism 4, perKey 1
 * a (key x): -^---!         ^ a's inner subscribed, ! it emits A, completes
 * b (key x): -----^-!       waits for a (same key)
 * c (key y): ---^!          runs beside a, done first
 * output:    -----A-(BC)|   C is held until A and B are out
 * ```
 *
 * @remarks
 * - **Bounds.** At most `parallelism` elements are in flight at any time (waiting for their key,
 *   running, or completed but not yet emitted). At most `perKey` inners run per key. Within a key,
 *   `project` is called in arrival order.
 * - **Eager start.** A waiting element starts as soon as its key has a free slot — when an
 *   earlier element of that key *completes*, not when it is emitted. Elements beyond `parallelism` wait
 *   in arrival order; one is admitted per element that leaves the operator.
 * - **Ordered output.** Input order, whatever the completion order. An inner may emit 0..n values, all
 *   emitted contiguously in its element's turn; the head element's values stream out as they arrive.
 *   An inner that completes without a value drops its element (Akka's `null` result); `null` and
 *   `undefined` values are emitted like any other.
 * - **Inners.** `project` may return any `ObservableInput`. A PromiseLike is treated as `from()` treats
 *   it: its first settlement counts (a second fulfilment, or a rejection after a fulfilment, is
 *   ignored), and a `then` that throws errors the output. An inner is finalized (its teardown,
 *   `finalize` included, has run) before its slot is reused and before the output completes.
 * - **Errors fail fast.** A throwing `key` or `project`, or an erroring inner, errors the output
 *   at once, even while earlier results are pending, and tears everything down.
 * - **Completion** after the source completed and every held element was emitted or dropped.
 * - **Teardown.** Unsubscribing tears down the source and every running inner; `context.signal` is
 *   aborted for work that had not finished, so a `fetch` can be cancelled (not for the element whose
 *   failure errored the output). An inner returned by a `project` that made the output unsubscribe is
 *   not subscribed, and its signal is already aborted. Every finalizer runs even if one throws; the
 *   errors reach whoever unsubscribed as one `UnsubscriptionError`, as in RxJS.
 * - **Re-entrancy.** A value the `key` function pushes into the source is admitted right after the
 *   element being keyed. A value pushed synchronously while the operator starts inners (a downstream
 *   `next` receiving a synchronous inner's value) is admitted at once and started after that call
 *   returns — where `mergeMap` would start it inside the call. Nothing is lost and the bounds hold.
 * - **Adaptive limit.** With `parallelism: adaptiveLimit({ min, max })` the bound moves between `min`
 *   and `max` from observed latency and errors (see {@link adaptiveLimit}); `perKey` must be less than `max`.
 * - **Flow control.** See {@link FlowControlOptions}: a `valve` makes pull and pausable sources stop at
 *   the bound; push sources queue beyond it (bounded by `maxQueued` if set).
 * - **Memory.** Per-key state exists only while that key has elements running or waiting.
 *
 * @example
 * ```ts
 * // Save every entity's events in order, up to 10 saves at once, one per entity, results in input order.
 * events$.pipe(
 *   mapAsyncPartitioned(10, 1, (event) => event.entityId, (event, entityId, { signal }) =>
 *     fetch(`/entities/${entityId}`, { method: 'POST', body: JSON.stringify(event), signal }).then((r) => r.json()),
 *   ),
 * ).subscribe(commit);
 * ```
 * @param parallelism - most elements in flight; an integer ≥ 1, or an {@link adaptiveLimit}.
 * @param perKey - most inners running per key (Akka's `perPartition`); an integer ≥ 1 and \< `parallelism` (unless both are 1).
 * @param key - reads the key of an element (Akka's `partitioner`).
 * @param project - starts the work for an element: `(value, key, context) => ObservableInput`.
 * @returns an operator emitting the inners' values in input order.
 * @see {@link (mapAsyncPartitionedUnordered:1)}, {@link (mapAsync:1)}
 * @public
 */
export function mapAsyncPartitioned<T, K, O extends ObservableInput<unknown>>(
  parallelism: number | AdaptiveLimit,
  perKey: number | ((key: K) => number),
  key: (value: T) => K,
  project: (value: T, key: K, context: ProjectContext) => O,
): OperatorFunction<T, ObservedValueOf<O>>;
/**
 * {@inheritDoc (mapAsyncPartitioned:1)}
 * @param options - the same four settings plus flow control (`valve`, `maxQueued`), or latest-wins
 *   per key (`latest: true`, `onSuperseded`, see {@link MapAsyncPartitionedLatestOptions}).
 * @public
 */
export function mapAsyncPartitioned<T, K, O extends ObservableInput<unknown>>(
  options: MapAsyncPartitionedOptions<T, K, O> | MapAsyncPartitionedLatestOptions<T, K, O>,
): OperatorFunction<T, ObservedValueOf<O>>;
/**
 * {@inheritDoc (mapAsyncPartitioned:1)}
 * @param settings - the options without `project`, e.g. `{ parallelism: 8, key, latest: true, onSuperseded }`.
 * @param project - starts the work for an element: `(value, key, context) => ObservableInput`.
 * @public
 */
export function mapAsyncPartitioned<T, K, O extends ObservableInput<unknown>>(
  settings: MapAsyncPartitionedSettings<T, K, O>,
  project: (value: T, key: K, context: ProjectContext) => O,
): OperatorFunction<T, ObservedValueOf<O>>;
export function mapAsyncPartitioned<T, K, O extends ObservableInput<unknown>>(
  ...args: PartitionedArgs<T, K, O>
): OperatorFunction<T, ObservedValueOf<O>> {
  return runAsyncMap(partitionedConfig<T, K, ObservedValueOf<O>>('mapAsyncPartitioned', true, args as never));
}

/**
 * The call forms of `mapAsyncPartitioned(Unordered)`: one options object, options and `project`, or
 * Akka's positional order. @internal
 */
export type PartitionedArgs<T, K, O extends ObservableInput<unknown>> =
  | [MapAsyncPartitionedOptions<T, K, O> | MapAsyncPartitionedLatestOptions<T, K, O>]
  | [MapAsyncPartitionedSettings<T, K, O>, (value: T, key: K, context: ProjectContext) => O]
  | [number | AdaptiveLimit, number | ((key: K) => number), (value: T) => K, (value: T, key: K, context: ProjectContext) => O];

/** Every option either kind may have (what `checkKnownOptions` accepts). */
type AnyPartitionedOptions = Omit<MapAsyncPartitionedOptions<unknown, unknown, ObservableInput<unknown>>, 'perKey' | 'latest'> &
  Pick<MapAsyncPartitionedLatestOptions<unknown, unknown, ObservableInput<unknown>>, 'onSuperseded'> & {
    perKey: unknown;
    latest: unknown;
  };

const PARTITIONED_OPTIONS = {
  parallelism: true,
  perKey: true,
  key: true,
  project: true,
  valve: true,
  maxQueued: true,
  latest: true,
  onSuperseded: true,
  monitor: true,
} as const satisfies Record<keyof AnyPartitionedOptions, true> & KnownOptions;

/** Akka's names for what the pack calls `key` and `perKey`: a hint for users coming from Akka. */
function explainAkkaName(name: string): string | undefined {
  if (name === 'partitioner') return 'The key function is called "key" (Akka\'s partitioner)';
  if (name === 'perPartition') return 'The per-key bound is called "perKey" (Akka\'s perPartition)';
  return undefined;
}

/**
 * Reads either call form of `mapAsyncPartitioned(Unordered)` — positional, or one options object — and
 * validates everything at creation time.
 * @internal
 */
export function partitionedConfig<T, K, R>(
  operator: string,
  ordered: boolean,
  args: PartitionedArgs<T, K, ObservableInput<R>>,
): AsyncMapConfig<T, K, R> {
  let options: Partial<AnyPartitionedOptions>;
  if (args.length === 1 || args.length === 2) {
    checkOptions(operator, args[0]);
    checkKnownOptions(operator, args[0], PARTITIONED_OPTIONS, explainAkkaName);
    if (args.length === 2 && 'project' in args[0]) {
      throw new TypeError(`${operator}: project is given twice (as an option and as the second argument); pass it once`);
    }
    options = args.length === 1 ? (args[0] as object) : { ...args[0], project: args[1] };
  } else {
    const [parallelism, perKey, key, project] = args;
    options = { parallelism, perKey, key, project } as Partial<AnyPartitionedOptions>;
  }
  const { key, project, latest = false, onSuperseded } = options;
  checkBoolean(operator, 'latest', latest);
  const perKey: unknown = options.perKey === undefined && latest === true ? 1 : options.perKey;
  if (latest && perKey !== 1) {
    throw new RangeError(
      `${operator}: latest: true runs one element per key, so perKey must be 1 (or left out), got ${describeValue(perKey)}`,
    );
  }
  if (onSuperseded !== undefined) {
    checkFunction(operator, 'onSuperseded', onSuperseded);
    if (!latest) throw new TypeError(`${operator}: onSuperseded needs latest: true (without it, nothing is superseded)`);
  }
  // With an adaptive limit, the checks below hold for its max.
  const { parallelism, openLimit } = readParallelism(operator, options.parallelism);
  const perKeyOf = typeof perKey === 'function' ? (perKey as (key: K) => number) : null;
  if (perKeyOf === null) {
    checkPositiveInteger(operator, 'perKey', perKey);
    checkBounds(operator, parallelism, perKey as number);
  }
  checkFunction(operator, 'key', key);
  checkFunction(operator, 'project', project);
  const { valve, maxQueued } = readFlowControl(operator, options);
  return {
    operator,
    parallelism,
    openLimit,
    perKey: perKeyOf === null ? (perKey as number) : 1,
    perKeyOf,
    latest: latest as boolean,
    onSuperseded: (onSuperseded ?? null) as AsyncMapConfig<T, K, R>['onSuperseded'],
    key: key as (value: T) => K,
    project: project as AsyncMapConfig<T, K, R>['project'],
    ordered,
    valve,
    maxQueued,
    monitor: readMonitor(operator, (options as MonitorOptions).monitor),
  };
}

/** A fixed `perKey` against `parallelism`. */
function checkBounds(operator: string, parallelism: number, perKey: number): void {
  if (parallelism > 1 && perKey >= parallelism) {
    throw new RangeError(
      `${operator}: perKey (${perKey}) must be less than parallelism (${parallelism}); ` +
        `with no limit per key, use mapAsync(${parallelism}, project) instead`,
    );
  }
  if (parallelism === 1 && perKey !== 1) {
    throw new RangeError(`${operator}: perKey must be 1 when parallelism is 1, got ${perKey}`);
  }
}
