import { Inject, Injectable } from '@nestjs/common';
import type { JetStreamDelivery } from 'rxjs-lanes/jetstream';
import { ORDERS_CONFIG, type OrdersConfig } from '../config.js';
import { simulatedLatency } from '../simulated-latency.js';
import { parseOrderEvent, type OrderEvent } from './order-event.js';

/** The result of the per-event step, handed to the bulk step. */
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
 * The per-event step: validates the event and does its (simulated) asynchronous work — in a real service,
 * pricing or a stock reservation for the order. The pipeline calls it at most once at a time per order, in
 * delivery order, and up to `parallelism` times at once across orders.
 */
@Injectable()
export class OrderProcessor {
  /** A step clock: incremented at every start and finish, so intervals can be compared within a process. */
  private tick = 0;
  private running = 0;
  /** The most steps seen running at once. */
  maxRunning = 0;

  constructor(@Inject(ORDERS_CONFIG) private readonly config: OrdersConfig) {}

  async process(delivery: JetStreamDelivery, orderId: string, signal: AbortSignal): Promise<ProcessedEvent> {
    const started = ++this.tick;
    this.running++;
    this.maxRunning = Math.max(this.maxRunning, this.running);
    try {
      const parsed = parseOrderEvent(delivery, orderId);
      if (typeof parsed === 'string') return { delivery, orderId, event: { rejected: parsed }, started, finished: ++this.tick };
      await simulatedLatency(this.config.workMs, signal); // in a real service: pricing, stock, …
      return { delivery, orderId, event: parsed, started, finished: ++this.tick };
    } finally {
      this.running--;
    }
  }
}
