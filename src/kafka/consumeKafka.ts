import type { Consumer, ConsumerCrashEvent, ConsumerGroupJoinEvent, EachBatchPayload, KafkaMessage } from 'kafkajs';
import {
  asyncScheduler,
  from,
  isObservable,
  Observable,
  type ObservableInput,
  type SchedulerAction,
  type SchedulerLike,
  type Subscriber,
  type Subscription,
} from 'rxjs';
import { Valve } from '../flow/Valve.js';
import { checkFunction, checkOptions, checkPositiveInteger, describe } from '../internal/validate.js';
import { mapAsyncPartitionedUnordered } from '../mapAsyncPartitionedUnordered.js';
import { CommitTracker, type CommitPoint, type OffsetTicket } from './CommitTracker.js';
import { checkKafkaOutcome, kafkaOutcomeProblem, nakDelay, type KafkaOutcome } from './KafkaOutcome.js';

/**
 * The part of a kafkajs `Consumer` the adapter drives. A kafkajs 2.x consumer satisfies it: create it,
 * `connect()` and `subscribe()` it, and hand it over before calling `run()` — the adapter calls `run()`.
 * @public
 */
export type KafkaConsumerLike = Pick<Consumer, 'run' | 'stop' | 'seek' | 'commitOffsets' | 'on' | 'events'>;

/**
 * One delivery of a Kafka message to a handler.
 * @public
 */
export interface KafkaDelivery {
  /** The message's topic. */
  readonly topic: string;
  /** The message's partition. */
  readonly partition: number;
  /** The kafkajs message: `key`, `value`, `headers`, `offset` (a string), `timestamp`. */
  readonly message: KafkaMessage;
  /**
   * 1 on the first delivery, 2 after one nak, and so on. Counted in memory per assignment: it starts
   * again at 1 after a rebalance or a restart.
   */
  readonly attempt: number;
}

/**
 * A lane key: deliveries with equal keys (in one topic-partition) are handled one after another.
 * `null` and `undefined` mean "no order needed": the delivery gets a lane of its own.
 * @public
 */
export type KafkaKey = string | number | bigint | boolean | null | undefined;

/**
 * What a {@link consumeKafka} handler receives besides the delivery.
 * @public
 */
export interface KafkaHandlerContext<K> {
  /** The delivery's key (its lane within the topic-partition). */
  readonly key: K;
  /**
   * Aborted when the result no longer counts: the partition was revoked (a rebalance) or the
   * consumption was torn down (unsubscribe, or a failure). Hand it to `fetch` or any API taking one.
   */
  readonly signal: AbortSignal;
}

/**
 * Handles one delivery. Returns (or resolves to, or emits last) the outcome to settle it with;
 * `undefined` means `'ack'`. Throwing, rejecting, erroring or returning something that is not an
 * outcome applies the failure policy (`onError`).
 * @public
 */
export type KafkaHandler<K> = (
  delivery: KafkaDelivery,
  context: KafkaHandlerContext<K>,
) => KafkaOutcome | void | PromiseLike<KafkaOutcome | void> | Observable<KafkaOutcome | void>;

/**
 * What happens to a delivery whose handler failed: an outcome to settle it with, `'fail'` (leave it
 * unsettled and fail the output with the handler's error), or a function choosing one per error.
 * @public
 */
export type KafkaFailurePolicy = KafkaOutcome | 'fail' | ((error: unknown, delivery: KafkaDelivery) => KafkaOutcome | 'fail');

/**
 * One finished delivery, as emitted by {@link consumeKafka}.
 * @public
 */
export interface KafkaSettlement<K> {
  /** The delivery that was handled. */
  readonly delivery: KafkaDelivery;
  /** Its key (its lane within the topic-partition). */
  readonly key: K;
  /** The outcome the delivery was settled with. */
  readonly outcome: KafkaOutcome;
  /** The handler's error when the outcome came from the failure policy; otherwise `undefined`. */
  readonly error: unknown;
  /**
   * `true` when the partition was revoked while the handler ran: the outcome was not recorded, and the
   * message will be delivered again — from the partition's last committed offset, to whichever
   * process owns the partition now (possibly this one).
   */
  readonly fenced: boolean;
}

/**
 * The life cycle of one {@link consumeKafka} subscription, reported to `onStatus`:
 *
 * - `'starting'`: `consumer.run()` was called; joining the group.
 * - `'consuming'`: a member of the group with an assignment (possibly empty), delivering messages —
 *   the readiness signal for an orchestrator.
 * - `'rebalancing'`: the group rebalances; outcomes of running handlers will not count (fenced).
 * - `'draining'`: a stop signal arrived: no new deliveries; running handlers finish; then the commit
 *   offsets are committed and the consumer is stopped.
 * - `'drained'`: completed after a drain; the process can exit.
 * - `'stopped'`: unsubscribed before completion, or the consumer was stopped from outside.
 * - `'failed'`: the output errored.
 * @public
 */
export type KafkaConsumerStatus = 'starting' | 'consuming' | 'rebalancing' | 'draining' | 'drained' | 'stopped' | 'failed';

/**
 * A graceful-drain trigger: an `AbortSignal` (abort), a Promise (resolution; a rejection fails the
 * output), or an Observable (first value; an error fails the output, completion without a value is
 * ignored, as with `takeUntil`).
 * @public
 */
export type StopSignal = AbortSignal | PromiseLike<unknown> | Observable<unknown>;

