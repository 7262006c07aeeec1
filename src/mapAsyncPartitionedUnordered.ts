import type { ObservableInput, ObservedValueOf, OperatorFunction } from 'rxjs';
import type { AdaptiveLimit } from './flow/adaptiveLimit.js';
import { runAsyncMap } from './internal/asyncMap/AsyncMapRun.js';
import {
  partitionedConfig,
  type MapAsyncPartitionedLatestOptions,
  type MapAsyncPartitionedOptions,
  type MapAsyncPartitionedSettings,
  type PartitionedArgs,
} from './mapAsyncPartitioned.js';
import type { ProjectContext } from './types.js';

/**
 * Like {@link (mapAsyncPartitioned:1)}, with the same bounds, but emits each inner's values as they arrive
 * instead of in input order.
 *
 * ```text
 * source:    -abc-------|   parallelism 4, perKey 1
 * a (key x): -^---!         ^ a's inner subscribed, ! it emits A, completes
 * b (key x): -----^-!       waits for a (same key)
 * c (key y): ---^!
 * output:    ----CA-B---|   as completed: C first
 * ```
 *
 * @remarks
 * - **Bounds and start order** as in `mapAsyncPartitioned`: at most `parallelism` elements in flight (here:
 *   waiting or running), at most `perKey` running per key, `project` called per key in arrival
 *   order, eager start when a slot of the key frees.
 * - **Output.** Each element's values are emitted as they arrive; an element leaves the operator when
 *   its inner completes, which admits the next waiting element. With `perKey` 1 the output keeps
 *   per-key order (a key's next inner starts only after the previous one completed); with a larger
 *   `perKey`, inners of one key overlap and their values interleave.
 * - **Inners, errors, completion, teardown, re-entrancy, adaptive limit, flow control and memory** as in
 *   `mapAsyncPartitioned`. With a key per element, `mapAsyncPartitionedUnordered(n, 1, key, project)`
 *   behaves as `mergeMap(project, n)`, but for the synchronous re-entrancy described there.
 *
 * @example
 * ```ts
 * // Index documents, one write per document at a time, results as soon as each write finishes.
 * docs$.pipe(mapAsyncPartitionedUnordered(32, 1, (doc) => doc.id, (doc) => index(doc))).subscribe(log);
 * ```
 * @param parallelism - most elements in flight; an integer ≥ 1, or an {@link adaptiveLimit}.
 * @param perKey - most inners running per key (Akka's `perPartition`); an integer ≥ 1 and \< `parallelism` (unless both are 1).
 * @param key - reads the key of an element (Akka's `partitioner`).
 * @param project - starts the work for an element: `(value, key, context) => ObservableInput`.
 * @returns an operator emitting the inners' values as they arrive.
 * @see {@link (mapAsyncPartitioned:1)}
 * @public
 */
export function mapAsyncPartitionedUnordered<T, K, O extends ObservableInput<unknown>>(
  parallelism: number | AdaptiveLimit,
  perKey: number | ((key: K) => number),
  key: (value: T) => K,
  project: (value: T, key: K, context: ProjectContext) => O,
): OperatorFunction<T, ObservedValueOf<O>>;
/**
 * {@inheritDoc (mapAsyncPartitionedUnordered:1)}
 * @param options - the same four settings plus flow control (`valve`, `maxQueued`), or latest-wins
 *   per key (`latest: true`, `onSuperseded`, see {@link MapAsyncPartitionedLatestOptions}).
 * @public
 */
export function mapAsyncPartitionedUnordered<T, K, O extends ObservableInput<unknown>>(
  options: MapAsyncPartitionedOptions<T, K, O> | MapAsyncPartitionedLatestOptions<T, K, O>,
): OperatorFunction<T, ObservedValueOf<O>>;
/**
 * {@inheritDoc (mapAsyncPartitionedUnordered:1)}
 * @param settings - the options without `project`, e.g. `{ parallelism: 8, key, latest: true, onSuperseded }`.
 * @param project - starts the work for an element: `(value, key, context) => ObservableInput`.
 * @public
 */
export function mapAsyncPartitionedUnordered<T, K, O extends ObservableInput<unknown>>(
  settings: MapAsyncPartitionedSettings<T, K, O>,
  project: (value: T, key: K, context: ProjectContext) => O,
): OperatorFunction<T, ObservedValueOf<O>>;
export function mapAsyncPartitionedUnordered<T, K, O extends ObservableInput<unknown>>(
  ...args: PartitionedArgs<T, K, O>
): OperatorFunction<T, ObservedValueOf<O>> {
  return runAsyncMap(partitionedConfig<T, K, ObservedValueOf<O>>('mapAsyncPartitionedUnordered', false, args as never));
}
