import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ORDERS_CONFIG, type OrdersConfig } from '../config.js';

/** Injection token of the shared NATS connection. */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');

/**
 * Closes the connection last: `onApplicationShutdown` runs after every `beforeApplicationShutdown` hook,
 * so the orders consumer has drained (and its acks were written to the socket) before `drain()` flushes
 * and closes the connection.
 */
@Injectable()
class NatsLifecycle implements OnApplicationShutdown {
  private readonly logger = new Logger('Nats');

  constructor(@Inject(NATS_CONNECTION) private readonly nc: NatsConnection) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.nc.isClosed()) return;
    await this.nc.drain();
    this.logger.log('connection drained and closed');
  }
}

@Global()
@Module({
  providers: [
    {
      provide: NATS_CONNECTION,
      inject: [ORDERS_CONFIG],
      useFactory: async (config: OrdersConfig): Promise<NatsConnection> => {
        const nc = await connect({
          servers: config.natsUrl,
          name: `orders-service-${process.pid}`,
          waitOnFirstConnect: true, // start even if NATS comes up later (readiness stays false meanwhile)
          maxReconnectAttempts: -1,
        });
        new Logger('Nats').log(`connected to ${nc.getServer()}`);
        return nc;
      },
    },
    NatsLifecycle,
  ],
  exports: [NATS_CONNECTION],
})
export class NatsModule {}