/**
 * Why the adapter committed: on its interval, when the group started a rebalance (the partitions are
 * about to be revoked), at the end of a drain, or on an abrupt stop (unsubscribe, failure).
 * @public
 */
export type KafkaCommitReason = 'interval' | 'rebalance' | 'drain' | 'shutdown';

/**
 * One `commitOffsets` call of the adapter, reported to `onCommit`.
 * @public
 */
export interface KafkaCommit {
  /** Why it was committed. */
  readonly reason: KafkaCommitReason;
  /** What was committed: per partition, the next offset to read. */
  readonly offsets: readonly { readonly topic: string; readonly partition: number; readonly offset: string }[];
  /** Set when the commit failed; the same offsets (or later ones) are committed on the next occasion. */
  readonly error?: unknown;
}

/**
 * Options of {@link consumeKafka}.
 * @public
 */
export interface ConsumeKafkaOptions<K extends KafkaKey = string | null> {
  /**
   * Most deliveries held at once: waiting for their key or being handled. The consumer is read only
   * while there is room, so this also bounds the messages in memory. An integer ≥ 1.
   */
  parallelism: number;
  /** Most deliveries of one key handled at once. Default 1 (strict per-key order). An integer ≥ 1, \< `parallelism` unless both are 1. */
  perKey?: number;
  /**
   * The lane key of a delivery, within its topic-partition. Default: the message key decoded as UTF-8,
   * or `null` (no order) for a message without a key. Return a constant to handle each partition
   * strictly in order.
   */
  key?: (delivery: KafkaDelivery) => K;
  /** Handles one delivery; see {@link KafkaHandler}. */
  handler: KafkaHandler<K>;
  /** The failure policy. Default `{ nak: 1000 }`: deliver again after one second. */
  onError?: KafkaFailurePolicy;
  /**
   * Runs for every `'term'` outcome before the message counts as settled, in the message's lane (e.g.
   * produce it to a dead-letter topic). If it fails, the output fails and the message stays
   * uncommitted. Without it, `'term'` just skips the message (it is still emitted as a settlement).
   */
  deadLetter?: (delivery: KafkaDelivery, error: unknown) => ObservableInput<unknown> | void;
  /** Starts a graceful drain (see {@link StopSignal}). */
  stop?: StopSignal;
  /** Receives every {@link KafkaConsumerStatus} change. A throwing callback fails the output. */
  onStatus?: (status: KafkaConsumerStatus) => void;
  /** Receives every commit (see {@link KafkaCommit}). A throwing callback fails the output. */
  onCommit?: (commit: KafkaCommit) => void;
  /** How often the commit offsets are committed, in ms. Default 5000. A finite number \> 0. */
  commitInterval?: number;
  /**
   * While the pipeline is full the adapter holds kafkajs's `eachBatch` call and sends the group
   * heartbeat this often, in ms (kafkajs sends at most one per its own `heartbeatInterval`). Default
   * 1000. A finite number \> 0.
   */
  heartbeatInterval?: number;
  /** Timers (commit interval, nak delays, heartbeats). Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
}

const OPERATOR = 'consumeKafka';
const DEFAULT_FAILURE: KafkaOutcome = { nak: 1000 };
const KNOWN_OPTIONS = new Set([
  'parallelism',
  'perKey',
  'key',
  'handler',
  'onError',
  'deadLetter',
  'stop',
  'onStatus',
  'onCommit',
  'commitInterval',
  'heartbeatInterval',
  'scheduler',
]);

/** Consumers currently driven by a subscription: kafkajs runs a consumer once at a time. */
const driven = new WeakSet<object>();

const messageKey = (delivery: KafkaDelivery): string | null => {
  const key = delivery.message.key;
  return key === null || key === undefined ? null : key.toString();
};

function isStopSignal(value: unknown): value is StopSignal {
  if (typeof value !== 'object' || value === null) return false;
  const v = value as { then?: unknown; subscribe?: unknown; addEventListener?: unknown; aborted?: unknown };
  return (
    typeof v.then === 'function' ||
    typeof v.subscribe === 'function' ||
    (typeof v.addEventListener === 'function' && typeof v.aborted === 'boolean')
  );
}

function isPromiseLike(value: unknown): value is PromiseLike<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as PromiseLike<unknown>).then === 'function';
}

function checkPositiveFinite(name: string, value: unknown): void {
  if (typeof value !== 'number') throw new TypeError(`${OPERATOR}: ${name} must be a number, got ${describe(value)}`);
  if (!(value > 0) || value === Infinity) {
    throw new RangeError(`${OPERATOR}: ${name} must be a finite number > 0, got ${describe(value)}`);
  }
}

function checkConsumer(consumer: unknown): void {
  const c = consumer as Partial<Record<keyof KafkaConsumerLike, unknown>> | null;
  const ok =
    typeof c === 'object' &&
    c !== null &&
    ['run', 'stop', 'seek', 'commitOffsets', 'on'].every((name) => typeof c[name as keyof KafkaConsumerLike] === 'function') &&
    typeof c.events === 'object' &&
    c.events !== null;
  if (!ok) {
    throw new TypeError(`${OPERATOR}: consumer must be a kafkajs Consumer (run, stop, seek, commitOffsets, on, events), got ${describe(consumer)}`);
  }
}

