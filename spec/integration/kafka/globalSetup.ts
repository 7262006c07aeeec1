/** Starts the one Kafka broker of the run (unless KAFKA_BROKERS points at one already). */
import { startKafkaBroker, type KafkaBroker } from '../../support/kafkaBroker';

export default async function globalSetup(): Promise<void> {
  if (process.env.KAFKA_BROKERS) return;
  const started = Date.now();
  const broker = await startKafkaBroker();
  (globalThis as { __kafkaBroker?: KafkaBroker }).__kafkaBroker = broker;
  process.env.KAFKA_BROKERS = broker.bootstrap;
  process.env.KAFKA_BROKER_LOG = broker.logFile;
  process.stdout.write(`\nKafka ${broker.version} (KRaft) on ${broker.bootstrap}, pid ${broker.pid}, up in ${Date.now() - started} ms\n`);
}
