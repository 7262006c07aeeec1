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

/**
 * The option every operator and adapter of the pack takes to be observed: pass a monitor made by
 * {@link lanesMonitor}. Without it, nothing is recorded and the operator runs exactly as before.
 * @public
 */
export interface MonitorOptions {
  /** Observes every subscription of this operator: {@link LanesMonitor.snapshot} and the `onEvent` hook. */
  monitor?: LanesMonitor;
}

/**
 * Watches the subscriptions of the operators it is passed to (as their `monitor` option). Made by
 * {@link lanesMonitor}; one monitor may watch several operators.
 * @public
 */
export interface LanesMonitor {
  /**
   * What every active subscription holds now, computed on demand from the engines' own tables
   * (O(elements held + keys) per call; nothing is counted on the hot path).
   */
  snapshot(): LanesSnapshot;
}

/**
 * Settings of {@link lanesMonitor}.
 * @public
 */
export interface LanesMonitorOptions {
  /**
   * Receives every event of the watched subscriptions, synchronously, as it happens. It must not throw
   * (an error it throws is reported as unhandled, like RxJS reports errors that have nowhere to go).
   */
  onEvent?: (event: LanesEvent) => void;
  /** How many keys {@link LanesRunSnapshot.topKeys} lists (the largest backlogs). An integer ≥ 0; default 5. */
  topKeys?: number;
  /** A label copied into every snapshot and event (to tell monitors apart in metrics). */
  name?: string;
}

/**
 * The elements of one subscription (or the sum over all, in {@link LanesSnapshot.total}) by where they are.
 * `held + running + waiting` is what the operator counts against its bound; `queued` is beyond it.
 * @public
 */
export interface LanesCounts {
  /** Done (results in), kept for their turn in the output (ordered mode) or not yet emitted. */
  held: number;
  /** Their work runs now (an inner, a handler's batch). For batch operators: messages in running batches. */
  running: number;
  /** Admitted, waiting to start: for their key's slot (`perKey`), or in their lane's buffer (batches). */
  waiting: number;
  /** Delivered by a push source beyond the bound, queued at the entrance (see `maxQueued`). */
  queued: number;
}

/**
 * One key's backlog, in {@link LanesRunSnapshot.topKeys}.
 * @public
 */
export interface LanesKeyBacklog {
  /** The key, as the operator's `key` function returned it. */
  key: unknown;
  /** Elements of this key waiting to start. */
  waiting: number;
  /** Elements (or, for batch operators, messages in the running batch) of this key running. */
  running: number;
}

/**
 * Commit or acknowledgement lag of a broker adapter's subscription: what was received and not yet
 * acknowledged (JetStream) or not yet covered by the committed offset (Kafka).
 * @public
 */
export interface LanesAckLag {
  /** Messages received and not yet acked / committed. */
  pending: number;
  /** Age of the oldest of them in ms (0 when none). */
  oldestMs: number;
  /** Messages received since the subscription started. */
  received: number;
  /** Messages acked / committed since the subscription started. */
  acked: number;
}

/**
 * One active subscription of an observed operator, at {@link LanesSnapshot.at}.
 * @public
 */
export interface LanesRunSnapshot extends LanesCounts {
  /** The operator or adapter (`'mapAsyncPartitioned'`, `'consumeJetStream'`, …). */
  operator: string;
  /** The monitor's `name`, if it has one. */
  name: string | undefined;
  /** Numbers the monitor's subscriptions, from 1, in subscription order. */
  run: number;
  /** The operator's bound on `held + running + waiting` (`parallelism`, `maxInFlight`, `maxBounded`). */
  bound: number;
  /** The keys with the largest backlog (waiting, then running), at most the monitor's `topKeys`. */
  topKeys: readonly LanesKeyBacklog[];
  /**
   * How long the longest-waiting element that has not started has waited, in ms on the operator's
   * scheduler clock (queued at the entrance, or waiting for its key or lane); for `boundedOrdering`, how
   * long the buffer has been blocked by a missing id. 0 when nothing waits.
   */
  oldestWaitMs: number;
  /** How long the longest-held done element has waited for its turn in the output, in ms (0 when none). */
  oldestHeldMs: number;
  /** Broker adapters only: the ack / commit lag. */
  ack: LanesAckLag | undefined;
}

/**
 * What {@link LanesMonitor.snapshot} returns: a plain object, safe to keep and serialize.
 * @public
 */
export interface LanesSnapshot {
  /** When it was taken (the monitor's clock: `asyncScheduler.now()`, virtual under `TestScheduler.run`). */
  at: number;
  /** Every active subscription, in subscription order. A subscription leaves when it ends. */
  runs: readonly LanesRunSnapshot[];
  /** The counts summed over `runs`. */
  total: LanesCounts;
}

/**
 * An event of an observed subscription (see {@link LanesMonitorOptions.onEvent}). Times are in ms on the
 * operator's scheduler clock.
 *
 * - `admitted`: an element was admitted (counted against the bound); `waitedMs` is the time it was queued
 *   at the entrance.
 * - `started`: its work started (for batch operators: a batch of `count` messages); `waitedMs` since it
 *   was admitted (for a batch, since its first message was).
 * - `settled`: its work completed; `ranMs` since it started.
 * - `emitted`: its results left the operator; `heldMs` since it settled (the cost of ordering).
 *   `boundedOrdering` sends only `admitted` (on arrival) and `emitted` (`heldMs` since it arrived), keyed
 *   by the element's id.
 * - `acked`: a broker adapter acknowledged (JetStream) or committed (Kafka) `count` messages; `waitedMs`
 *   since the oldest of them was received.
 * @public
 */
export interface LanesEvent {
  /** What happened (see above). */
  type: 'admitted' | 'started' | 'settled' | 'emitted' | 'acked';
  /** The operator or adapter, as in {@link LanesRunSnapshot.operator}. */
  operator: string;
  /** The monitor's `name`, if it has one. */
  name: string | undefined;
  /** The subscription, as in {@link LanesRunSnapshot.run}. */
  run: number;
  /** The element's key (`mapAsync`: its index). `undefined` for `acked` events of several keys. */
  key: unknown;
  /** The clock when it happened. */
  at: number;
  /** Elements (or messages) concerned: 1, or a batch's size. */
  count: number;
  /** `admitted`: time queued at the entrance; `started`: since admitted; `acked`: since received. Else 0. */
  waitedMs: number;
  /** `settled` and `emitted`: the run time (start to settle). Else 0. */
  ranMs: number;
  /** `emitted`: since it settled (the time it waited for its turn). Else 0. */
  heldMs: number;
}
