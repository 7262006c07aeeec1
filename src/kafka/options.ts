import { asyncScheduler, type ObservableInput, type SchedulerLike } from 'rxjs';
import { checkParallelismAndPerKey } from '../broker/checkPerKey.js';
import { checkFailurePolicy, type Outcome } from '../broker/Outcome.js';
import { checkStopSignal, type StopSignal } from '../broker/StopSignal.js';
import { checkFunction, checkKnownOptions, checkOptions, checkScheduler, describeValue, type KnownOptions } from '../internal/validate.js';
import type {
  ConsumeKafkaOptions,
  KafkaCommit,
  KafkaConsumerLike,
  KafkaConsumerStatus,
  KafkaDelivery,
  KafkaFailurePolicy,
  KafkaHandler,
  KafkaKey,
} from './types.js';

/** The operator's name, at the start of every error message of the Kafka adapter. */
export const OPERATOR = 'consumeKafka';

const DEFAULT_FAILURE: Outcome = { nak: 1000 };
const CONSUME_KAFKA_OPTIONS = {
  parallelism: true,
  perKey: true,
  key: true,
  handler: true,
  onError: true,
  deadLetter: true,
  stop: true,
  onStatus: true,
  onCommit: true,
  commitInterval: true,
  heartbeatInterval: true,
  scheduler: true,
} as const satisfies Record<keyof ConsumeKafkaOptions<KafkaKey>, true> & KnownOptions;

/** {@link ConsumeKafkaOptions} checked, with every default filled in. */
export interface KafkaRunConfig<K> {
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
  if (deadLetter !== undefined) checkFunction(OPERATOR, 'deadLetter', deadLetter);
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
    deadLetter,
    stop,
    onStatus,
    onCommit,
    commitInterval,
    heartbeatInterval,
    scheduler,
  };
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
    throw new TypeError(
      `${OPERATOR}: consumer must be a kafkajs Consumer (run, stop, seek, commitOffsets, on, events), got ${describeValue(consumer)}`,
    );
  }
}

function checkPositiveFinite(name: string, value: unknown): void {
  if (typeof value !== 'number') throw new TypeError(`${OPERATOR}: ${name} must be a number, got ${describeValue(value)}`);
  if (!(value > 0) || value === Infinity) {
    throw new RangeError(`${OPERATOR}: ${name} must be a finite number > 0, got ${describeValue(value)}`);
  }
}
