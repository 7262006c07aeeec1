// The contract suite of consumeKafka on a real Apache Kafka 4 broker (KAFKA_BROKERS, started by
// globalSetup.ts): through kafkajs 2.2.4, and through @confluentinc/kafka-javascript's KafkaJS API.
import { kafkaContract } from '../../support/kafkaContract';
import { confluentBed, kafkajsBed } from '../../support/kafkaTestBeds';

jest.setTimeout(120_000);

describe('consumeKafka contract on Kafka 4: kafkajs', () => {
  kafkaContract(kafkajsBed);
});

describe('consumeKafka contract on Kafka 4: @confluentinc/kafka-javascript', () => {
  kafkaContract(confluentBed);
});
