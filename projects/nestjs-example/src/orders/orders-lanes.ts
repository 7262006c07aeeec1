import { jetstream } from '@nats-io/jetstream';
import { JetStreamLanesServer, LanesModule } from '@rxjs-lanes/nestjs';
import { ORDERS_CONFIG, type OrdersConfig } from '../config.js';
import { NatsClient, NatsModule } from '../nats/nats.module.js';
import { orderIdOf, parseOrderEvent } from './order-event.js';

/**
 * The lanes server consuming the orders stream: a Nest transport whose `@EventPattern('orders.*')`
 * handler (OrdersController) runs per order in order, `PARALLELISM` orders at once, each message settled
 * after its handler finished. Registered as a provider, so Nest drains it in `beforeApplicationShutdown`
 * and the health indicator reports it; `connectLanes(app)` in main.ts connects it.
 */
export const OrdersLanesModule = LanesModule.forRootAsync({
  name: 'orders',
  imports: [NatsModule],
  inject: [ORDERS_CONFIG, NatsClient],
  useFactory: (config: OrdersConfig, nats: NatsClient) =>
    new JetStreamLanesServer({
      name: 'orders',
      // Waits for NATS, then for the durable consumer (created by whoever owns the stream): until then the
      // status is 'connecting' and /health/ready answers 503.
      consumer: async () => jetstream(await nats.connection).consumers.get(config.stream, config.consumer),
      parallelism: config.parallelism,
      window: config.window,
      key: orderIdOf, // orders.<orderId>: one lane per order
      // The payload is the parsed event or why it is invalid; the processor and the ledger record rejections.
      decode: (delivery) => parseOrderEvent(delivery, orderIdOf(delivery)),
      onError: { nak: 1000 },
      restart: { delay: 250, maxDelay: 5000 },
    }),
});
