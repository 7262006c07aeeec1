import { asyncScheduler, type ObservableInput, type SchedulerLike } from 'rxjs';
import { checkParallelismAndPerKey } from '../broker/checkPerKey.js';
import { checkFailurePolicy, type Outcome } from '../broker/Outcome.js';
import { checkStopSignal, type StopSignal } from '../broker/StopSignal.js';
import { readMonitor, type MonitorHub } from '../internal/monitor/MonitorHub.js';
import { checkFunction, checkKnownOptions, checkOptions, checkScheduler, describeValue, type KnownOptions } from '../internal/validate.js';
import { isConfluentConsumer, type KafkaCommittedOffset, type KafkaConsumerLike, type KafkaProducerLike } from './client.js';
import type {
  ConsumeKafkaOptions,
  KafkaCommit,
  KafkaConsumerStatus,
  KafkaDelivery,
  KafkaFailurePolicy,
  KafkaHandler,
  KafkaKey,
} from './types.js';

/** The operator's name, at the start of every error message of the Kafka adapter. */
export const OPERATOR = 'consumeKafka';

/**
 * How long `recordFinished` waits for a confluent consumer's `committed()` (librdkafka waits forever by
 * default). A partition's first batch waits for that read, and while a batch is being passed on the client
 * does not poll librdkafka, so a read that never answered would hold every rebalance of the group. A read
 * that times out marks nothing: those messages are handled again (duplicates, not a loss).
 */
export const COMMITTED_TIMEOUT_MS = 10_000;

const DEFAULT_FAILURE: Outcome = { nak: 1000 };
const CONSUME_KAFKA_OPTIONS = {
  parallelism: true,
  perKey: true,
  key: true,
  handler: true,
  onError: true,
  deadLetter: true,
  maxAttempts: true,
  recordFinished: true,
  readCommitted: true,
  stop: true,
  onStatus: true,
  onCommit: true,
  commitInterval: true,
  heartbeatInterval: true,
  scheduler: true,
  monitor: true,
} as const satisfies Record<keyof ConsumeKafkaOptions<KafkaKey>, true> & KnownOptions;

/** {@link ConsumeKafkaOptions} checked, with every default filled in. */
export interface KafkaRunConfig<K> {
  parallelism: number;
  perKey: number;
  key: (delivery: KafkaDelivery) => K;
  handler: KafkaHandler<K>;
  onError: KafkaFailurePolicy;
  deadLetter: ((delivery: KafkaDelivery, error: unknown) => ObservableInput<unknown> | void) | undefined;
  maxAttempts: number;
  /** Set with `recordFinished`: reads committed offsets and their metadata. */
  readCommitted: ((partitions: readonly { topic: string; partition: number }[]) => Promise<readonly KafkaCommittedOffset[]>) | undefined;
  stop: StopSignal | undefined;
  onStatus: ((status: KafkaConsumerStatus) => void) | undefined;
  onCommit: ((commit: KafkaCommit) => void) | undefined;
  commitInterval: number;
  heartbeatInterval: number;
  scheduler: SchedulerLike;
  monitor: MonitorHub | undefined;
}

/** The default lane key: the message key decoded as UTF-8, or `null` (no order) without one. */
const messageKey = (delivery: KafkaDelivery): string | null => {
  const key = delivery.message.key;
  return key === null || key === undefined ? null : key.toString();
};

/**
 * Checks the arguments of {@link consumeKafka} when it is called (so a mistake throws at the call site)
 * and fills in the defaults.
 */
export function readConsumeKafkaOptions<K extends KafkaKey>(
  consumer: KafkaConsumerLike,
  options: ConsumeKafkaOptions<K>,
): KafkaRunConfig<K> {
  checkConsumer(consumer);
  checkOptions(OPERATOR, options);
  checkKnownOptions(OPERATOR, options, CONSUME_KAFKA_OPTIONS);
  const {
    parallelism,
    perKey = 1,
    key = messageKey as unknown as (delivery: KafkaDelivery) => K,
    handler,
    onError = DEFAULT_FAILURE,
    deadLetter,
    maxAttempts = Infinity,
    recordFinished = false,
    readCommitted,
    stop,
    onStatus,
    onCommit,
    commitInterval = 5000,
    heartbeatInterval = 1000,
    scheduler = asyncScheduler,
  } = options;
  checkParallelismAndPerKey(OPERATOR, parallelism, perKey);
  checkFunction(OPERATOR, 'key', key);
  checkFunction(OPERATOR, 'handler', handler);
  checkFailurePolicy(OPERATOR, onError);
  const deadLetterFn = readDeadLetter(deadLetter);
  if (typeof maxAttempts !== 'number') throw new TypeError(`${OPERATOR}: maxAttempts must be a number, got ${describeValue(maxAttempts)}`);
  if (!(maxAttempts === Infinity || (Number.isInteger(maxAttempts) && maxAttempts >= 1))) {
    throw new RangeError(`${OPERATOR}: maxAttempts must be an integer ≥ 1 or Infinity, got ${describeValue(maxAttempts)}`);
  }
  if (typeof recordFinished !== 'boolean') {
    throw new TypeError(`${OPERATOR}: recordFinished must be a boolean, got ${describeValue(recordFinished)}`);
  }
  if (readCommitted !== undefined) checkFunction(OPERATOR, 'readCommitted', readCommitted);
  let reader: KafkaRunConfig<K>['readCommitted'];
  if (recordFinished) {
    if (readCommitted !== undefined) reader = readCommitted;
    else if (isConfluentConsumer(consumer))
      reader = (partitions) =>
        consumer.committed(
          partitions.map(({ topic, partition }) => ({ topic, partition })),
          COMMITTED_TIMEOUT_MS,
        );
    else {
      throw new TypeError(
        `${OPERATOR}: recordFinished needs readCommitted for a consumer without committed() (kafkajs): pass e.g. readCommitted: committedFromAdmin(admin, groupId)`,
      );
    }
  }
  checkStopSignal(OPERATOR, stop);
  if (onStatus !== undefined) checkFunction(OPERATOR, 'onStatus', onStatus);
  if (onCommit !== undefined) checkFunction(OPERATOR, 'onCommit', onCommit);
  checkPositiveFinite('commitInterval', commitInterval);
  checkPositiveFinite('heartbeatInterval', heartbeatInterval);
  checkScheduler(OPERATOR, scheduler);
  return {
    parallelism,
    perKey,
    key,
    handler,
    onError,
    deadLetter: deadLetterFn,
    maxAttempts,
    readCommitted: reader,
    stop,
    onStatus,
    onCommit,
    commitInterval,
    heartbeatInterval,
    scheduler,
    monitor: readMonitor(OPERATOR, options.monitor),
  };
}

