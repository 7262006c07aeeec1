import type { INestApplication, INestMicroservice } from '@nestjs/common';
import { LanesRegistry } from './LanesRegistry.js';

/**
 * Connects every server registered with {@link LanesModule} to a hybrid application
 * (`app.connectMicroservice({ strategy: server }, { inheritAppConfig: true })`: global pipes, guards,
 * interceptors and filters apply to the `@EventPattern` handlers too). Then `await
 * app.startAllMicroservices()` starts consuming (in the background: it resolves at once).
 * @returns the connected microservices, in registration order.
 * @public
 */
export function connectLanes(app: INestApplication, options: { inheritAppConfig?: boolean } = {}): INestMicroservice[] {
  const { inheritAppConfig = true } = options;
  return app.get(LanesRegistry).servers.map((server) => app.connectMicroservice({ strategy: server }, { inheritAppConfig }));
}
