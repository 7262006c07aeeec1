import { Inject, Injectable, Logger, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { jetstream } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Subscription } from 'rxjs';
import type { JetStreamConsumerStatus, JetStreamPullConsumer } from 'rxjs-lanes/jetstream';
import { ORDERS_CONFIG, type OrdersConfig } from '../config.js';
import { NATS_CONNECTION } from '../nats/nats.module.js';
import { OrderProcessor } from './order-processor.js';
import { OrdersLedger } from './orders-ledger.js';
import { ordersPipeline } from './orders-pipeline.js';

/** The consumer's state: before the adapter runs (`'waiting-for-consumer'`), then the adapter's own status. */
export type OrdersConsumerStatus = 'waiting-for-consumer' | JetStreamConsumerStatus;

export interface OrdersConsumerStats {
  readonly status: OrdersConsumerStatus;
  /** Settled messages by outcome, since this process started. */
  readonly settled: Readonly<Record<'ack' | 'nak' | 'term', number>>;
  /** The most per-event steps seen running at once. */
  readonly maxRunning: number;
}

const RETRY_MS = 500;
const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve) => {
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });

/**
 * Runs the orders pipeline for the life of the application.
 *
 * - Starts after the application bootstrapped, without blocking it (the health endpoint answers at once,
 *   not ready) and waits for the durable consumer to exist: it is created by whoever owns the stream.
 * - Readiness is the adapter's `'consuming'` status.
 * - On shutdown (`beforeApplicationShutdown`: before the HTTP server and the NATS connection close) it
 *   aborts the stop signal and waits for the adapter's drain: no new fetch, every fetched message
 *   processed, written and acked, then the output completes.
 * - A pipeline failure is reported through {@link failed}; `main.ts` then closes the app and exits 1
 *   (the messages left unsettled are redelivered to the next instance after `ack_wait`).
 */
@Injectable()
export class OrdersConsumer implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger('OrdersConsumer');
  private readonly stop = new AbortController();
  private status: OrdersConsumerStatus = 'waiting-for-consumer';
  private readonly settled = { ack: 0, nak: 0, term: 0 };
  private subscription: Subscription | undefined;
  private run: Promise<void> = Promise.resolve();
  private rejectFailed!: (error: unknown) => void;
  /** Rejects when the pipeline fails (never resolves). */
  readonly failed = new Promise<never>((_, reject) => (this.rejectFailed = reject));

  constructor(
    @Inject(ORDERS_CONFIG) private readonly config: OrdersConfig,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    private readonly processor: OrderProcessor,
    private readonly ledger: OrdersLedger,
  ) {
    this.failed.catch(() => undefined); // observed by main.ts; never an unhandled rejection
  }

  get ready(): boolean {
    return this.status === 'consuming';
  }

  stats(): OrdersConsumerStats {
    return { status: this.status, settled: { ...this.settled }, maxRunning: this.processor.maxRunning };
  }

  onApplicationBootstrap(): void {
    this.logger.log(`consumer status: ${this.status}`);
    this.run = this.start().catch((error: unknown) => {
      this.logger.error(`orders pipeline failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      this.rejectFailed(error);
    });
  }

  async beforeApplicationShutdown(signal?: string): Promise<void> {
    this.logger.log(`shutdown (${signal ?? 'close'}): draining`);
    this.stop.abort();
    await this.run;
    this.subscription?.unsubscribe(); // a no-op once the pipeline completed or failed
    const ended = this.status === 'drained' ? 'drained' : `stopped (${this.status})`;
    this.logger.log(`${ended}: settled ${JSON.stringify(this.settled)}`);
  }

  private async start(): Promise<void> {
    const consumer = await this.awaitConsumer();
    if (consumer === undefined) return; // stopped before the consumer appeared
    const { config } = this;
    await new Promise<void>((resolve, reject) => {
      this.subscription = ordersPipeline(consumer, {
        window: config.window,
        parallelism: config.parallelism,
        batchSize: config.batchSize,
        batchMaxWaitMs: config.batchMaxWaitMs,
        batchConcurrency: config.batchConcurrency,
        stop: this.stop.signal,
        onStatus: (status) => this.setStatus(status),
        process: (delivery, orderId, signal) => this.processor.process(delivery, orderId, signal),
        shardOf: (event) => this.ledger.shardOf(event),
        writeBatch: (shard, batch, signal) => this.ledger.writeBatch(shard, batch, signal),
      }).subscribe({
        next: ({ outcome }) => {
          this.settled[typeof outcome === 'object' ? 'nak' : outcome]++;
        },
        error: reject,
        complete: resolve,
      });
    });
  }

  /** The durable consumer, once it exists; `undefined` if stopped first. */
  private async awaitConsumer(): Promise<JetStreamPullConsumer | undefined> {
    const js = jetstream(this.nc);
    let reported = '';
    while (!this.stop.signal.aborted) {
      try {
        return await js.consumers.get(this.config.stream, this.config.consumer);
      } catch (error) {
        // Not created yet (ConsumerNotFoundError / StreamNotFoundError), or JetStream not reachable yet:
        // stay not ready and retry; the health endpoint shows the status.
        const message = error instanceof Error ? error.message : String(error);
        if (message !== reported) this.logger.log(`waiting for consumer ${this.config.stream}/${this.config.consumer}: ${message}`);
        reported = message;
        await sleep(RETRY_MS, this.stop.signal);
      }
    }
    return undefined;
  }

  private setStatus(status: JetStreamConsumerStatus): void {
    this.status = status;
    this.logger.log(`consumer status: ${status}`);
  }
}
