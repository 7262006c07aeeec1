import { asyncScheduler, Observable, Subscriber, Subscription, type SchedulerLike, type Unsubscribable } from 'rxjs';
import { Valve } from '../flow/Valve.js';
import { checkStopSignal, listenToStop, type StopSignal } from '../broker/StopSignal.js';
import {
  checkBoolean,
  checkFunction,
  checkKnownOptions,
  checkOptions,
  checkPositiveInteger,
  checkScheduler,
  describeValue,
  type KnownOptions,
} from '../internal/validate.js';
import { Delivery, type DeliveryHost, type JetStreamDelivery } from './JetStreamDelivery.js';
import { formatOutcome, type Outcome } from '../broker/Outcome.js';
import { PullWindow } from './PullWindow.js';
import { AckLag } from '../internal/monitor/AckLag.js';
import { readMonitor, type MonitorHub, type RunProbe } from '../internal/monitor/MonitorHub.js';
import type { LanesMonitor } from '../types.js';
import { RedeliveryOrder } from './RedeliveryOrder.js';
import type {
  JetStreamConsumerInfo,
  JetStreamMessage,
  JetStreamMessages,
  JetStreamNotification,
  JetStreamPullConsumer,
  JetStreamPullOptions,
} from './types.js';

export type { JetStreamPullConsumer } from './types.js';

/**
 * The life cycle of one {@link fromJetStream} subscription, reported to `onStatus`:
 *
 * - `'starting'`: reading the consumer's configuration.
 * - `'awaiting-redelivery'`: the consumer had deliveries pending to an earlier process (see
 *   `awaitPending`); waiting for them to come back before fetching newer messages.
 * - `'consuming'`: fetching and delivering — the readiness signal for an orchestrator.
 * - `'draining'`: a stop signal arrived: no new fetches; messages already asked for are still
 *   delivered; the output completes when the last open fetch ends.
 * - `'drained'`: completed and every delivery settled; the process can exit.
 * - `'stopped'`: unsubscribed before completion (no drain); unsettled deliveries are left to the
 *   server's redelivery.
 * - `'failed'`: the output errored.
 * @public
 */
export type JetStreamConsumerStatus = 'starting' | 'awaiting-redelivery' | 'consuming' | 'draining' | 'drained' | 'stopped' | 'failed';

/**
 * A diagnostic of {@link fromJetStream} (and {@link consumeJetStream}): something wrong that does not fail
 * the output.
 * @public
 */
export interface JetStreamDiagnostic {
  /** `duplicateSettle`: a settle call on a delivery that was already settled; it was ignored. */
  readonly kind: 'duplicateSettle';
  /** The delivery, with the `outcome` it was settled with first. */
  readonly delivery: JetStreamDelivery;
  /** The outcome of the ignored call. */
  readonly attempted: Outcome;
}

/**
 * Options of {@link fromJetStream}.
 * @public
 */
