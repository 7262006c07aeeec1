import { map, type Observable } from 'rxjs';
import { batchByLane, mapAsyncPartitionedUnordered, Valve, type BatchSettlement } from 'rxjs-lanes';
import {
  fromJetStream,
  settleBatchResults,
  type JetStreamConsumerStatus,
  type JetStreamDelivery,
  type Outcome,
  type JetStreamPullConsumer,
  type JetStreamSettlement,
  type StopSignal,
} from 'rxjs-lanes/jetstream';
import { orderIdOf } from './order-event.js';
import type { ProcessedEvent } from './order-processor.js';

export interface OrdersPipelineOptions {
  /** Deliveries fetched and not yet settled (both steps together). */
  readonly window: number;
  /** Per-event steps running or waiting for their order at once. */
  readonly parallelism: number;
  readonly batchSize: number;
  readonly batchMaxWaitMs: number;
  readonly batchConcurrency: number;
  /** Graceful drain: stop fetching, finish and settle what was fetched, complete. */
  readonly stop: StopSignal;
  /** The adapter's life cycle; `'consuming'` is the readiness signal. */
  readonly onStatus: (status: JetStreamConsumerStatus) => void;
  /** The per-event step (one at a time per order). */
  readonly process: (delivery: JetStreamDelivery, orderId: string, signal: AbortSignal) => Promise<ProcessedEvent>;
  /** The bulk step's lane: the store shard an event is written to (all events of an order go to one shard). */
  readonly shardOf: (event: ProcessedEvent) => number;
  /** The bulk step: one call per batch of one shard, one outcome per event, positionally. */
  readonly writeBatch: (shard: number, batch: readonly ProcessedEvent[], signal: AbortSignal) => Promise<Outcome[]>;
}

/**
 * The orders pipeline, framework-free (the Nest provider only wires it):
 *
 * 1. `fromJetStream` fetches only for free slots of `window` (and never while a step below is full:
 *    they share one `Valve`), and drains on `stop`.
 * 2. `mapAsyncPartitionedUnordered`, keyed by order id, `perKey: 1`: an order's events are handled
 *    one at a time in delivery order, up to `parallelism` orders at once. Unordered output: JetStream
 *    acks are per message, so a slow order need not hold back the others' results (per-order order is
 *    kept either way); use `mapAsyncPartitioned` when the next step needs the stream's order.
 * 3. `batchByLane`, keyed by store shard (a coarser key: every event of an order maps to the same
 *    shard): processed events are written in bulk, one batch at a time per shard and in arrival order,
 *    so each order's events are written in order too; at most `batchSize` per write, at most
 *    `batchConcurrency` writes at once. Events that arrive while their shard's write runs form its next
 *    batch, so a slow store gets fewer, bigger writes; a lone event waits at most `batchMaxWaitMs`.
 *    `ordered: false`: a batch is acked as soon as it is written.
 * 4. `settleBatchResults` acks / terms / naks each message with its own positional result. A message is
 *    settled only after it was processed and written: at-least-once, nothing acked early.
 *
 * The output completes after a drain, once every fetched message was settled.
 */
export function ordersPipeline(consumer: JetStreamPullConsumer, options: OrdersPipelineOptions): Observable<JetStreamSettlement<number>> {
  const valve = new Valve();
  return fromJetStream(consumer, { window: options.window, valve, stop: options.stop, onStatus: options.onStatus }).pipe(
    mapAsyncPartitionedUnordered({
      parallelism: options.parallelism,
      perKey: 1,
      key: orderIdOf,
      valve,
      project: (delivery: JetStreamDelivery, orderId: string, { signal }) => options.process(delivery, orderId, signal),
    }),
    batchByLane(
      {
        key: options.shardOf,
        size: options.batchSize,
        maxWait: options.batchMaxWaitMs,
        concurrency: options.batchConcurrency,
        maxInFlight: options.window, // the source's window bounds it anyway; maxWait flushes partial batches
        ordered: false,
        valve,
      },
      (batch: readonly ProcessedEvent[], shard: number, { signal }) => options.writeBatch(shard, batch, signal),
    ),
    map(toDeliverySettlement),
    settleBatchResults<number>(),
  );
}

/** `settleBatchResults` settles the batched value itself, so hand it the delivery each event came from. */
function toDeliverySettlement<K, R>(s: BatchSettlement<ProcessedEvent, K, R>): BatchSettlement<JetStreamDelivery, K, R> {
  const value = s.value.delivery;
  return s.ok ? { value, key: s.key, ok: true, result: s.result } : { value, key: s.key, ok: false, error: s.error };
}
