import { Global, Inject, Injectable, Logger, Module, type OnApplicationShutdown } from '@nestjs/common';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { ORDERS_CONFIG, type OrdersConfig } from '../config.js';

const RETRY_MS = 1000;

/**
 * The NATS connection, made in the background: the application starts (and its HTTP server answers
 * "not ready") while NATS is down. `connection` resolves once a first connection succeeded; after that
 * the client reconnects on its own for as long as it takes (a nats-server restart), and the lanes
 * server restarts its run if consuming failed meanwhile.
 *
 * Closed last: `onApplicationShutdown` runs after every `beforeApplicationShutdown` hook, so the lanes
 * server has drained (and its acks were written to the socket) before `drain()` flushes and closes it.
 */
@Injectable()
export class NatsClient implements OnApplicationShutdown {
  private readonly logger = new Logger('Nats');
  private readonly stop = new AbortController();
  private nc: NatsConnection | undefined;
  /** The connection, once NATS answered (never rejects before shutdown). */
  readonly connection: Promise<NatsConnection>;

  constructor(@Inject(ORDERS_CONFIG) private readonly config: OrdersConfig) {
    this.connection = this.connectWithRetry();
    this.connection.catch(() => undefined); // rejects only when shut down before connecting
  }

  async onApplicationShutdown(): Promise<void> {
    this.stop.abort();
    const nc = this.nc;
    if (nc === undefined || nc.isClosed()) return;
    await nc.drain();
    this.logger.log('connection drained and closed');
  }

  private async connectWithRetry(): Promise<NatsConnection> {
    let reported = '';
    while (!this.stop.signal.aborted) {
      try {
        // A failed first attempt fails at once (no waitOnFirstConnect: that would block without a way to stop it).
        const nc = await connect({ servers: this.config.natsUrl, name: 'orders-service', maxReconnectAttempts: -1, reconnectTimeWait: 500 });
        if (this.stop.signal.aborted) {
          await nc.close();
          break;
        }
        this.nc = nc;
        this.logger.log(`connected to ${nc.getServer()}`);
        void this.watch(nc);
        return nc;
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        if (message !== reported) this.logger.warn(`NATS not reachable (${message}); retrying every ${RETRY_MS} ms`);
        reported = message;
        await new Promise<void>((resolve) => {
          const timer = setTimeout(resolve, RETRY_MS);
          this.stop.signal.addEventListener('abort', () => (clearTimeout(timer), resolve()), { once: true });
        });
      }
    }
    throw new Error('shut down before NATS was reachable');
  }

  /** Logs disconnections and reconnections (the client handles them). */
  private async watch(nc: NatsConnection): Promise<void> {
    for await (const status of nc.status()) {
      if (status.type === 'disconnect' || status.type === 'reconnect') this.logger.warn(`NATS ${status.type}`);
    }
  }
}

@Global()
@Module({ providers: [NatsClient], exports: [NatsClient] })
export class NatsModule {}
