// rxjs-lanes/jetstream: the NATS JetStream adapter. Type-only imports of @nats-io/jetstream (an optional
// peer dependency): this entry loads no NATS code at runtime; it works on the consumer you pass in.
export { fromJetStream } from './fromJetStream.js';
export type { FromJetStreamOptions, JetStreamConsumerStatus, JetStreamPullConsumer } from './fromJetStream.js';
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
