// The public types of rxjs-lanes/kafka (besides the outcome, the commit tracker's and the stop signal,
// which live with their own code). Type-only imports of kafkajs: no kafkajs code is loaded at runtime.
import type { Consumer, KafkaMessage } from 'kafkajs';
import { type Observable, type ObservableInput, type SchedulerLike } from 'rxjs'; // (not `import type`: keeps the API report's imports as they were)
import type { StopSignal } from '../broker/StopSignal.js';
import type { Outcome } from '../broker/Outcome.js';

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
) => Outcome | void | PromiseLike<Outcome | void> | Observable<Outcome | void>;

/**
 * What happens to a delivery whose handler failed: an outcome to settle it with, `'fail'` (leave it
 * unsettled and fail the output with the handler's error), or a function choosing one per error.
 * @public
 */
export type KafkaFailurePolicy = Outcome | 'fail' | ((error: unknown, delivery: KafkaDelivery) => Outcome | 'fail');

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
  readonly outcome: Outcome;
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
