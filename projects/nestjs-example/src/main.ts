import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module.js';
import { readConfig } from './config.js';
import { OrdersConsumer } from './orders/orders-consumer.js';

async function bootstrap(): Promise<void> {
  const config = readConfig();
  const app = await NestFactory.create(AppModule.register(config), { logger: ['log', 'warn', 'error'] });
  // SIGTERM / SIGINT run the shutdown hooks: OrdersConsumer drains (beforeApplicationShutdown), then the
  // HTTP server, the ledger and the NATS connection close. `useProcessExit` ends with exit code 0 instead
  // of re-raising the signal, so an orchestrator sees a clean exit after a complete drain.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  await app.listen(config.httpPort, config.httpHost);
  const address = app.getHttpServer().address() as AddressInfo;
  new Logger('Main').log(`listening on http://${address.address}:${address.port} (pid ${process.pid})`);

  app.get(OrdersConsumer).failed.catch(async () => {
    // Already logged. Close what can be closed and exit non-zero; unsettled messages are redelivered.
    process.exitCode = 1;
    await app.close().catch(() => undefined);
    process.exit(1);
  });
}

bootstrap().catch((error: unknown) => {
  new Logger('Main').error(`start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