export interface FromJetStreamOptions {
  /**
   * Most messages this subscription has at once: delivered and not yet settled, plus asked for and not
   * yet received. Capped by the consumer's `max_ack_pending`. An integer ≥ 1; default 100 (the prefetch
   * of the client's own `consume()`). Set it to the pipeline's bound (e.g. `mapAsyncPartitioned`'s
   * `parallelism`) to hold nothing beyond it, or to about twice that so that the next messages are
   * already in memory when a slot frees (the fetch round trip is hidden; see the figures in docs/guides/brokers.md).
   */
  window?: number;
  /**
   * The valve of the operator(s) downstream: no new fetch while it is closed. Messages of fetches
   * already open still arrive (they are inside the window) and wait in the operator's queue.
   */
  valve?: Valve;
  /** Starts a graceful drain (see {@link StopSignal}). */
  stop?: StopSignal;
  /** Receives every {@link JetStreamConsumerStatus} change. A throwing callback fails the output. */
  onStatus?: (status: JetStreamConsumerStatus) => void;
  /**
   * Receives the adapter's diagnostics — today `duplicateSettle`: a settle call on an already settled
   * delivery (it was a no-op). Default: one `console.warn` per subscription. A throwing callback throws
   * from the settle call.
   */
  onDiagnostic?: (diagnostic: JetStreamDiagnostic) => void;
  /**
   * When the consumer has deliveries pending to someone else at subscribe time (`num_ack_pending` \> 0,
   * e.g. a process that crashed), wait until they are due for redelivery (`ack_wait`, or the longest
   * `backoff` step, plus 500 ms) before the first fetch, so that they come back before newer messages
   * and per-key order of first processing holds across the crash. Turn it off when several processes
   * share one consumer (they always have deliveries pending). Default `true`.
   */
  awaitPending?: boolean;
  /**
   * How long one pull request waits on the server for messages, in ms (an integer ≥ 1000, the
   * client's minimum). A drain waits for open requests to end, so an idle drain takes up to this long.
   * Default 2000.
   */
  expires?: number;
  /** A pull request is sent once this many slots are free. Default: a quarter of the window. An integer ≥ 1. */
  minPull?: number;
  /** The most messages one pull request asks for. Default: the window. An integer ≥ 1. */
  maxPull?: number;
  /** Where the `awaitPending` wait, fetch retries and keep-alives are timed. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /**
   * Consume through this priority group of a consumer with the pinned-client policy (nats-server ≥ 2.11):
   * of all the processes that consume it with the same group, the server delivers to one at a time (the
   * pinned one) and moves the pin to another when the pinned one stops pulling for `priority_timeout`.
   * With one such consumer per partition of a subject-partitioned stream, partitions follow live
   * processes with no static assignment (see "Scaling out with JetStream" in docs/guides/scaling-out.md).
   *
   * The subscription then keeps one long-lived pull (`consume()`, which carries the pin id from request
   * to request) instead of sized fetches, so the server's `max_ack_pending` is the bound: the consumer
   * must have `max_ack_pending` between 1 and `window`, `priority_policy: 'pinned_client'`, this group in
   * `priority_groups`, and a `priority_timeout` of at least `ack_wait` (or the longest `backoff` step)
   * plus `expires` plus 500 ms. Checked when the subscription starts (the output errors otherwise).
   *
   * Per-key order of first processing across an ownership move rests on two things. The timing: an
   * owner pulls at least every `expires`, so when its pin moves its deliveries are due for redelivery,
   * and the server hands them to the next owner before any newer message. And the adapter: the server
   * hands them over in rotated order (a queue that turns while it waits for the pin), so when the pin
   * moves to this subscription (a new `Nats-Pin-Id`), the redeliveries it receives first are held back
   * and emitted in stream order once the batch is complete — at the first new message, at
   * `max_ack_pending` of them, or at the server's next idle heartbeat (within `expires` / 2). Tested with
   * processes killed mid-run (`spec/integration/scaleOut.spec.ts`). Not covered: a message nak'd (or
   * retried) gives up its place as always; an owner that keeps deliveries alive with `working()` after
   * it stopped pulling; and an owner that stops pulling for `priority_timeout` while alive (blocked event
   * loop, lost connection) loses its pin while it may still be handling what it holds — its deliveries
   * are processed again by the new owner, and two processes may handle one key at once for a while.
   *
   * `awaitPending`, `minPull` and `maxPull` do not apply (passing them throws); the `valve` is not
   * consulted; the client's pull must have `status()` (`@nats-io/jetstream` 3.x has it). 1–16 characters
   * of `A-Z a-z 0-9 - _ / =`.
   */
  group?: string;
  /**
   * Observes the subscriptions (see `lanesMonitor`): the ack lag (deliveries emitted and not yet
   * settled, and the age of the oldest), and an `acked` event per settled delivery. The element counts
   * are 0: deliveries are counted by the operator downstream (monitor it too) or use `consumeJetStream`.
   */
  monitor?: LanesMonitor;
}

const OPERATOR = 'fromJetStream';
/**
 * An internal option: the ack lag of `consumeJetStream`'s subscription (which reports it with its own counts).
 * @internal
 */
export const ACK_LAG = Symbol('ackLag');
/**
 * An internal option (a symbol key, so no name check sees it): a check of the consumer's info when the
 * subscription starts; a returned problem (a whole message, operator first) fails the output with a RangeError. Used by consumeJetStream.
 * @internal
 */
export const CHECK_INFO = Symbol('checkInfo');
const FROM_JETSTREAM_OPTIONS = {
  window: true,
  valve: true,
  stop: true,
  onStatus: true,
  onDiagnostic: true,
  awaitPending: true,
  expires: true,
  minPull: true,
  maxPull: true,
  scheduler: true,
  group: true,
  monitor: true,
} as const satisfies Record<keyof FromJetStreamOptions, true> & KnownOptions;
/** The default `window`: the prefetch of the client's own `consume()`. */
const DEFAULT_WINDOW = 100;
/** Added to `ack_wait` when waiting for an earlier process's deliveries to come back. */
const PENDING_MARGIN_MS = 500;
const RETRY_FIRST_MS = 250;
const RETRY_MAX_MS = 5000;