interface Config<K> {
  parallelism: number;
  perKey: number;
  key: (delivery: KafkaDelivery) => K;
  handler: KafkaHandler<K>;
  onError: KafkaFailurePolicy;
  deadLetter: ((delivery: KafkaDelivery, error: unknown) => ObservableInput<unknown> | void) | undefined;
  stop: StopSignal | undefined;
  onStatus: ((status: KafkaConsumerStatus) => void) | undefined;
  onCommit: ((commit: KafkaCommit) => void) | undefined;
  commitInterval: number;
  heartbeatInterval: number;
  scheduler: SchedulerLike;
}

/**
 * Consumes Kafka topics through a kafkajs consumer with a handler per message: in parallel across
 * keys, in order within a key (inside each partition), with the commit offset of each partition kept
 * at the highest offset below which every message is settled.
 *
 * ```text
 * partition 0:  a1 b1 a2 c1 ...      (letter = key, parallelism 4, perKey 1)
 * handlers:     a1, b1, c1 run at once; a2 starts when a1 is settled
 * commit:       0 until a1 settles, then past every settled message up to the first unsettled one
 * output:       one settlement per message as it settles
 * ```
 *
 * @remarks
 * - **Order and bounds.** At most `parallelism` deliveries are held (waiting for their key or being
 *   handled), at most `perKey` per key run at once; a key's deliveries start in offset order. The
 *   lanes are per topic-partition: a key's messages are all in one partition when the producer keys
 *   them, so this is the key's order.
 * - **Flow control.** While the pipeline is full the adapter holds kafkajs's `eachBatch` call (sending
 *   the group heartbeat), so kafkajs fetches nothing more and exactly `parallelism` messages are held;
 *   reading resumes when a slot frees.
 * - **Settling.** A message is settled only after its handler finished: with the outcome the handler
 *   returned (`undefined` = `'ack'`), or by `onError` (default `{ nak: 1000 }`). Each settled delivery
 *   is emitted as a {@link KafkaSettlement}, as it settles.
 * - **Commits.** Each partition's commit offset is tracked by a {@link CommitTracker}: one past the
 *   highest offset below which every message is acked or terminated. A running or nak'd message holds
 *   it. It is committed every `commitInterval`, when the group starts a rebalance, at the end of a drain,
 *   and (best effort) on an abrupt stop. At-least-once: nothing is committed before it was handled.
 * - **Nak** holds the commit offset and delivers the message again after its delay by seeking the
 *   partition back; messages after it that were settled meanwhile are not handled again. A nak'd
 *   message gives up its place in its key's order: the key's next message starts at once. Retry inside
 *   the handler when the order must hold.
 * - **Term** runs `deadLetter` (if set) in the message's lane, then counts the message as settled.
 * - **`onError: 'fail'`** leaves the message unsettled (the commit offset stays below it), aborts
 *   the other handlers (`context.signal`), commits what was settled, stops the consumer and errors the
 *   output.
 * - **Rebalance.** When the group starts rebalancing, the commit offsets are committed and every
 *   partition is fenced: outcomes of handlers still running no longer count (their `signal` aborts; they
 *   are emitted with `fenced: true`), and those messages are delivered again from the committed offset
 *   to the partition's new owner.
 * - **Drain.** On `stop`: no new deliveries, running handlers finish and settle, the commit offsets are
 *   committed, the consumer is stopped (`consumer.stop()`), then the output completes; the status
 *   becomes `'drained'`.
 * - **Teardown.** Unsubscribing aborts running handlers, commits what was settled (best effort) and
 *   stops the consumer.
 *
 * Use a consumer for one subscription at a time, and do not call `run`, `seek` or `commitOffsets` on
 * it yourself.
 *
 * @example
 * ```ts
 * const consumer = kafka.consumer({ groupId: 'billing' });
 * await consumer.connect();
 * await consumer.subscribe({ topics: ['orders'] });
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * consumeKafka(consumer, {
 *   parallelism: 64,
 *   handler: async (d, { signal }) => { await bill(JSON.parse(d.message.value!.toString()), { signal }); },
 *   onError: (error, d) => (d.attempt < 5 ? { nak: 1000 } : 'term'),
 *   deadLetter: (d, error) => producer.send({ topic: 'orders.dlq', messages: [d.message] }),
 *   stop: stop.signal,
 *   onStatus: (s) => health.set(s === 'consuming'),
 * }).subscribe({ complete: () => consumer.disconnect() });
 * ```
 * @param consumer - a kafkajs consumer, connected and subscribed, not yet running.
 * @param options - `parallelism`, `handler`, and optionally `perKey`, `key`, `onError`, `deadLetter`,
 *   `stop`, `onStatus`, `onCommit`, `commitInterval`, `heartbeatInterval`, `scheduler`; validated when called.
 * @returns an Observable of one {@link KafkaSettlement} per handled message; subscribing runs the
 *   consumer; it completes after a drain.
 * @public
 */
