/**
 * Kafka integration suites: one real Apache Kafka 4.x broker (KRaft) for the whole run, started by
 * spec/integration/kafka/globalSetup.ts and stopped by globalTeardown.ts; its address is in KAFKA_BROKERS.
 * Run through spec/integration/kafka/run.sh (which fetches the broker and builds the confluent addon first).
 */
const base = require('./jest.config.js');
module.exports = {
  ...base,
  testMatch: ['<rootDir>/spec/integration/kafka/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  globalSetup: '<rootDir>/spec/integration/kafka/globalSetup.ts',
  globalTeardown: '<rootDir>/spec/integration/kafka/globalTeardown.ts',
  testTimeout: 120000,
};
