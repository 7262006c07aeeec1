import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { connectLanes } from '@rxjs-lanes/nestjs';
import type { AddressInfo } from 'node:net';
import { AppModule } from './app.module.js';
import { readConfig } from './config.js';

async function bootstrap(): Promise<void> {
  const config = readConfig();
  const app = await NestFactory.create(AppModule.register(config), { logger: ['log', 'warn', 'error'] });
  // The lanes server (OrdersLanesModule) as a transport of this hybrid app: the @EventPattern handlers
  // run in its lanes. startAllMicroservices() resolves at once; it consumes in the background (waiting for
  // NATS and the consumer), so the HTTP server comes up and answers "not ready" meanwhile.
  connectLanes(app);
  // SIGTERM / SIGINT run the shutdown hooks: the lanes server drains (beforeApplicationShutdown), then the
  // HTTP server, the ledger and the NATS connection close. `useProcessExit` ends with exit code 0 instead
  // of re-raising the signal, so an orchestrator sees a clean exit after a complete drain.
  app.enableShutdownHooks(['SIGTERM', 'SIGINT'], { useProcessExit: true });
  await app.startAllMicroservices();
  await app.listen(config.httpPort, config.httpHost);
  const address = app.getHttpServer().address() as AddressInfo;
  new Logger('Main').log(`listening on http://${address.address}:${address.port}`);
}

bootstrap().catch((error: unknown) => {
  new Logger('Main').error(`start-up failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
});
