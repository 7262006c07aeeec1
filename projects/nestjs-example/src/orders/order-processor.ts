import { Inject, Injectable } from '@nestjs/common';
import type { JetStreamDelivery } from 'rxjs-lanes/jetstream';
import { ORDERS_CONFIG, type OrdersConfig } from '../config.js';
import { simulatedLatency } from '../simulated-latency.js';
import type { OrderEvent } from './order-event.js';

/** The result of the per-event step, handed to the ledger. */
export interface ProcessedEvent {
  readonly delivery: JetStreamDelivery;
  readonly orderId: string;
  /** The event, or the reason it was rejected (it will be terminated, not retried). */
  readonly event: OrderEvent | { readonly rejected: string };
  /** Ticks of this process's step clock when the step started and finished (they show the lanes at work). */
  readonly started: number;
  readonly finished: number;
}

/**
 * The per-event step: does the event's (simulated) asynchronous work — in a real service, pricing or a
 * stock reservation for the order. The lanes server calls the handler, and so this, at most once at a
 * time per order, in delivery order, and up to `parallelism` times at once across orders.
 */
@Injectable()
export class OrderProcessor {
  /** A step clock: incremented at every start and finish, so intervals can be compared within a process. */
  private tick = 0;

  constructor(@Inject(ORDERS_CONFIG) private readonly config: OrdersConfig) {}

  async process(delivery: JetStreamDelivery, orderId: string, parsed: OrderEvent | string, signal: AbortSignal): Promise<ProcessedEvent> {
    const started = ++this.tick;
    if (typeof parsed === 'string') return { delivery, orderId, event: { rejected: parsed }, started, finished: ++this.tick };
    await simulatedLatency(this.config.workMs, signal); // in a real service: pricing, stock, …
    return { delivery, orderId, event: parsed, started, finished: ++this.tick };
  }
}