interface Config {
  window: number;
  valve: Valve | undefined;
  stop: StopSignal | undefined;
  onStatus: ((status: JetStreamConsumerStatus) => void) | undefined;
  onDiagnostic: ((diagnostic: JetStreamDiagnostic) => void) | undefined;
  awaitPending: boolean;
  expires: number;
  minPull: number | undefined;
  maxPull: number | undefined;
  scheduler: SchedulerLike;
  group: string | undefined;
  checkInfo: ((info: JetStreamConsumerInfo) => string | undefined) | undefined;
  monitor: MonitorHub | undefined;
  ackLag: AckLag<JetStreamDelivery> | undefined;
}

/**
 * Reads a durable JetStream pull consumer as an Observable of deliveries, fetching only as many
 * messages as the pipeline has room for, and drains gracefully on a stop signal.
 *
 * ```text
 * server:     m1 m2 m3 m4 m5 m6 ...            (window 4)
 * fetch:      [4]        [2]     [2] ...        (asks only for free slots)
 * output:     -m1-m2-m3-m4----m5-m6----m7-m8-   (m5 after two of m1..m4 were settled)
 * ```
 *
 * @remarks
 * - **Bound.** At most `window` messages (default 100, capped by the consumer's `max_ack_pending`) are
 *   delivered and not yet settled, plus asked for and not yet received. A pull request asks for free slots
 *   only, so a slow pipeline applies backpressure to the server instead of buffering; with `valve`
 *   set, no pull is sent while the operator downstream is full.
 * - **Order.** Deliveries are emitted in the server's delivery order (the stream's order for new
 *   messages; redeliveries come first). Several pull requests may be open at once; their messages are
 *   emitted in the order they arrive on the connection.
 * - **Settling.** Each emitted {@link JetStreamDelivery} must be settled exactly once — `ack()`,
 *   `nak(delay?)`, `term()` or `settle(outcome)`; later calls are no-ops reported to
 *   `onDiagnostic`. `working()` / `keepAlive()` keep a slow message from being redelivered.
 *   Settling frees a slot and may send the next pull request.
 * - **Crash recovery.** With `awaitPending` (default), a subscription that finds deliveries pending to
 *   someone else waits for them to be redelivered first (status `'awaiting-redelivery'`).
 * - **Graceful drain.** On `stop`: no new pull; messages of open requests are still delivered; the
 *   output completes when the last open request ends (within `expires`); the status becomes
 *   `'drained'` once every delivery is settled. The readiness signal is the status `'consuming'`.
 * - **Errors.** `info()` failing, a consumer whose `ack_policy` is not `explicit`, or a fetch failing
 *   for good (consumer deleted, connection closed) errors the output. Transient fetch failures
 *   (missed heartbeats, `409 Exceeded …`, request timeouts) are retried with backoff on `scheduler`.
 * - **Teardown.** Unsubscribing closes open pull requests, cancels timers and keep-alives and stops
 *   listening to `stop` and `valve`. Unsettled deliveries are not settled: the server redelivers them
 *   after `ack_wait` (at-least-once). A settle call after unsubscribing is still sent.
 * - **Per subscription.** Each subscription is one independent consuming session.
 *
 * @example
 * ```ts
 * const consumer = await jetstream(nc).consumers.get('ORDERS', 'billing');
 * const valve = new Valve();
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * fromJetStream(consumer, { window: 32, valve, stop: stop.signal, onStatus: (s) => (ready = s === 'consuming') })
 *   .pipe(
 *     mapAsyncPartitionedUnordered({ parallelism: 32, perKey: 1, valve,
 *       key: (d) => d.subject,
 *       project: async (d) => { await bill(d.json()); d.ack(); } }),
 *   )
 *   .subscribe({ complete: () => nc.drain() });
 * ```
 * @param consumer - a durable pull consumer with `ack_policy: explicit` (`js.consumers.get(stream, name)`).
 * @param options - optionally `window`, `valve`, `stop`, `onStatus`, `onDiagnostic`, `awaitPending`,
 *   `expires`, `minPull`, `maxPull`, `scheduler`, `group`; validated when called.
 * @returns a cold Observable of deliveries; each subscription consumes independently.
 * @public
 */
