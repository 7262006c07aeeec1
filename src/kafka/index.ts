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
// Defined once for both adapters (the same types as rxjs-lanes/jetstream's).
export type { Outcome } from '../broker/Outcome.js';
export type { StopSignal } from '../broker/StopSignal.js';
export { CommitTracker } from './CommitTracker.js';
export type { CommitPoint, OffsetTicket } from './CommitTracker.js';
