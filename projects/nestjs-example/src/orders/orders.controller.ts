import { Controller } from '@nestjs/common';
import { Ctx, EventPattern, Payload } from '@nestjs/microservices';
import type { JetStreamLanesContext } from '@rxjs-lanes/nestjs';
import type { Outcome } from 'rxjs-lanes/jetstream';
import type { OrderEvent } from './order-event.js';
import { OrderProcessor } from './order-processor.js';
import { OrdersLedger } from './orders-ledger.js';

/**
 * The orders handler. JetStreamLanesServer calls it per message of `orders.<orderId>`, one at a time per
 * order (the lane key is the order id) and up to `PARALLELISM` orders at once; the message is settled with
 * what it returns, once it returned: `'ack'` after the ledger wrote the event, `'term'` for a rejected
 * (poison) event, `{ nak: 1000 }` when the write failed.
 */
@Controller()
export class OrdersController {
  constructor(
    private readonly processor: OrderProcessor,
    private readonly ledger: OrdersLedger,
  ) {}

  @EventPattern<string>('orders.*')
  async apply(@Payload() parsed: OrderEvent | string, @Ctx() ctx: JetStreamLanesContext): Promise<Outcome> {
    const processed = await this.processor.process(ctx.getDelivery(), ctx.getKey(), parsed, ctx.getSignal());
    return this.ledger.record(processed);
  }
}
