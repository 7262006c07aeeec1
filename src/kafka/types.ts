// The public types of rxjs-lanes/kafka (besides the outcome, the commit tracker's, the stop signal and
// the client shapes of ./client.ts, which live with their own code). No client library is imported.
import { type Observable, type ObservableInput, type SchedulerLike } from 'rxjs'; // (not `import type`: keeps the API report's imports as they were)
import type { StopSignal } from '../broker/StopSignal.js';
import type { Outcome } from '../broker/Outcome.js';
import type { LanesMonitor } from '../types.js';
import type { KafkaCommittedOffset, KafkaMessageLike, KafkaOffsetCommit, KafkaProducerLike } from './client.js';

/**
 * One delivery of a Kafka message to a handler.
 * @public
 */
export interface KafkaDelivery {
  /** The message's topic. */
  readonly topic: string;
  /** The message's partition. */
  readonly partition: number;
  /** The client's message: `key`, `value`, `headers`, `offset` (a string), `timestamp`. */
  readonly message: KafkaMessageLike;
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
   * `true` when the partition was revoked while the handler ran (or before it started: then the handler
   * was not called, and the outcome is `'nak'`): the outcome was not recorded, and the message will be
   * delivered again — from the partition's last committed offset, to whichever
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
  /** What was committed: per partition, the next offset to read (and, with `recordFinished`, the metadata). */
  readonly offsets: readonly KafkaOffsetCommit[];
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
   * Where `'term'`ed messages go, before they count as settled, in the message's lane: a
   * {@link KafkaDeadLetterTopic} (the adapter produces the message there with headers saying where it
   * came from and why), or a function doing it. If it fails, the output fails and the message stays
   * uncommitted. Without it, `'term'` just skips the message (it is still emitted as a settlement).
   */
  deadLetter?: KafkaDeadLetterTopic | ((delivery: KafkaDelivery, error: unknown) => ObservableInput<unknown> | void);
  /**
   * Most deliveries of one message: one that would be nak'd on its `maxAttempts`-th delivery is
   * terminated instead (`'term'`, so dead-lettered when `deadLetter` is set), and its key moves on.
   * Attempts are counted in memory per assignment (see {@link KafkaDelivery.attempt}). An integer ≥ 1,
   * or `Infinity` (the default: no limit).
   */
  maxAttempts?: number;
  /**
   * Records, in each commit's metadata, which messages above the commit offset are already finished, and
   * skips them when the partition is assigned again — to this process or another one, after a rebalance
   * or a crash — instead of handling them a second time. Default `false`.
   *
   * @remarks
   * The encoding is bounded (at most 4000 characters, below Kafka's default `offset.metadata.max.bytes`
   * of 4096): when the finished messages are too scattered, the lowest ranges are kept and the rest are
   * handled again (duplicates, never a loss). Metadata that the adapter did not write, or that was
   * written for another commit offset, is ignored. Reading it back needs `readCommitted`, or a consumer
   * with `committed()` (the confluent client).
   */
  recordFinished?: boolean;
  /**
   * Reads the group's committed offsets with their metadata, for `recordFinished`. Default: the
   * consumer's own `committed()` (the confluent client); kafkajs has none, so pass e.g.
   * `committedFromAdmin(admin, groupId)` (a kafkajs admin's `fetchOffsets`).
   */
  readCommitted?: (
    partitions: readonly { readonly topic: string; readonly partition: number }[],
  ) => Promise<readonly KafkaCommittedOffset[]>;
  /** Starts a graceful drain (see {@link StopSignal}). */
  stop?: StopSignal;
  /** Receives every {@link KafkaConsumerStatus} change. A throwing callback fails the output. */
  onStatus?: (status: KafkaConsumerStatus) => void;
  /** Receives every commit (see {@link KafkaCommit}). A throwing callback fails the output. */
  onCommit?: (commit: KafkaCommit) => void;
  /** How often the commit offsets are committed, in ms. Default 5000. A finite number \> 0. */
  commitInterval?: number;
  /**
   * While the pipeline is full the adapter holds the client's `eachBatch` call and sends the group
   * heartbeat this often, in ms (kafkajs sends at most one per its own `heartbeatInterval`; the confluent
   * client heartbeats on its own, and this only checks whether the held batch went stale). Default
   * 1000. A finite number \> 0.
   */
  heartbeatInterval?: number;
  /** Timers (commit interval, nak delays, heartbeats). Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /**
   * Observes the subscription (see `lanesMonitor`): one run named `consumeKafka` with the deliveries
   * held, running and waiting per key, and the commit lag (offsets received and not yet covered by a
   * successful commit, and the age of the oldest, on `scheduler`'s clock), plus an `acked` event per
   * partition commit.
   */
  monitor?: LanesMonitor;
}

/**
 * A dead-letter topic for {@link ConsumeKafkaOptions.deadLetter}. A `'term'`ed message is produced to it
 * with its key, value and headers, plus the headers `Lanes-Topic`, `Lanes-Partition`,
 * `Lanes-Offset`, `Lanes-Attempts` and (when a handler failed) `Lanes-Error` (the
 * error's name and message, at most 1000 characters). Only after the send succeeded is the message settled.
 * @public
 */
export interface KafkaDeadLetterTopic {
  /** A connected producer (kafkajs's or the confluent client's). */
  readonly producer: KafkaProducerLike;
  /** The dead-letter topic. */
  readonly topic: string;
}