export function consumeKafka<K extends KafkaKey = string | null>(
  consumer: KafkaConsumerLike,
  options: ConsumeKafkaOptions<K>,
): Observable<KafkaSettlement<K>> {
  checkConsumer(consumer);
  checkOptions(OPERATOR, options);
  for (const name of Object.keys(options)) {
    if (!KNOWN_OPTIONS.has(name)) throw new TypeError(`${OPERATOR}: unknown option ${JSON.stringify(name)}`);
  }
  const {
    parallelism,
    perKey = 1,
    key = messageKey as unknown as (delivery: KafkaDelivery) => K,
    handler,
    onError = DEFAULT_FAILURE,
    deadLetter,
    stop,
    onStatus,
    onCommit,
    commitInterval = 5000,
    heartbeatInterval = 1000,
    scheduler = asyncScheduler,
  } = options;
  checkPositiveInteger(OPERATOR, 'parallelism', parallelism);
  checkPositiveInteger(OPERATOR, 'perKey', perKey);
  if (parallelism > 1 && perKey >= parallelism) {
    throw new RangeError(`${OPERATOR}: perKey (${perKey}) must be less than parallelism (${parallelism})`);
  }
  if (parallelism === 1 && perKey !== 1) {
    throw new RangeError(`${OPERATOR}: perKey must be 1 when parallelism is 1, got ${describe(perKey)}`);
  }
  checkFunction(OPERATOR, 'key', key);
  checkFunction(OPERATOR, 'handler', handler);
  if (onError !== 'fail' && typeof onError !== 'function') checkKafkaOutcome(OPERATOR, 'onError', onError);
  if (deadLetter !== undefined) checkFunction(OPERATOR, 'deadLetter', deadLetter);
  if (stop !== undefined && !isStopSignal(stop)) {
    throw new TypeError(`${OPERATOR}: stop must be an AbortSignal, a Promise or an Observable, got ${describe(stop)}`);
  }
  if (onStatus !== undefined) checkFunction(OPERATOR, 'onStatus', onStatus);
  if (onCommit !== undefined) checkFunction(OPERATOR, 'onCommit', onCommit);
  checkPositiveFinite('commitInterval', commitInterval);
  checkPositiveFinite('heartbeatInterval', heartbeatInterval);
  if (typeof scheduler !== 'object' || scheduler === null || typeof scheduler.schedule !== 'function') {
    throw new TypeError(`${OPERATOR}: scheduler must be a SchedulerLike, got ${describe(scheduler)}`);
  }
  const config: Config<K> = {
    parallelism,
    perKey,
    key,
    handler,
    onError,
    deadLetter,
    stop,
    onStatus,
    onCommit,
    commitInterval,
    heartbeatInterval,
    scheduler,
  };
  return new Observable<KafkaSettlement<K>>((subscriber) => new KafkaRun(consumer, config, subscriber).start());
}

/** The delivery handed to handlers. */
class Delivery implements KafkaDelivery {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly message: KafkaMessage,
    readonly attempt: number,
  ) {}
}

/** A delivery inside the pipeline; it is also the handler's context (`key`, `signal`). */
class InFlight<K> implements KafkaHandlerContext<K> {
  key: K = undefined as K;
  constructor(
    readonly delivery: Delivery,
    readonly ticket: OffsetTicket,
    readonly partitionKey: string,
    readonly signal: AbortSignal,
  ) {}
}

function settlement<K>(item: InFlight<K>, outcome: KafkaOutcome, error: unknown, fenced: boolean): KafkaSettlement<K> {
  return { delivery: item.delivery, key: item.key, outcome, error, fenced };
}

type Phase = 'running' | 'draining' | 'closing' | 'closed';

const partitionKeyOf = (topic: string, partition: number): string => `${partition}\u0000${topic}`;

/** One subscription: all the state of one run of the consumer. */
class KafkaRun<K> {
  private phase: Phase = 'running';
  private status: KafkaConsumerStatus | undefined;
  private readonly tracker = new CommitTracker();
  private readonly valve = new Valve();
  /** The pipeline's source: deliveries are pushed into it from `eachBatch`. */
  private feed: Subscriber<InFlight<K>> | null = null;
  private pipeline: Subscription | null = null;
  /** One per assigned partition and generation; aborted when the partition is revoked. */
  private readonly controllers = new Map<string, AbortController>();
  /** Partitions we sought back (to redeliver a nak) whose seek kafkajs may not have applied yet. */
  private readonly seeks = new Map<string, { topic: string; partition: number; offset: number }>();
  private readonly nakTimers = new Set<Subscription>();
  /** `deadLetter` Observables running; unsubscribed on teardown. */
  private readonly deadLetters = new Set<Subscription>();
  /** Set when the pipeline is torn down early: late handler results have no effect then. */
  private tornDown = false;
  private commitTimer: Subscription | null = null;
  private commitChain: Promise<unknown> = Promise.resolve();
  private commitsInFlight = 0;
  private readonly removers: (() => void)[] = [];
  private stopSubscription: Subscription | null = null;
  /** `eachBatch` calls waiting for room or held during a drain; the heartbeat ticker serves them. */
  private readonly parked = new Set<{ payload: EachBatchPayload; wake: () => void; fail: (error: unknown) => void }>();
  private heartbeatTimer: Subscription | null = null;
  /** Set once `consumer.stop()` was called: `eachBatch` calls held during a drain may return. */
  private stopCalled = false;
  /** Counts our seeks, so `eachBatch` asks kafkajs whether its batch went stale only when it may have. */
  private seekCount = 0;
  private stoppedAgain = false;
  /** `consumer.run()`: kafkajs resolves it once the first join is done (or failed). */
  private runPromise: Promise<void> | null = null;

  constructor(
    private readonly consumer: KafkaConsumerLike,
    private readonly config: Config<K>,
    private readonly subscriber: Subscriber<KafkaSettlement<K>>,
  ) {}

