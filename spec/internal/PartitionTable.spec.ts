import fc from 'fast-check';
import { PartitionTable } from '../../src/internal/asyncMap/PartitionTable';

describe('PartitionTable', () => {
  it('starts up to perKey jobs of a key at once and queues the rest in arrival order', () => {
    const table = new PartitionTable<string, string>(2);
    expect(table.arrive('a', 'a1')).toBe(true);
    expect(table.arrive('a', 'a2')).toBe(true);
    expect(table.arrive('a', 'a3')).toBe(false);
    expect(table.arrive('a', 'a4')).toBe(false);
    expect(table.arrive('b', 'b1')).toBe(true); // other keys are independent
    expect(table.inspect('a')).toEqual({ running: 2, waiting: 2 });
    expect(table.size).toBe(2);
  });

  it('finish hands over the slot to the oldest waiting job of the same key (running count unchanged)', () => {
    const table = new PartitionTable<string, string>(1);
    table.arrive('a', 'a1');
    table.arrive('a', 'a2');
    table.arrive('a', 'a3');
    expect(table.finish('a')).toBe('a2');
    expect(table.inspect('a')).toEqual({ running: 1, waiting: 1 });
    expect(table.finish('a')).toBe('a3');
    expect(table.finish('a')).toBeUndefined();
    expect(table.inspect('a')).toBeUndefined();
  });

  it('frees a key’s entry as soon as nothing of it runs or waits, and re-creates it on the next arrival', () => {
    const table = new PartitionTable<object, number>(3);
    const key = {};
    table.arrive(key, 1);
    table.arrive(key, 2);
    expect(table.size).toBe(1);
    table.finish(key);
    expect(table.size).toBe(1);
    table.finish(key);
    expect(table.size).toBe(0);
    expect(table.arrive(key, 3)).toBe(true);
    expect(table.inspect(key)).toEqual({ running: 1, waiting: 0 });
  });

  it('uses SameValueZero key equality (NaN is one key; 0 and -0 are one key; objects by identity)', () => {
    const table = new PartitionTable<unknown, number>(1);
    expect(table.arrive(NaN, 1)).toBe(true);
    expect(table.arrive(NaN, 2)).toBe(false);
    expect(table.arrive(0, 3)).toBe(true);
    expect(table.arrive(-0, 4)).toBe(false);
    expect(table.arrive({}, 5)).toBe(true);
    expect(table.arrive({}, 6)).toBe(true);
    expect(table.size).toBe(4);
  });

  it('treats undefined and null as ordinary keys', () => {
    const table = new PartitionTable<unknown, number>(1);
    expect(table.arrive(undefined, 1)).toBe(true);
    expect(table.arrive(undefined, 2)).toBe(false);
    expect(table.arrive(null, 3)).toBe(true);
    expect(table.finish(undefined)).toBe(2);
  });

  it('finish on an unknown key is a no-op returning undefined; clear forgets everything', () => {
    const table = new PartitionTable<string, number>(1);
    expect(table.finish('nope')).toBeUndefined();
    table.arrive('a', 1);
    table.arrive('a', 2);
    table.clear();
    expect(table.size).toBe(0);
    expect(table.inspect('a')).toBeUndefined();
    expect(table.arrive('a', 3)).toBe(true);
  });

  it('matches a model under random arrive/finish sequences (model-based)', () => {
    type Op = { kind: 'arrive'; key: number } | { kind: 'finish'; pick: number };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      // Few keys (jobs wait for their key) and many (more keys busy at once than the table keeps in its array).
      fc.record({ kind: fc.constant('arrive' as const), key: fc.oneof(fc.integer({ min: 0, max: 4 }), fc.integer({ min: 0, max: 40 })) }),
      fc.record({ kind: fc.constant('finish' as const), pick: fc.nat() }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.array(opArb, { maxLength: 200 }), (perKey, ops) => {
        const table = new PartitionTable<number, number>(perKey);
        const model = new Map<number, { running: number[]; waiting: number[] }>();
        let nextJob = 0;
        /** Started jobs per key, in start order: finishing one must hand over to the oldest waiting job. */
        for (const op of ops) {
          if (op.kind === 'arrive') {
            const job = nextJob++;
            const entry = model.get(op.key) ?? { running: [], waiting: [] };
            model.set(op.key, entry);
            const expectStart = entry.running.length < perKey;
            if (expectStart) entry.running.push(job);
            else entry.waiting.push(job);
            expect(table.arrive(op.key, job)).toBe(expectStart);
          } else {
            const keys = [...model.keys()];
            if (keys.length === 0) {
              expect(table.finish(op.pick)).toBeUndefined();
              continue;
            }
            const key = keys[op.pick % keys.length];
            const entry = model.get(key)!;
            entry.running.shift(); // which running job finished does not matter to the table
            const next = entry.waiting.shift();
            if (next !== undefined) entry.running.push(next);
            if (entry.running.length === 0) model.delete(key);
            expect(table.finish(key)).toBe(next);
          }
          // The table agrees with the model on every key, and holds entries only for busy keys.
          expect(table.size).toBe(model.size);
          const visited: number[] = [];
          table.forEach((key) => visited.push(key));
          expect(visited).toEqual([...model.keys()]); // in the order the entries were created, as a Map iterates
          for (const [key, entry] of model) {
            expect(table.inspect(key)).toEqual({ running: entry.running.length, waiting: entry.waiting.length });
            expect(entry.running.length).toBeLessThanOrEqual(perKey);
            if (entry.waiting.length > 0) expect(entry.running.length).toBe(perKey);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