export function fromJetStream(consumer: JetStreamPullConsumer, options: FromJetStreamOptions = {}): Observable<JetStreamDelivery> {
  const config = readConfig(consumer, options);
  return new Observable<JetStreamDelivery>((subscriber) => {
    const session = new Session(consumer, config, subscriber);
    session.start();
    return () => session.teardown();
  });
}

function readConfig(consumer: JetStreamPullConsumer, options: FromJetStreamOptions): Config {
  const c = consumer as Partial<JetStreamPullConsumer> | null;
  if (typeof c !== 'object' || c === null || typeof c.fetch !== 'function' || typeof c.info !== 'function') {
    throw new TypeError(`${OPERATOR}: consumer must be a JetStream pull consumer (with fetch and info), got ${describeValue(consumer)}`);
  }
  checkOptions(OPERATOR, options);
  checkKnownOptions(OPERATOR, options, FROM_JETSTREAM_OPTIONS);
  const {
    window = DEFAULT_WINDOW,
    valve,
    stop,
    onStatus,
    onDiagnostic,
    group,
    awaitPending = group === undefined,
    expires = 2000,
    minPull,
    maxPull,
    scheduler = asyncScheduler,
  } = options;
  checkPositiveInteger(OPERATOR, 'window', window);
  if (valve !== undefined && !(valve instanceof Valve)) {
    throw new TypeError(`${OPERATOR}: valve must be a Valve, got ${describeValue(valve)}`);
  }
  checkStopSignal(OPERATOR, stop);
  if (onStatus !== undefined) checkFunction(OPERATOR, 'onStatus', onStatus);
  if (onDiagnostic !== undefined) checkFunction(OPERATOR, 'onDiagnostic', onDiagnostic);
  checkBoolean(OPERATOR, 'awaitPending', awaitPending);
  if (typeof expires !== 'number') throw new TypeError(`${OPERATOR}: expires must be a number, got ${describeValue(expires)}`);
  if (!Number.isInteger(expires) || expires < 1000) {
    throw new RangeError(`${OPERATOR}: expires must be an integer ≥ 1000 (ms), got ${describeValue(expires)}`);
  }
  if (minPull !== undefined) checkPositiveInteger(OPERATOR, 'minPull', minPull);
  if (maxPull !== undefined) checkPositiveInteger(OPERATOR, 'maxPull', maxPull);
  checkScheduler(OPERATOR, scheduler);
  if (group !== undefined) {
    if (typeof group !== 'string' || !/^[A-Za-z0-9_/=-]{1,16}$/.test(group)) {
      throw new TypeError(`${OPERATOR}: group must be 1–16 characters of A-Z a-z 0-9 - _ / =, got ${describeValue(group)}`);
    }
    if (typeof consumer.consume !== 'function') {
      throw new TypeError(`${OPERATOR}: with group, consumer must have consume() (a @nats-io/jetstream pull consumer)`);
    }
    for (const name of ['minPull', 'maxPull'] as const) {
      if (options[name] !== undefined) throw new TypeError(`${OPERATOR}: ${name} does not apply with group (one long-lived pull)`);
    }
    if (awaitPending) {
      throw new TypeError(`${OPERATOR}: awaitPending does not apply with group (the pinned owner always has deliveries pending)`);
    }
  }
  const checkInfo = (options as { [CHECK_INFO]?: Config['checkInfo'] })[CHECK_INFO];
  const monitor = readMonitor(OPERATOR, options.monitor);
  const ackLag = (options as { [ACK_LAG]?: AckLag<JetStreamDelivery> })[ACK_LAG];
  return {
    window,
    valve,
    stop,
    onStatus,
    onDiagnostic,
    awaitPending,
    expires,
    minPull,
    maxPull,
    scheduler,
    group,
    checkInfo,
    monitor,
    ackLag,
  };
}

/** A fetch failure worth retrying: the request ended, the consumer is still there. */
function isTransient(error: unknown): boolean {
  const e = error as { name?: unknown; message?: unknown; code?: unknown } | null;
  const message = typeof e?.message === 'string' ? e.message.toLowerCase() : '';
  if (message.includes('heartbeats missed')) return true;
  if (e?.name === 'JetStreamStatusError') {
    if (e.code === 408) return true;
    // `409 Server Shutdown`: the server is restarting; the connection reconnects and the next pull goes to the new one.
    if (e.code === 409) return /exceeded|leadership|server shutdown/.test(message) && !message.includes('maxbytes');
  }
  return false;
}

