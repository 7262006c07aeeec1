/**
 * The repository's broker helpers, used as they are (not copied): spec/integration/natsServer.ts and
 * spec/support/kafkaBroker.ts, compiled by ci.sh with tsconfig.support.json into build/support. Typed here
 * by the part the e2e tests use.
 */
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface NatsServer {
  readonly url: string;
  /** Stops the server with SIGINT and starts it again on the same ports and store. */
  restart(options?: { downMs?: number }): Promise<void>;
  stop(): Promise<void>;
}

export interface KafkaBroker {
  readonly bootstrap: string;
  readonly version: string;
  stop(): Promise<void>;
}

const require = createRequire(import.meta.url);
const support = join(dirname(fileURLToPath(import.meta.url)), '..', 'support');

export function startNatsServer(): Promise<NatsServer> {
  return (require(join(support, 'integration', 'natsServer.js')) as { startNatsServer(): Promise<NatsServer> }).startNatsServer();
}

export function startKafkaBroker(): Promise<KafkaBroker> {
  return (require(join(support, 'support', 'kafkaBroker.js')) as { startKafkaBroker(): Promise<KafkaBroker> }).startKafkaBroker();
}