  start(): () => void {
    const { consumer, subscriber, config } = this;
    if (driven.has(consumer)) {
      this.phase = 'closed';
      subscriber.error(new Error(`${OPERATOR}: this consumer is already consumed by another subscription`));
      return () => undefined;
    }
    driven.add(consumer);

    const { events } = consumer;
    try {
      this.removers.push(
        consumer.on(events.GROUP_JOIN, (event: ConsumerGroupJoinEvent) => this.onGroupJoin(event)),
        consumer.on(events.REBALANCING, () => this.onRebalancing()),
        consumer.on(events.CRASH, (event: ConsumerCrashEvent) => this.onCrash(event)),
        consumer.on(events.STOP, () => this.onStop()),
      );
    } catch (error) {
      void this.close('failed', error);
      return () => this.teardown();
    }

    const source = new Observable<InFlight<K>>((feed) => {
      this.feed = feed;
    });
    this.pipeline = source
      .pipe(
        mapAsyncPartitionedUnordered({
          parallelism: config.parallelism,
          perPartition: config.perKey,
          partitioner: (item: InFlight<K>) => this.laneOf(item),
          project: (item: InFlight<K>) => this.handle(item),
          valve: this.valve,
          maxQueued: 0, // eachBatch never pushes into a full pipeline; a bug here fails loudly
        }),
      )
      .subscribe({
        next: (settlement) => subscriber.next(settlement),
        error: (error: unknown) => void this.close('failed', error),
        complete: () => void this.close('drained'),
      });

    const interval = config.commitInterval;
    this.commitTimer = config.scheduler.schedule(function (this: SchedulerAction<KafkaRun<K>>, run) {
      run!.onCommitTick();
      this.schedule(run, interval);
    }, interval, this);

    this.heartbeatTimer = config.scheduler.schedule(function (this: SchedulerAction<KafkaRun<K>>, run) {
      run!.onHeartbeatTick();
      this.schedule(run, config.heartbeatInterval);
    }, config.heartbeatInterval, this);

    this.setStatus('starting');
    if (this.phase === 'running') this.watchStop();
    if (this.phase === 'running') {
      let running: Promise<void>;
      try {
        running = consumer.run({
          autoCommit: false,
          eachBatchAutoResolve: false,
          partitionsConsumedConcurrently: 1,
          eachBatch: (payload) => this.eachBatch(payload),
        });
      } catch (error) {
        running = Promise.reject(error);
      }
      this.runPromise = running.then(undefined, (error: unknown) => void this.close('failed', error));
    }
    return () => this.teardown();
  }