/** The longest time a pending delivery may wait for redelivery, in ms. */
function redeliveryWaitMs(info: JetStreamConsumerInfo): number {
  const waits = [info.config.ack_wait ?? 30_000_000_000, ...(info.config.backoff ?? [])];
  return Math.max(...waits) / 1e6;
}

/** One subscription of {@link fromJetStream}: one consuming session. */
class Session implements DeliveryHost {
  readonly scheduler: SchedulerLike;
  keepAliveMs = 15_000;
  readonly keepAlives = new Set<Subscription>();

  private status: JetStreamConsumerStatus | undefined;
  private window: PullWindow | undefined;
  /** Open fetches by pull id (once `fetch()` resolved). */
  private readonly pulls = new Map<number, JetStreamMessages>();
  /** `true` once a stop signal arrived. */
  private stopping = false;
  /** `true` once fetching may begin (after `info` and the optional wait). */
  private consuming = false;
  private completed = false;
  /** Set on unsubscribe before completion, or on error. */
  private aborted = false;
  private pumpQueued = false;
  /** Group mode: the long-lived pull is open (or opening). */
  private groupPullOpen = false;
  /** Group mode: restores stream order among the redeliveries a new owner receives first (see RedeliveryOrder). */
  private order: RedeliveryOrder<Delivery> | undefined;
  /** Group mode: the pin id of the latest delivery; a different one means the pin moved (to this process). */
  private pin = '';
  /** `undefined` until the first fetch resolved: `true` if the client delivers fetches to a callback. */
  private callbackMode: boolean | undefined;
  private retryAttempt = 0;
  private timer: Subscription | undefined;
  private stopSubscription: Unsubscribable | undefined;
  private removeValveListener: (() => void) | undefined;
  private warnedDuplicate = false;
  /** Set only when monitored (this adapter's `monitor`, or consumeJetStream's). */
  private readonly ackLag: AckLag<JetStreamDelivery> | undefined;
  private probe: RunProbe | undefined;

  constructor(
    private readonly consumer: JetStreamPullConsumer,
    private readonly config: Config,
    private readonly subscriber: Subscriber<JetStreamDelivery>,
  ) {
    this.scheduler = config.scheduler;
    this.ackLag = config.ackLag;
    if (config.monitor !== undefined && this.ackLag === undefined) {
      const ackLag = (this.ackLag = new AckLag<JetStreamDelivery>(() => this.scheduler.now()));
      const bound = config.window;
      this.probe = ackLag.probe = config.monitor.open(OPERATOR, this.scheduler, () => ({
        ...{ held: 0, running: 0, waiting: 0, queued: 0, bound, topKeys: [], oldestWaitMs: 0, oldestHeldMs: 0 },
        ack: ackLag.state(),
      }));
    }
  }

  start(): void {
    this.setStatus('starting');
    const { stop, valve } = this.config;
    if (stop !== undefined)
      this.stopSubscription = listenToStop(
        stop,
        () => this.drain(),
        (error: unknown) => this.fail(error),
      );
    if (this.aborted) return;
    if (valve !== undefined) {
      this.removeValveListener = valve.onChange((open) => {
        if (open) this.schedulePump();
      });
    }
    let info: Promise<JetStreamConsumerInfo>;
    try {
      info = this.consumer.info();
    } catch (error) {
      info = Promise.reject(error);
    }
    info.then(
      (value) => this.begin(value),
      (error: unknown) => this.fail(error),
    );
  }

  teardown(): void {
    this.probe?.close();
    this.ackLag?.clear();
    this.stopSubscription?.unsubscribe();
    this.removeValveListener?.();
    this.timer?.unsubscribe();
    this.timer = undefined;
    if (this.completed || this.aborted) return;
    this.aborted = true;
    this.abandon();
    this.setStatus('stopped');
  }

  // --- DeliveryHost ---
  onSettle(delivery: Delivery): void {
    if (this.ackLag !== undefined) this.ackLag.acked(delivery);
    const window = this.window;
    if (window === undefined) return;
    window.settle();
    if (this.aborted) return;
    if (this.completed) {
      if (window.unsettled === 0) this.setStatus('drained');
      return;
    }
    this.schedulePump();
  }