/** The longest `Lanes-Error` header written. */
const MAX_ERROR_HEADER = 1000;

/** Checks `deadLetter` and turns a {@link KafkaDeadLetterTopic} into the function producing to it. */
function readDeadLetter(deadLetter: unknown): KafkaRunConfig<never>['deadLetter'] {
  if (deadLetter === undefined || typeof deadLetter === 'function') return deadLetter as KafkaRunConfig<never>['deadLetter'];
  const d = deadLetter as { producer?: { send?: unknown }; topic?: unknown } | null;
  if (typeof d !== 'object' || d === null) {
    throw new TypeError(`${OPERATOR}: deadLetter must be a function or { producer, topic }, got ${describeValue(deadLetter)}`);
  }
  checkKnownOptions(`${OPERATOR}: deadLetter`, d, { producer: true, topic: true });
  if (typeof d.producer !== 'object' || d.producer === null || typeof d.producer.send !== 'function') {
    throw new TypeError(`${OPERATOR}: deadLetter.producer must be a producer (with send()), got ${describeValue(d.producer)}`);
  }
  if (typeof d.topic !== 'string' || d.topic.length === 0) {
    throw new TypeError(`${OPERATOR}: deadLetter.topic must be a non-empty string, got ${describeValue(d.topic)}`);
  }
  const producer = d.producer as KafkaProducerLike;
  const topic = d.topic;
  return (delivery, error) => {
    const { message } = delivery;
    const headers = { ...message.headers } as Record<string, Buffer | string | (Buffer | string)[] | undefined>;
    headers['Lanes-Topic'] = delivery.topic;
    headers['Lanes-Partition'] = String(delivery.partition);
    headers['Lanes-Offset'] = message.offset;
    headers['Lanes-Attempts'] = String(delivery.attempt);
    if (error !== undefined) headers['Lanes-Error'] = describeError(error).slice(0, MAX_ERROR_HEADER);
    return producer.send({ topic, messages: [{ key: message.key, value: message.value, headers }] });
  };
}

function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  try {
    return typeof error === 'string' ? error : String(error);
  } catch {
    return Object.prototype.toString.call(error);
  }
}

function checkConsumer(consumer: unknown): void {
  const c = consumer as Record<string, unknown> | null;
  const has = (...names: string[]) => names.every((name) => typeof c![name] === 'function');
  let ok = typeof c === 'object' && c !== null && has('run', 'seek', 'commitOffsets');
  if (ok) {
    // the confluent consumer's `events` getter throws: only read it of a kafkajs-like consumer
    ok =
      typeof c!.assignment === 'function'
        ? has('disconnect', 'committed')
        : has('stop', 'on') && typeof c!.events === 'object' && c!.events !== null;
  }
  if (ok && typeof c!.assignment === 'function' && autoCommits(c!)) {
    throw new TypeError(
      `${OPERATOR}: the consumer commits offsets on its own (enable.auto.commit), past messages not handled yet: create it with kafkaJS: { autoCommit: false }`,
    );
  }
  if (!ok) {
    throw new TypeError(
      `${OPERATOR}: consumer must be a kafkajs Consumer (run, stop, seek, commitOffsets, on, events) or an @confluentinc/kafka-javascript KafkaJS Consumer (run, seek, commitOffsets, assignment, committed, disconnect), got ${describeValue(consumer)}`,
    );
  }
}

/**
 * Whether a confluent consumer auto-commits (its default). Read from its librdkafka configuration,
 * which the client keeps on its internal client; when that is not readable, nothing is assumed.
 */
function autoCommits(consumer: Record<string, unknown>): boolean {
  try {
    const internal = (consumer._getInternalClient as (() => { globalConfig?: Record<string, unknown> } | null) | undefined)?.call(consumer);
    const config = internal?.globalConfig;
    if (typeof config !== 'object' || config === null) return false;
    const value = config['enable.auto.commit'];
    return value !== false && value !== 'false';
  } catch {
    return false;
  }
}

function checkPositiveFinite(name: string, value: unknown): void {
  if (typeof value !== 'number') throw new TypeError(`${OPERATOR}: ${name} must be a number, got ${describeValue(value)}`);
  if (!(value > 0) || value === Infinity) {
    throw new RangeError(`${OPERATOR}: ${name} must be a finite number > 0, got ${describeValue(value)}`);
  }
}
