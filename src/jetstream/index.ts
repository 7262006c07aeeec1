/**
 * `rxjs-lanes/jetstream`: a durable NATS JetStream pull consumer as an Observable whose intake is bounded by
 * the pipeline, with every message settled (ack, nak, term) only after it was processed.
 *
 * @remarks
 * `consumeJetStream` runs one handler per message, many keys in parallel and each key in order, with retries,
 * dead letters, keep-alive and a graceful drain; `fromJetStream` is the building block under it (a bounded
 * window of deliveries for any operator of the pack); `settleBatchResults` settles `batchByLane`'s
 * settlements. No `@nats-io/*` code is loaded: the client is described by structural types. Guide:
 * docs/guides/brokers.md in the repository.
 *
 * @packageDocumentation
 */
// rxjs-lanes/jetstream: the NATS JetStream adapter. No import of @nats-io/* at all (an optional peer
// dependency): the client is described by structural types (types.ts), so this entry loads no NATS code at
// runtime and its declarations compile without @nats-io installed; it works on the consumer you pass in.
export { fromJetStream } from './fromJetStream.js';
export type { FromJetStreamOptions, JetStreamConsumerStatus, JetStreamDiagnostic } from './fromJetStream.js';
export type {
  JetStreamConsumerConfig,
  JetStreamConsumerInfo,
  JetStreamDeliveryInfo,
  JetStreamHeaders,
  JetStreamMessage,
  JetStreamMessages,
  JetStreamNotification,
  JetStreamPullConsumer,
  JetStreamPullOptions,
} from './types.js';
export type { DeadLetterOptions, RetryOptions } from './retry.js';
// Defined once for both adapters (the same types as rxjs-lanes/kafka's).
export type { Outcome } from '../broker/Outcome.js';
export type { StopSignal } from '../broker/StopSignal.js';
export type { JetStreamDelivery, KeepAliveOptions } from './JetStreamDelivery.js';
export { consumeJetStream } from './consumeJetStream.js';
export type {
  ConsumeJetStreamOptions,
  JetStreamFailurePolicy,
  JetStreamHandler,
  JetStreamHandlerContext,
  JetStreamSettlement,
} from './consumeJetStream.js';
export { settleBatchResults } from './settleBatchResults.js';
export type { JetStreamBatchResult, SettleBatchResultsOptions } from './settleBatchResults.js';
// The flow-control signal the options take, re-exported so this entry is self-contained (same class as
// the main entry's).
export { Valve } from '../flow/Valve.js';
export type { ValveLease } from '../flow/Valve.js';
export type { LanesMonitor, LanesSnapshot, LanesRunSnapshot, LanesCounts, LanesKeyBacklog, LanesAckLag } from '../types.js';