  onDuplicate(delivery: Delivery, attempted: Outcome): void {
    const report = this.config.onDiagnostic;
    if (report !== undefined) {
      report({ kind: 'duplicateSettle', delivery, attempted });
      return;
    }
    if (this.warnedDuplicate) return;
    this.warnedDuplicate = true;
    console.warn(
      `${OPERATOR}: ${formatOutcome(attempted)} on a delivery already settled with ${formatOutcome(delivery.outcome!)} ` +
        `(stream sequence ${delivery.info.streamSequence}) was ignored; pass onDiagnostic to handle these (warned once per subscription)`,
    );
  }

  // --- life cycle ---
  private begin(info: JetStreamConsumerInfo): void {
    if (this.aborted) return;
    const policy = info.config.ack_policy;
    if (policy !== 'explicit') {
      this.fail(
        new TypeError(`${OPERATOR}: the consumer must use ack_policy "explicit" (one ack per message), got ${describeValue(policy)}`),
      );
      return;
    }
    const infoProblem = this.config.checkInfo?.(info);
    if (infoProblem !== undefined) {
      this.fail(new RangeError(infoProblem));
      return;
    }
    if (this.config.group !== undefined) {
      const problem = groupProblem(info, this.config.group, this.config.window, this.config.expires);
      if (problem !== undefined) {
        this.fail(new RangeError(`${OPERATOR}: ${problem}`));
        return;
      }
    }
    const maxAckPending = info.config.max_ack_pending ?? -1;
    const capacity = maxAckPending > 0 ? Math.min(this.config.window, maxAckPending) : this.config.window;
    const maxPull = Math.min(this.config.maxPull ?? capacity, capacity);
    const minPull = Math.min(this.config.minPull ?? Math.ceil(capacity / 4), maxPull);
    this.window = new PullWindow(capacity, minPull, maxPull);
    // max_ack_pending (= capacity in group mode) bounds what a previous owner can have left pending.
    if (this.config.group !== undefined) this.order = new RedeliveryOrder(capacity);
    this.keepAliveMs = (info.config.ack_wait ?? 30_000_000_000) / 1e6 / 2;
    if (this.stopping) {
      this.maybeComplete();
      return;
    }
    if (this.config.awaitPending && info.num_ack_pending > 0) {
      this.setStatus('awaiting-redelivery');
      this.timer = this.scheduler.schedule(
        () => {
          this.timer = undefined;
          this.startConsuming();
        },
        redeliveryWaitMs(info) + PENDING_MARGIN_MS,
      );
      return;
    }
    this.startConsuming();
  }

  private startConsuming(): void {
    if (this.aborted || this.stopping) return;
    this.consuming = true;
    this.setStatus('consuming');
    if (this.config.group !== undefined) this.openGroupPull();
    else this.pump();
  }

  private drain(): void {
    if (this.stopping || this.aborted || this.completed) return;
    this.stopping = true;
    this.consuming = false;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.setStatus('draining');
    // Group mode: the long-lived pull never ends by itself; closing it ends the drain.
    const groupPull = this.pulls.get(GROUP_PULL);
    if (groupPull !== undefined) closeQuietly(groupPull);
    if (this.window !== undefined) this.maybeComplete();
  }

  private maybeComplete(): void {
    const window = this.window!;
    if (!this.stopping || this.completed || this.aborted || window.openPulls > 0 || this.groupPullOpen) return;
    const held = this.order?.flush();
    if (held !== undefined) this.emit(held);
    if (this.aborted) return;
    this.completed = true;
    this.stopSubscription?.unsubscribe();
    this.removeValveListener?.();
    this.subscriber.complete();
    if (window.unsettled === 0) this.setStatus('drained');
  }

  private fail(error: unknown): void {
    if (this.aborted || this.completed) return;
    this.aborted = true;
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.abandon();
    this.setStatus('failed');
    this.subscriber.error(error);
  }

  /** Closes open pull requests and cancels keep-alives (unsubscribe or error); held deliveries are left to redelivery. */
  private abandon(): void {
    this.order?.clear();
    for (const pull of this.pulls.values()) closeQuietly(pull);
    this.pulls.clear();
    for (const keepAlive of this.keepAlives) keepAlive.unsubscribe();
    this.keepAlives.clear();
  }

