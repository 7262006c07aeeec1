import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

// kafkajs is an optional peer dependency: loading rxjs-lanes/kafka must not load it (it is only a
// source of types), and the main entry must not load the kafka code at all.
jest.mock('kafkajs', () => {
  throw new Error('kafkajs was loaded at runtime');
});

describe('rxjs-lanes/kafka entry', () => {
  it('loads without kafkajs', () => {
    jest.isolateModules(() => {
      const entry = require('../../src/kafka') as Record<string, unknown>;
      expect(Object.keys(entry).sort()).toEqual(['CommitTracker', 'consumeKafka']);
    });
  });

  it('imports only types from kafkajs', () => {
    const dir = join(__dirname, '../../src/kafka');
    for (const file of readdirSync(dir)) {
      const source = readFileSync(join(dir, file), 'utf8');
      for (const match of source.matchAll(/^(import|export)\s+(type\s+)?[^;]*?from\s+'kafkajs'/gms)) {
        expect(`${file}: ${match[0]}`).toContain(`${match[1]} type `);
      }
    }
  });

  it('is not reachable from the main entry', () => {
    expect(readFileSync(join(__dirname, '../../src/index.ts'), 'utf8')).not.toMatch(/kafka/);
  });
});
