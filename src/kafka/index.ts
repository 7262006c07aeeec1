// rxjs-lanes/kafka: the kafkajs adapter and the commit tracker. Type-only imports of kafkajs (an optional
// peer dependency): this entry loads no kafkajs code at runtime; it drives the consumer you pass in.
export { consumeKafka } from './consumeKafka.js';
export type {
  ConsumeKafkaOptions,
  KafkaCommit,
  KafkaCommitReason,
  KafkaConsumerLike,
  KafkaConsumerStatus,
  KafkaDelivery,
  KafkaFailurePolicy,
  KafkaHandler,
  KafkaHandlerContext,
  KafkaKey,
  KafkaSettlement,
} from './types.js';
// Defined once for both adapters (the same type as rxjs-lanes/jetstream's).
export type { StopSignal } from '../internal/stopSignal.js';
export type { KafkaOutcome } from './KafkaOutcome.js';
export { CommitTracker } from './CommitTracker.js';
export type { CommitPoint, OffsetTicket, TrackerOutcome } from './CommitTracker.js';