  // ---- kafkajs side ------------------------------------------------------------------------------

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    if (this.phase !== 'running') {
      if (this.phase === 'closed') this.stopAgain();
      return this.hold(payload);
    }
    const { batch } = payload;
    const { topic, partition, messages } = batch;
    const partitionKey = partitionKeyOf(topic, partition);
    let generation = this.tracker.generation(topic, partition);
    if (generation === undefined) generation = this.assign(topic, partition);
    // A seek is pending (a nak came due after this batch was fetched): kafkajs fetches again from there.
    if (payload.isStale()) return;
    // No seek pending: the seek we issued (if any) was applied before this batch was fetched.
    this.seeks.delete(partitionKey);
    const signal = this.controllers.get(partitionKey)!.signal;
    let seeks = this.seekCount;
    let last = -1; // index of the last message passed on (delivered or skipped as already handled)
    try {
      for (let i = 0; i < messages.length; i++) {
        if (!this.valve.isOpen) {
          await this.waitForRoom(payload);
          if (!payload.isRunning() || payload.isStale()) break;
        }
        if (this.phase !== 'running' || this.tracker.generation(topic, partition) !== generation) break;
        // a handler that settled synchronously with a nak may have sought this partition back
        if (this.seekCount !== seeks) {
          seeks = this.seekCount;
          if (payload.isStale()) break;
        }
        const message = messages[i];
        const ticket = this.tracker.deliver(topic, partition, Number(message.offset));
        last = i;
        if (ticket !== undefined) {
          const delivery = new Delivery(topic, partition, message, ticket.attempt);
          this.feed!.next(new InFlight<K>(delivery, ticket, partitionKey, signal));
        }
      }
      if (last === messages.length - 1 && this.phase === 'running') {
        // The whole batch was passed on: trailing offsets kafkajs filtered out (transaction markers)
        // need no handling, so the commit offset may cover them.
        const next = Number(batch.lastOffset()) + 1;
        if (Number.isSafeInteger(next)) this.tracker.advance(topic, partition, next);
      }
    } catch (error) {
      if (isKafkaError(error)) throw error; // the heartbeat saw a rebalance: kafkajs re-joins the group
      void this.close('failed', error);
    } finally {
      // kafkajs fetches the partition from here on next; messages not passed on are fetched again.
      if (last >= 0) payload.resolveOffset(messages[last].offset);
    }
    if (this.phase !== 'running') await this.hold(payload);
  }

  /** Waits until the pipeline has room (or the run stops); the heartbeat ticker keeps the session alive. */
  private async waitForRoom(payload: EachBatchPayload): Promise<void> {
    while (!this.valve.isOpen && this.phase === 'running' && payload.isRunning()) {
      await this.park(payload, this.valve.whenOpen());
    }
  }

  /**
   * Holds an `eachBatch` call during a drain, passing nothing on, until the consumer is being stopped:
   * kafkajs then fetches nothing more, and `consumer.stop()` returns promptly.
   */
  private async hold(payload: EachBatchPayload): Promise<void> {
    while (!this.stopCalled && payload.isRunning()) await this.park(payload, null);
  }

  /** kafkajs may finish joining after a stop that came while it was still joining: stop it again. */
  private stopAgain(): void {
    if (this.stoppedAgain) return;
    this.stoppedAgain = true;
    try {
      Promise.resolve(this.consumer.stop()).then(undefined, () => undefined);
    } catch {
      // nothing left to stop
    }
  }

  /**
   * Parks an `eachBatch` call until `event`, or until {@link KafkaRun.wakeParked} (a change of phase).
   * Meanwhile the heartbeat ticker sends kafkajs's heartbeat for it; a heartbeat that fails (the group
   * is rebalancing) is thrown here, so that the call returns to kafkajs, which then re-joins the group.
   */
  private park(payload: EachBatchPayload, event: Promise<void> | null): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const parked = { payload, wake: resolve, fail: reject };
      this.parked.add(parked);
      event?.then(() => {
        if (this.parked.delete(parked)) resolve();
      });
    });
  }

  private wakeParked(): void {
    const parked = [...this.parked];
    this.parked.clear();
    for (const { wake } of parked) wake();
  }

  /** Sends the heartbeat of every parked `eachBatch` call (kafkajs sends at most one per its interval). */
  private onHeartbeatTick(): void {
    for (const parked of this.parked) {
      let beat: Promise<void>;
      try {
        beat = Promise.resolve(parked.payload.heartbeat());
      } catch (error) {
        beat = Promise.reject(error);
      }
      beat.then(undefined, (error: unknown) => {
        if (this.parked.delete(parked)) parked.fail(error);
      });
    }
  }

  private onGroupJoin(event: ConsumerGroupJoinEvent): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.fence(false); // a re-join without a REBALANCING event (e.g. after a session timeout)
    const assignment = event.payload.memberAssignment;
    for (const topic of Object.keys(assignment)) {
      for (const partition of assignment[topic]) this.assign(topic, partition);
    }
    if (this.phase === 'running') this.setStatus('consuming');
  }

  private onRebalancing(): void {
    if (this.phase !== 'running' && this.phase !== 'draining') return;
    this.fence(true);
    if (this.phase === 'running') this.setStatus('rebalancing');
  }

  private onCrash(event: ConsumerCrashEvent): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.fence(false);
    if (event.payload.restart) {
      if (this.phase === 'running') this.setStatus('starting');
    } else {
      void this.close('failed', event.payload.error);
    }
  }

  private onStop(): void {
    // Our own close stops the consumer; anything else stopped it from outside (or a crash did, and
    // the CRASH event follows, restarting or failing the run).
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.fence(false);
    this.setStatus('stopped');
  }

  private assign(topic: string, partition: number): number {
    const generation = this.tracker.assign(topic, partition);
    const partitionKey = partitionKeyOf(topic, partition);
    this.controllers.get(partitionKey)?.abort(new Error(`${OPERATOR}: partition ${topic}[${partition}] was revoked`));
    this.controllers.set(partitionKey, new AbortController());
    return generation;
  }

  /**
   * Revokes every partition: outcomes of running handlers no longer count, pending nak redeliveries
   * are dropped. With `commit`, first commits what is settled (the group is about to move the
   * partitions; a commit sent now still carries the current generation).
   */
  private fence(commit: boolean): void {
    const points = commit ? this.tracker.committable() : [];
    // A seek we issued that kafkajs has not applied yet survives a re-join and would be applied to a
    // later assignment of the partition, skipping messages whose handling was fenced. Replace it with
    // a seek to the commit offset (everything below it is handled).
    for (const [partitionKey, { topic, partition }] of this.seeks) {
      const offset = this.tracker.watermark(topic, partition);
      if (offset !== undefined) this.trySeek(topic, partition, offset);
      this.seeks.delete(partitionKey);
    }
    this.tracker.revokeAll();
    for (const [partitionKey, controller] of this.controllers) {
      const [partition, topic] = partitionKey.split('\u0000');
      controller.abort(new Error(`${OPERATOR}: partition ${topic}[${partition}] was revoked`));
    }
    this.controllers.clear();
    for (const timer of this.nakTimers) timer.unsubscribe();
    this.nakTimers.clear();
    if (points.length > 0) this.sendCommit(points, 'rebalance').then(undefined, () => undefined);
  }

  // ---- the pipeline ------------------------------------------------------------------------------

  private laneOf(item: InFlight<K>): unknown {
    const key = this.config.key(item.delivery);
    item.key = key;
    // A keyless delivery is a lane of its own; keyed ones share a lane per topic-partition and key.
    return key === null || key === undefined ? item : `${item.partitionKey}\u0000${typeof key}\u0000${String(key)}`;
  }

  /**
   * Runs the handler for one delivery and settles it. Returns the settlement as a Promise (the
   * operator's fast path) unless the handler returned an Observable, which is then unsubscribed on
   * teardown. Rejects (fails the pipeline) only for the `'fail'` policy or a failing `deadLetter`.
   */
  private handle(item: InFlight<K>): ObservableInput<KafkaSettlement<K>> {
    let result: ReturnType<KafkaHandler<K>>;
    try {
      result = this.config.handler(item.delivery, item);
    } catch (error) {
      return this.settled(() => this.failed(item, error));
    }
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(
        (value) => this.finished(item, value),
        (error: unknown) => this.failed(item, error),
      );
    }
    if (!isObservable(result)) return this.settled(() => this.finished(item, result));
    const observable = result;
    return new Observable<KafkaSettlement<K>>((subscriber) => {
      let last: unknown;
      const deliver = (outcome: () => KafkaSettlement<K> | PromiseLike<KafkaSettlement<K>>): void => {
        this.settled(outcome).then(
          (settlement) => {
            subscriber.next(settlement);
            subscriber.complete();
          },
          (error: unknown) => subscriber.error(error),
        );
      };
      return observable.subscribe({
        next: (value) => (last = value),
        error: (error: unknown) => deliver(() => this.failed(item, error)),
        complete: () => deliver(() => this.finished(item, last)),
      });
    });
  }

  /** Runs a settling step now and hands its result (or its throw) over as a Promise. */
  private settled(step: () => KafkaSettlement<K> | PromiseLike<KafkaSettlement<K>>): Promise<KafkaSettlement<K>> {
    try {
      return Promise.resolve(step());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The handler finished with `value`: an outcome, or `undefined` for `'ack'`. */
  private finished(item: InFlight<K>, value: unknown): KafkaSettlement<K> | PromiseLike<KafkaSettlement<K>> {
    if (value !== undefined) {
      const problem = kafkaOutcomeProblem(value);
      if (problem !== null) return this.failed(item, new TypeError(`${OPERATOR}: the handler's result is not an outcome: ${problem}`));
    }
    return this.settleWith(item, (value as KafkaOutcome | undefined) ?? 'ack', undefined);
  }

  /** The handler failed: applies the failure policy; throws (fails the pipeline) for `'fail'`. */
  private failed(item: InFlight<K>, error: unknown): KafkaSettlement<K> | PromiseLike<KafkaSettlement<K>> {
    if (this.tornDown || this.isFenced(item)) {
      return settlement(item, 'nak', error, true); // it comes again from the committed offset
    }
    let policy = this.config.onError;
    if (typeof policy === 'function') {
      policy = policy(error, item.delivery);
      if (policy !== 'fail') checkKafkaOutcome(OPERATOR, 'onError result', policy);
    }
    if (policy === 'fail') throw error; // the message stays unsettled: the commit offset stays below it
    return this.settleWith(item, policy, error);
  }

  /** Settles with `outcome`, running `deadLetter` first for a `'term'`. */
  private settleWith(item: InFlight<K>, outcome: KafkaOutcome, error: unknown): KafkaSettlement<K> | PromiseLike<KafkaSettlement<K>> {
    const deadLetter = this.config.deadLetter;
    if (outcome !== 'term' || deadLetter === undefined || this.tornDown || this.isFenced(item)) return this.record(item, outcome, error);
    const input = deadLetter(item.delivery, error);
    if (input === undefined || input === null) return this.record(item, outcome, error);
    if (isPromiseLike(input)) return Promise.resolve(input).then(() => this.record(item, outcome, error));
    return new Promise<KafkaSettlement<K>>((resolve, reject) => {
      let subscription: Subscription | undefined;
      let ended = false;
      subscription = from(input).subscribe({
        error: (deadLetterError: unknown) => {
          ended = true;
          if (subscription) this.deadLetters.delete(subscription);
          reject(deadLetterError);
        },
        complete: () => {
          ended = true;
          if (subscription) this.deadLetters.delete(subscription);
          resolve(this.record(item, outcome, error));
        },
      });
      if (!ended) this.deadLetters.add(subscription); // unsubscribed on teardown
    });
  }

  /** Records the outcome in the tracker (a nak once its delay is over) and makes the settlement. */
  private record(item: InFlight<K>, outcome: KafkaOutcome, error: unknown): KafkaSettlement<K> {
    if (this.tornDown) return settlement(item, outcome, error, true);
    const delay = nakDelay(outcome);
    if (delay === undefined) return settlement(item, outcome, error, !this.tracker.settle(item.ticket, outcome as 'ack' | 'term'));
    const fenced = this.isFenced(item);
    if (!fenced) this.scheduleNak(item.ticket, delay);
    return settlement(item, outcome, error, fenced);
  }

  private isFenced(item: InFlight<K>): boolean {
    return this.tracker.generation(item.ticket.topic, item.ticket.partition) !== item.ticket.generation;
  }

  /** A nak: after `delay` ms the message becomes due and the partition is sought back to it. */
  private scheduleNak(ticket: OffsetTicket, delay: number): void {
    const fire = (): void => {
      if (this.phase === 'closing' || this.phase === 'closed') return;
      if (this.tracker.settle(ticket, 'nak')) this.redeliver(ticket.topic, ticket.partition);
    };
    if (delay === 0) {
      fire();
      return;
    }
    const timer = this.config.scheduler.schedule(() => {
      this.nakTimers.delete(timer);
      fire();
    }, delay);
    this.nakTimers.add(timer);
  }

  private redeliver(topic: string, partition: number): void {
    const offset = this.tracker.redeliveryOffset(topic, partition);
    if (offset === undefined) return;
    const partitionKey = partitionKeyOf(topic, partition);
    const pending = this.seeks.get(partitionKey);
    // A seek not yet applied at or below this offset will fetch it again anyway (kafkajs keeps only
    // the latest seek per partition, so never replace a lower one with a higher one).
    if (pending !== undefined && pending.offset <= offset) return;
    this.seeks.set(partitionKey, { topic, partition, offset });
    this.trySeek(topic, partition, offset);
  }

  private trySeek(topic: string, partition: number, offset: number): void {
    this.seekCount++;
    try {
      this.consumer.seek({ topic, partition, offset: String(offset) });
    } catch {
      // the consumer is stopping: the message stays uncommitted and comes again after a restart
    }
  }

  // ---- commits ----------------------------------------------------------------------------------

  private onCommitTick(): void {
    if (this.phase !== 'running' && this.phase !== 'draining') return;
    if (this.commitsInFlight > 0) return; // the next tick commits what this one would have
    this.commit('interval').then(undefined, () => undefined);
  }

  /** Commits the current commit offsets, after any commit in flight. */
  private commit(reason: KafkaCommitReason): Promise<void> {
    const result = this.commitChain.then(() => {
      const points = this.tracker.committable();
      return points.length > 0 ? this.sendCommit(points, reason) : undefined;
    });
    this.commitChain = result.then(undefined, () => undefined);
    return result;
  }

  private sendCommit(points: CommitPoint[], reason: KafkaCommitReason): Promise<void> {
    const offsets = points.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) }));
    this.commitsInFlight++;
    let request: Promise<void>;
    try {
      request = Promise.resolve(this.consumer.commitOffsets(offsets));
    } catch (error) {
      request = Promise.reject(error);
    }
    return request.then(
      () => {
        this.commitsInFlight--;
        for (const point of points) this.tracker.committed(point);
        this.reportCommit({ reason, offsets });
      },
      (error: unknown) => {
        this.commitsInFlight--;
        this.reportCommit({ reason, offsets, error });
        throw error;
      },
    );
  }

  private reportCommit(commit: KafkaCommit): void {
    const report = this.config.onCommit;
    if (report === undefined) return;
    try {
      report(commit);
    } catch (error) {
      void this.close('failed', error);
    }
  }

  // ---- life cycle -------------------------------------------------------------------------------

  private watchStop(): void {
    const stop = this.config.stop;
    if (stop === undefined) return;
    const drain = (): void => this.drain();
    if (isObservable(stop)) {
      this.stopSubscription = stop.subscribe({ next: drain, error: (error: unknown) => void this.close('failed', error) });
    } else if (isPromiseLike(stop)) {
      stop.then(drain, (error: unknown) => void this.close('failed', error));
    } else {
      const signal = stop as AbortSignal;
      if (signal.aborted) drain();
      else {
        signal.addEventListener('abort', drain, { once: true });
        this.removers.push(() => signal.removeEventListener('abort', drain));
      }
    }
  }

  private drain(): void {
    if (this.phase !== 'running') return;
    this.phase = 'draining';
    this.wakeParked();
    this.setStatus('draining');
    this.feed?.complete(); // the pipeline completes once the running handlers finished
  }

  /** Ends the run: final commit, `consumer.stop()`, then the output's completion or error. */
  private async close(end: 'drained' | 'failed' | 'stopped', error?: unknown): Promise<void> {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.phase = 'closing';
    this.wakeParked();
    this.commitTimer?.unsubscribe();
    this.stopSubscription?.unsubscribe();
    for (const timer of this.nakTimers) timer.unsubscribe();
    this.nakTimers.clear();
    if (end !== 'drained') {
      this.tornDown = true;
      this.pipeline?.unsubscribe(); // tears down running handlers (their inners)
      for (const subscription of this.deadLetters) subscription.unsubscribe();
      this.deadLetters.clear();
      for (const controller of this.controllers.values()) controller.abort(error ?? new Error(`${OPERATOR}: stopped`));
    }
    let failure = error;
    try {
      await this.commit(end === 'drained' ? 'drain' : 'shutdown');
    } catch (commitError) {
      if (end === 'drained') failure = commitError;
    }
    this.tracker.revokeAll();
    // kafkajs ignores a stop() that comes while run() is still joining the group (its runner is not
    // running yet), and then consumes on: stop it only once run() is done.
    await this.runPromise;
    let stopped: Promise<void>;
    try {
      stopped = Promise.resolve(this.consumer.stop());
    } catch (stopError) {
      stopped = Promise.reject(stopError);
    }
    this.stopCalled = true;
    this.wakeParked(); // after stop() was called: the released eachBatch calls end kafkajs's fetch loop
    try {
      await stopped;
    } catch (stopError) {
      if (end === 'drained' && failure === undefined) failure = stopError;
    }
    this.heartbeatTimer?.unsubscribe();
    this.commitTimer?.unsubscribe();
    for (const remove of this.removers) remove();
    this.removers.length = 0;
    this.controllers.clear();
    this.seeks.clear();
    driven.delete(this.consumer);
    this.phase = 'closed';
    if (end === 'stopped') {
      this.report('stopped');
      return;
    }
    const ok = end === 'drained' && failure === undefined;
    this.report(ok ? 'drained' : 'failed');
    if (ok) this.subscriber.complete();
    else this.subscriber.error(failure);
  }

  private teardown(): void {
    this.tornDown = true;
    this.pipeline?.unsubscribe();
    if (this.phase !== 'closing' && this.phase !== 'closed') void this.close('stopped');
  }

  private setStatus(status: KafkaConsumerStatus): void {
    if (this.status === status || this.phase === 'closed') return;
    this.status = status;
    const report = this.config.onStatus;
    if (report === undefined) return;
    try {
      report(status);
    } catch (error) {
      void this.close('failed', error);
    }
  }

  /** The final status: reported once the run is closed; a throwing callback has nothing left to fail. */
  private report(status: KafkaConsumerStatus): void {
    if (this.status === status) return;
    this.status = status;
    try {
      this.config.onStatus?.(status);
    } catch {
      // the run is over
    }
  }
}

/** kafkajs's own errors (e.g. a heartbeat that found the group rebalancing) go back to kafkajs. */
function isKafkaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.startsWith('KafkaJS');
}
