// Public types that internal code needs too: their one home, so that nothing in internal/ imports an
// operator file. The operators and the entry point re-export them.
import type { Observable } from 'rxjs';
import type { BatchResultCountError } from './errors.js';

/**
 * What `project` receives as its last argument: the element's position and a cancellation signal.
 * @public
 */
export interface ProjectContext {
  /** The element's 0-based position in the source (per subscription). */
  readonly index: number;
  /**
   * Aborted when the element's work is torn down before it finished: the output was unsubscribed, or
   * failed on another element (the work that failed it, by throwing, rejecting or erroring, is not
   * aborted). Read after that moment (say, in a `project` that made the output unsubscribe), it is
   * already aborted. Hand it to `fetch` or any API that takes an `AbortSignal`. Created on first access,
   * so it costs nothing when unused.
   */
  readonly signal: AbortSignal;
}

/**
 * What `onSuperseded` receives when latest-wins replaces an element of a key (see `latest` in
 * `MapAsyncPartitionedLatestOptions`): the element that will not run, its key, and the newer
 * element of the same key that took its place.
 * @public
 */
export interface Superseded<T, K> {
  /** The element that was waiting for its key and will not run (it produces no result). */
  readonly value: T;
  /** Its key. */
  readonly key: K;
  /** The newer element of the same key that now waits in its place. */
  readonly by: T;
}

/**
 * What a batch handler receives as its last argument.
 * @public
 */
export interface BatchContext {
  /**
   * Aborted when the batch is torn down before it settled: the output was unsubscribed, or failed
   * elsewhere (the batch whose handler failed it, by throwing, rejecting or erroring, is not aborted).
   * Read after that moment, it is already aborted. Hand it to `fetch` or any API that takes an
   * `AbortSignal`. Created on first access.
   */
  readonly signal: AbortSignal;
}

/**
 * Handles one batch of one lane and returns one result per message, positionally: the result at index i
 * settles message i. Synchronously (an array), as a Promise of an array, or as an Observable whose first
 * value is the array.
 * @public
 */
export type BatchHandler<T, K, R> = (
  batch: readonly T[],
  key: K,
  context: BatchContext,
) => readonly R[] | PromiseLike<readonly R[]> | Observable<readonly R[]>;

/**
 * The outcome of one message: its result (`ok: true`), or a {@link BatchResultCountError} (`ok: false`)
 * when the handler returned too few results for its batch.
 * @public
 */
export type BatchSettlement<T, K, R> =
  { value: T; key: K; ok: true; result: R } | { value: T; key: K; ok: false; error: BatchResultCountError };

/**
 * A diagnostic of {@link batchByLane}: something wrong that does not fail the output.
 * @public
 */
export interface BatchDiagnostic<K> {
  /** `surplusResults`: the handler returned more results than the batch had messages; the surplus was ignored. */
  kind: 'surplusResults';
  /** The key of the batch's lane. */
  key: K;
  /** The batch's message count. */
  expected: number;
  /** How many results the handler returned. */
  received: number;
}
