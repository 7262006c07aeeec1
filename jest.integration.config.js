/** Integration suites: real servers (nats-server), started and stopped by the suites themselves. */
const base = require('./jest.config.js');
module.exports = {
  ...base,
  testMatch: ['<rootDir>/spec/integration/**/*.spec.ts'],
  testPathIgnorePatterns: ['/node_modules/', '<rootDir>/spec/integration/kafka/'], // the Kafka suites: jest.kafka.config.js
  testTimeout: 120000,
};
