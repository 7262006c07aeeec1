/**
 * `rxjs-lanes/kafka`: a Kafka consumer (kafkajs, or `@confluentinc/kafka-javascript`'s KafkaJS API) with one
 * handler call per message, in parallel across keys and in order within a key, committing each partition
 * only up to its first unfinished message.
 *
 * @remarks
 * `consumeKafka` runs the consumer (flow control by holding `eachBatch`, nak by seek, dead letters,
 * rebalances, drain and readiness); `CommitTracker` is the commit-offset data structure under it, usable
 * with any offset-based client; `committedFromAdmin` reads committed metadata for `recordFinished` with
 * kafkajs. No client library is loaded: the client is described by structural types. Guide:
 * docs/guides/brokers.md in the repository.
 *
 * @packageDocumentation
 */
// rxjs-lanes/kafka: the Kafka adapter (kafkajs, or @confluentinc/kafka-javascript's KafkaJS API) and the
// commit tracker. No client library is imported, not even for types: the client shapes are our own
// (./client.ts), so this entry compiles and loads without kafkajs; it drives the consumer you pass in.
export { consumeKafka } from './consumeKafka.js';
export { committedFromAdmin } from './committedFromAdmin.js';
export type { KafkaAdminLike } from './committedFromAdmin.js';
export type {
  ConfluentConsumerLike,
  KafkaBatchLike,
  KafkaBatchPayloadLike,
  KafkaCommittedOffset,
  KafkaConsumerCommon,
  KafkaConsumerEventLike,
  KafkaConsumerLike,
  KafkaHeaders,
  KafkajsConsumerLike,
  KafkaMessageLike,
  KafkaOffsetCommit,
  KafkaProducerLike,
  KafkaRunConfigLike,
} from './client.js';
export type {
  ConsumeKafkaOptions,
  KafkaCommit,
  KafkaCommitReason,
  KafkaConsumerStatus,
  KafkaDeadLetterTopic,
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
export type { LanesMonitor, LanesSnapshot, LanesRunSnapshot, LanesCounts, LanesKeyBacklog, LanesAckLag } from '../types.js';
