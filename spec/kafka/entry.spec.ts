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
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- a synchronous load inside the isolated registry
      const entry = require('../../src/kafka') as Record<string, unknown>;
      expect(Object.keys(entry).sort()).toEqual(['CommitTracker', 'committedFromAdmin', 'consumeKafka']);
    });
  });

  it('imports nothing from a client library, not even types (it must compile without them)', () => {
    const dir = join(__dirname, '../../src/kafka');
    for (const file of readdirSync(dir)) {
      const source = readFileSync(join(dir, file), 'utf8');
      expect(`${file}: ${source.match(/from\s+'(kafkajs|@confluentinc\/[^']*)'/)?.[0] ?? 'none'}`).toBe(`${file}: none`);
    }
  });

  it('is not reachable from the main entry', () => {
    expect(readFileSync(join(__dirname, '../../src/index.ts'), 'utf8')).not.toMatch(/kafka/);
  });
});