  private setStatus(status: JetStreamConsumerStatus): void {
    if (this.status === status) return;
    this.status = status;
    const report = this.config.onStatus;
    if (report === undefined) return;
    try {
      report(status);
    } catch (error) {
      if (status !== 'failed' && status !== 'stopped') this.fail(error);
    }
  }

  // --- fetching ---
  private schedulePump(): void {
    if (this.pumpQueued || !this.consuming) return;
    this.pumpQueued = true;
    queueMicrotask(() => {
      this.pumpQueued = false;
      this.pump();
    });
  }

  private pump(): void {
    if (this.config.group !== undefined) return; // one long-lived pull, bounded by the server
    const window = this.window!;
    while (this.consuming && !this.aborted && this.timer === undefined) {
      if (this.config.valve !== undefined && !this.config.valve.isOpen) return;
      // Until the client's delivery mode is known, and in iterator mode, one request at a time keeps order.
      if (this.callbackMode !== true && window.openPulls > 0) return;
      const size = window.nextPullSize();
      if (size === 0) return;
      this.openPull(size);
    }
  }

  private openPull(size: number): void {
    const window = this.window!;
    const id = window.openPull(size);
    const options = { max_messages: size, expires: this.config.expires, callback: (m: JetStreamMessage) => this.receive(id, m) };
    let fetched: Promise<JetStreamMessages>;
    try {
      // `callback` is honoured by @nats-io/jetstream 3.x fetch() (its typings list it for consume() only):
      // it delivers every request's messages synchronously in connection order, so several requests can
      // be open at once without reordering. A client that ignores it is read as an iterator instead.
      fetched = this.consumer.fetch(options);
    } catch (error) {
      fetched = Promise.reject(error);
    }
    fetched.then(
      (messages) => {
        if (this.aborted || this.completed) {
          closeQuietly(messages);
          return;
        }
        this.pulls.set(id, messages);
        if (this.callbackMode === undefined) {
          this.callbackMode = (messages as { noIterator?: unknown }).noIterator === true;
          if (this.callbackMode) this.schedulePump();
        }
        if (!this.callbackMode) void this.iterate(id, messages);
        messages.closed().then(
          (error) => this.pullEnded(id, error ?? undefined),
          (error: unknown) => this.pullEnded(id, error ?? new Error('fetch failed')),
        );
      },
      (error: unknown) => this.pullEnded(id, error ?? new Error('fetch failed')),
    );
  }

  /** Group mode: one `consume()` that keeps the pinned-client id across its pull requests. */
  private openGroupPull(): void {
    const options: JetStreamPullOptions = {
      max_messages: this.window!.capacity,
      expires: this.config.expires,
      group: this.config.group,
      callback: (m: JetStreamMessage) => this.receive(GROUP_PULL, m),
    };
    let opened: Promise<JetStreamMessages>;
    try {
      opened = this.consumer.consume!(options);
    } catch (error) {
      opened = Promise.reject(error);
    }
    this.groupPullOpen = true;
    opened.then(
      (messages) => {
        if (this.aborted || this.completed) {
          closeQuietly(messages);
          return;
        }
        this.pulls.set(GROUP_PULL, messages);
        if (typeof messages.status !== 'function') {
          this.fail(new TypeError(`${OPERATOR}: with group, consume() must return a pull with status() (the server's heartbeats)`));
          return;
        }
        void this.watchIdle(messages);
        if (this.stopping) closeQuietly(messages);
        if ((messages as { noIterator?: unknown }).noIterator !== true) void this.iterate(GROUP_PULL, messages);
        messages.closed().then(
          (error) => this.groupPullEnded(error ?? undefined),
          (error: unknown) => this.groupPullEnded(error ?? new Error('consume failed')),
        );
      },
      (error: unknown) => this.groupPullEnded(error ?? new Error('consume failed')),
    );
  }

  private groupPullEnded(error: unknown): void {
    this.pulls.delete(GROUP_PULL);
    this.groupPullOpen = false;
    if (this.aborted || this.completed) return;
    if (error === undefined && this.stopping) {
      this.maybeComplete();
      return;
    }
    // The client's consume() rides out reconnects and missed heartbeats itself; an end it did not survive
    // (connection closed for good, consumer deleted, an error) ends this subscription.
    this.fail(error ?? new Error(`${OPERATOR}: the pull of group ${JSON.stringify(this.config.group)} ended (connection closed?)`));
  }

