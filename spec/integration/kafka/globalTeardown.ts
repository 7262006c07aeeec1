/** Stops the broker globalSetup started. */
import type { KafkaBroker } from '../../support/kafkaBroker';

export default async function globalTeardown(): Promise<void> {
  const holder = globalThis as { __kafkaBroker?: KafkaBroker };
  await holder.__kafkaBroker?.stop();
  holder.__kafkaBroker = undefined;
}
