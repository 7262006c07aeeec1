import { Inject, Injectable, Logger, type OnApplicationShutdown, type OnModuleInit } from '@nestjs/common';
import { open, type FileHandle } from 'node:fs/promises';
import { Subject, type Subscription } from 'rxjs';
import { batchByLane } from 'rxjs-lanes';
import type { Outcome } from 'rxjs-lanes/jetstream';
import { ORDERS_CONFIG, type OrdersConfig } from '../config.js';
import { simulatedLatency } from '../simulated-latency.js';
import type { ProcessedEvent } from './order-processor.js';
import { shardOf } from './shard.js';

/** One line of the ledger file (JSON lines): what was processed, by which process, in which bulk write. */
export interface LedgerLine {
  readonly kind: 'event' | 'rejected';
  readonly orderId: string;
  /** The event's per-order sequence number (absent when rejected before it could be read). */
  readonly seq?: number;
  readonly reason?: string;
  /** The ledger shard the event was written to (the bulk step's lane). */
  readonly shard: number;
  /** The message's stream sequence and delivery count (> 1 means a redelivery). */
  readonly streamSeq: number;
  readonly deliveryCount: number;
  readonly pid: number;
  /** The per-event step's start and finish ticks (one clock per process). */
  readonly started: number;
  readonly finished: number;
  /** The bulk write that recorded it (numbered per process). */
  readonly write: number;
}

/** An event waiting for its shard's next write, and the handler waiting for its outcome. */
interface Pending {
  readonly processed: ProcessedEvent;
  readonly resolve: (outcome: Outcome) => void;
  readonly reject: (error: unknown) => void;
}

/**
 * The bulk step's store, sharded: a JSON-lines file appended once per batch of one shard, after a
 * simulated round trip (`WRITE_MS`). It stands in for a bulk upsert into one partition of an orders
 * table; the e2e test reads it to check what was processed, in which order. A real store would commit
 * (and a file would `datasync`) before returning, since the messages are acknowledged right after.
 *
 * Group commit: `record()` hands an event to `batchByLane`, keyed by shard (every event of an order goes
 * to one shard), one write at a time per shard, at most `BATCH_SIZE` events per write and
 * `BATCH_CONCURRENCY` writes at once; events that arrive while their shard's write runs form its next
 * batch, so a slow store gets fewer, bigger writes. The handler awaits its event's write, so a message is
 * acked only after it was written, and an order's next event starts only after this one was written.
 * At most `PARALLELISM` events wait here (one per running handler).
 */
@Injectable()
export class OrdersLedger implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('OrdersLedger');
  private file: FileHandle | undefined;
  private writes = 0;
  private readonly pending = new Subject<Pending>();
  private subscription: Subscription | undefined;

  constructor(@Inject(ORDERS_CONFIG) private readonly config: OrdersConfig) {}

  async onModuleInit(): Promise<void> {
    this.file = await open(this.config.ledgerFile, 'a');
    const { config } = this;
    this.subscription = this.pending
      .pipe(
        batchByLane(
          {
            key: (p: Pending) => this.shardOf(p.processed),
            size: config.batchSize,
            maxWait: config.batchMaxWaitMs,
            concurrency: config.batchConcurrency,
            maxInFlight: config.parallelism, // one event per running handler
            ordered: false,
          },
          (batch: readonly Pending[], shard: number, { signal }) => this.writeBatch(shard, batch.map((p) => p.processed), signal),
        ),
      )
      .subscribe({
        next: (s) => (s.ok ? s.value.resolve(s.result) : s.value.reject(s.error)),
        error: (error: unknown) => this.logger.error(`the ledger's batching failed: ${String(error)}`),
      });
  }

  /** Resolves with the event's outcome once its batch was written (or failed to be). */
  record(processed: ProcessedEvent): Promise<Outcome> {
    return new Promise<Outcome>((resolve, reject) => {
      if (this.subscription === undefined || this.subscription.closed) return reject(new Error('the ledger is closed'));
      this.pending.next({ processed, resolve, reject });
    });
  }

  /** Runs after every `beforeApplicationShutdown` hook, i.e. after the lanes server drained. */
  async onApplicationShutdown(): Promise<void> {
    this.pending.complete();
    this.subscription?.unsubscribe();
    await this.file?.close();
    this.file = undefined;
  }

  /** The shard an event is written to: the bulk step's lane key. */
  shardOf(event: ProcessedEvent): number {
    return shardOf(event.orderId, this.config.shards);
  }

  /**
   * Records one shard's batch in one write and returns one outcome per event, positionally: `'ack'` once
   * written, `'term'` for a rejected event (a poison message is dead-lettered, not retried), and
   * `{ nak: 1000 }` for the whole batch when the write failed (retried in a second; per-message failures
   * are results, so the stream goes on). `signal` aborts when the pipeline is torn down mid-write.
   */
  async writeBatch(shard: number, batch: readonly ProcessedEvent[], signal: AbortSignal): Promise<Outcome[]> {
    const write = ++this.writes;
    const lines = batch.map((p): LedgerLine => {
      const common = {
        orderId: p.orderId,
        shard,
        streamSeq: p.delivery.info.streamSequence,
        deliveryCount: p.delivery.info.deliveryCount,
        pid: process.pid,
        started: p.started,
        finished: p.finished,
        write,
      };
      return 'rejected' in p.event
        ? { kind: 'rejected', reason: p.event.rejected, ...common }
        : { kind: 'event', seq: p.event.seq, ...common };
    });
    try {
      if (this.file === undefined) throw new Error('the ledger is closed');
      await simulatedLatency(this.config.writeMs, signal); // a database round trip, paid once per batch
      await this.file.appendFile(lines.map((line) => JSON.stringify(line) + '\n').join(''));
    } catch (error) {
      if (signal.aborted) throw error; // the pipeline was torn down: nothing to settle, the server redelivers
      this.logger.error(`write of ${batch.length} events to shard ${shard} failed; they will be redelivered: ${String(error)}`);
      return batch.map(() => ({ nak: 1000 }));
    }
    for (const line of lines) {
      if (line.kind === 'rejected') this.logger.warn(`order ${line.orderId}: terminated stream message ${line.streamSeq}: ${line.reason}`);
    }
    return lines.map((line) => (line.kind === 'event' ? 'ack' : 'term'));
  }
}