  /** Group mode: the server's idle heartbeats tell when the redeliveries a new owner receives first are all in. */
  private async watchIdle(messages: JetStreamMessages): Promise<void> {
    try {
      for await (const notification of messages.status!() as AsyncIterable<JetStreamNotification>) {
        if (this.aborted || this.completed) return;
        const last = notification.lastConsumerSequence;
        if (notification.type === 'heartbeat' && typeof last === 'number') this.emit(this.order!.idle(last));
      }
    } catch {
      // the pull's end is reported by closed()
    }
  }

  private async iterate(id: number, messages: JetStreamMessages): Promise<void> {
    try {
      for await (const message of messages) {
        this.receive(id, message);
        if (this.aborted) return;
      }
    } catch {
      // the error is reported by closed()
    }
  }

  private receive(id: number, message: JetStreamMessage): void {
    const window = this.window!;
    if (this.aborted) return; // after unsubscribe: left to the server's redelivery
    window.receive(id);
    this.retryAttempt = 0;
    const delivery = new Delivery(message, this);
    if (this.ackLag !== undefined) this.ackLag.received(delivery);
    const order = this.order;
    if (order === undefined) {
      this.subscriber.next(delivery);
      return;
    }
    const pin = message.headers?.get(PIN_HEADER) ?? '';
    if (pin !== '' && pin !== this.pin) {
      this.pin = pin; // this process became the owner: the redeliveries of the previous one come first
      this.emit(order.begin());
    }
    this.emit(order.offer(delivery));
  }

  private emit(deliveries: readonly Delivery[]): void {
    for (const delivery of deliveries) {
      if (this.aborted) return; // unsubscribed meanwhile: the rest is left to redelivery
      this.subscriber.next(delivery);
    }
  }

  private pullEnded(id: number, error: unknown): void {
    this.pulls.delete(id);
    this.window?.closePull(id);
    if (this.aborted || this.completed) return;
    if (error !== undefined && !isTransient(error)) {
      this.fail(error);
      return;
    }
    if (this.stopping) {
      this.maybeComplete();
      return;
    }
    if (error !== undefined && this.timer === undefined) {
      const delay = Math.min(RETRY_FIRST_MS * 2 ** this.retryAttempt++, RETRY_MAX_MS);
      this.timer = this.scheduler.schedule(() => {
        this.timer = undefined;
        this.schedulePump();
      }, delay);
      return;
    }
    this.schedulePump();
  }
}

/** The header the server stamps on each delivery of a pinned-client group with the current pin id. */
const PIN_HEADER = 'Nats-Pin-Id';

/** The pull id of group mode's one long-lived pull (never a PullWindow id: its messages count as unsettled only). */
const GROUP_PULL = -1;

/** Why a consumer cannot be consumed through `group` with the guarantees promised, or `undefined`. */
function groupProblem(info: JetStreamConsumerInfo, group: string, window: number, expires: number): string | undefined {
  const { priority_policy: policy, priority_groups: groups = [], max_ack_pending: maxAckPending = -1 } = info.config;
  if (policy !== 'pinned_client') {
    return `with group, the consumer must have priority_policy "pinned_client" (nats-server ≥ 2.11), got ${describeValue(policy)}`;
  }
  if (!groups.includes(group)) {
    return `group ${JSON.stringify(group)} is not one of the consumer's priority_groups (${groups.join(', ')})`;
  }
  if (!(maxAckPending >= 1 && maxAckPending <= window)) {
    return `with group, the consumer's max_ack_pending must be between 1 and window (${window}): it is the bound the server enforces, got ${maxAckPending}`;
  }
  const ttl = (info.config.priority_timeout ?? 120_000_000_000) / 1e6;
  const needed = redeliveryWaitMs(info) + expires + PENDING_MARGIN_MS;
  if (ttl < needed) {
    return (
      `with group, the consumer's priority_timeout (${ttl} ms) must be at least ack_wait (or the longest backoff) + expires + ${PENDING_MARGIN_MS} ms = ${needed} ms, ` +
      `so that a dead owner's deliveries come back before its partition moves`
    );
  }
  return undefined;
}

function closeQuietly(messages: JetStreamMessages): void {
  try {
    messages.close().then(undefined, () => undefined);
  } catch {
    // already closed
  }
}
