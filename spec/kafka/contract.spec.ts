// The contract suite of consumeKafka on the in-memory fake; the same suite runs on a real Kafka broker
// through kafkajs and @confluentinc/kafka-javascript in spec/integration/kafka/contract.spec.ts.
import { kafkaContract } from '../support/kafkaContract';
import { fakeBed } from '../support/kafkaTestBeds';

jest.setTimeout(30_000);

describe('consumeKafka contract (the fake kafkajs consumer)', () => {
  kafkaContract(async () => fakeBed());
});
