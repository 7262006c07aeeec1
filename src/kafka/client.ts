// The shapes of the Kafka client objects the adapter drives, described structurally: exactly what it
// calls, nothing more. No client library's types are imported, so rxjs-lanes/kafka compiles without
// kafkajs installed, and a kafkajs 2.x consumer and an @confluentinc/kafka-javascript KafkaJS-API
// consumer both fit (spec/kafka/clientTypes.spec.ts checks it against both libraries' own types).

/**
 * Message headers, as kafkajs and \@confluentinc/kafka-javascript give them.
 * @public
 */
export interface KafkaHeaders {
  [key: string]: Buffer | string | (Buffer | string)[] | undefined;
}

/**
 * A fetched Kafka message: what the adapter reads of kafkajs's `KafkaMessage` (and of the confluent
 * client's, which has the same shape). The object handed to a handler is the client's own message.
 * @public
 */
export interface KafkaMessageLike {
  /** The message key, or `null`. */
  readonly key: Buffer | null;
  /** The message value, or `null` (a tombstone). */
  readonly value: Buffer | null;
  /** The offset, as a decimal string. */
  readonly offset: string;
  /** The timestamp in ms since the epoch, as a decimal string. */
  readonly timestamp: string;
  /** The headers (absent for messages of the old message format). */
  readonly headers?: KafkaHeaders;
}

/**
 * One partition's batch, as the client passes it to `eachBatch`.
 * @public
 */
export interface KafkaBatchLike {
  readonly topic: string;
  readonly partition: number;
  readonly messages: readonly KafkaMessageLike[];
  /** The offset of the batch's last record (it may be a transaction marker the client filtered out). */
  lastOffset(): string;
}

/**
 * What `eachBatch` receives: the batch and the calls the adapter makes on it.
 * @public
 */
export interface KafkaBatchPayloadLike {
  readonly batch: KafkaBatchLike;
  resolveOffset(offset: string): void;
  /** kafkajs: sends the group heartbeat (throws when the group rebalances); confluent: a no-op. */
  heartbeat(): Promise<void>;
  isRunning(): boolean;
  /** `true` once a seek of the partition (or, with confluent, an exceeded `max.poll.interval.ms`) made the batch obsolete. */
  isStale(): boolean;
}

/**
 * The configuration the adapter passes to `consumer.run()`.
 * @public
 */
export interface KafkaRunConfigLike {
  /** Passed as `false` to kafkajs only (the confluent client rejects the option: configure it on the consumer). */
  autoCommit?: boolean;
  eachBatchAutoResolve?: boolean;
  partitionsConsumedConcurrently?: number;
  eachBatch: (payload: KafkaBatchPayloadLike) => Promise<void>;
}

/**
 * A partition offset to commit, with optional commit metadata.
 * @public
 */
export interface KafkaOffsetCommit {
  readonly topic: string;
  readonly partition: number;
  /** The next offset to read, as a decimal string. */
  readonly offset: string;
  /** Commit metadata (written by the adapter only with `recordFinished`). */
  readonly metadata?: string | null;
}

/**
 * A partition's committed offset as read back from the group, with its metadata.
 * @public
 */
export interface KafkaCommittedOffset {
  readonly topic: string;
  readonly partition: number;
  /** The committed offset as a decimal string; `'-1'` (or any negative number) when nothing is committed. */
  readonly offset: string;
  readonly metadata?: string | null;
}

/**
 * A consumer group event as kafkajs emits it (`GROUP_JOIN`, `REBALANCING`, `CRASH`, `STOP`).
 * @public
 */
export interface KafkaConsumerEventLike {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each event has its own payload shape
  readonly payload: any;
}

/**
 * What the adapter calls on both kinds of consumer.
 * @public
 */
export interface KafkaConsumerCommon {
  run(config: KafkaRunConfigLike): Promise<void>;
  seek(offset: { topic: string; partition: number; offset: string }): void;
  commitOffsets(offsets: KafkaOffsetCommit[]): Promise<void>;
}

/**
 * A kafkajs 2.x `Consumer` as the adapter drives it: the group's life cycle comes from its
 * instrumentation events, and the run ends with `stop()` (the caller disconnects).
 * @public
 */
export interface KafkajsConsumerLike extends KafkaConsumerCommon {
  stop(): Promise<void>;
  on(eventName: string, listener: (event: KafkaConsumerEventLike) => void): () => void;
  readonly events: {
    readonly GROUP_JOIN: string;
    readonly REBALANCING: string;
    readonly CRASH: string;
    readonly STOP: string;
  };
}

/**
 * A consumer of \@confluentinc/kafka-javascript's KafkaJS-compatible API (`new KafkaJS.Kafka(...).consumer(...)`)
 * as the adapter drives it. It has no instrumentation events and no `stop()`: the adapter reads the
 * assignment (`assignment()`), and ends the run with `disconnect()`. Create it with
 * `kafkaJS: { autoCommit: false }`. `committed()` is used by `recordFinished`.
 * @public
 */
export interface ConfluentConsumerLike extends KafkaConsumerCommon {
  assignment(): { topic: string; partition: number }[];
  disconnect(): Promise<void>;
  committed(partitions?: { topic: string; partition: number }[], timeout?: number): Promise<KafkaCommittedOffset[]>;
}

/**
 * The consumer {@link consumeKafka} drives: a kafkajs 2.x consumer, or an \@confluentinc/kafka-javascript
 * KafkaJS-API consumer; connected and subscribed, not yet running. Told apart at run time by
 * `assignment()`, which only the confluent consumer has.
 * @public
 */
export type KafkaConsumerLike = KafkajsConsumerLike | ConfluentConsumerLike;

/**
 * A producer, for the dead-letter topic: kafkajs's and the confluent client's `producer()` fit.
 * @public
 */
export interface KafkaProducerLike {
  send(record: {
    topic: string;
    messages: { key?: Buffer | string | null; value: Buffer | string | null; headers?: KafkaHeaders; partition?: number }[];
  }): Promise<unknown>;
}

/** Whether the consumer is of the confluent client (no events, no stop): it has `assignment()`. @internal */
export function isConfluentConsumer(consumer: KafkaConsumerLike): consumer is ConfluentConsumerLike {
  return typeof (consumer as Partial<ConfluentConsumerLike>).assignment === 'function';
}
