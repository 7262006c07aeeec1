import fc from 'fast-check';
import { CommitTracker, OffsetTicket } from '../../src/kafka/CommitTracker';
import type { Outcome } from '../../src/kafka/index';

describe('CommitTracker', () => {
  describe('watermark', () => {
    it('is undefined before anything was delivered, and for an unassigned partition', () => {
      const t = new CommitTracker();
      expect(t.watermark('t', 0)).toBeUndefined();
      t.assign('t', 0);
      expect(t.watermark('t', 0)).toBeUndefined();
      expect(t.committable()).toEqual([]);
      expect(t.deliver('t', 1, 0)).toBeUndefined(); // partition 1 is not assigned
    });

    it('is the lowest unsettled offset, or one past the highest delivered when all are settled', () => {
      const t = new CommitTracker();
      t.assign('t', 0);
      const tickets = [0, 1, 2, 3].map((o) => t.deliver('t', 0, o)!);
      expect(t.watermark('t', 0)).toBe(0);
      t.settle(tickets[2], 'ack');
      t.settle(tickets[1], 'ack');
      expect(t.watermark('t', 0)).toBe(0); // offset 0 still runs
      t.settle(tickets[0], 'ack');
      expect(t.watermark('t', 0)).toBe(3); // 1 and 2 finished earlier, 3 runs
      t.settle(tickets[3], 'ack');
      expect(t.watermark('t', 0)).toBe(4);
    });

    it('a nak on offset 5 keeps 6..N from being committed even if they finished', () => {
      const t = new CommitTracker();
      t.assign('t', 0);
      const tickets = new Map<number, OffsetTicket>();
      for (let o = 0; o <= 9; o++) tickets.set(o, t.deliver('t', 0, o)!);
      for (let o = 0; o <= 9; o++) t.settle(tickets.get(o)!, o === 5 ? 'nak' : 'ack');
      expect(t.watermark('t', 0)).toBe(5);
      expect(t.unsettled('t', 0)).toBe(1); // only the nak'd one is remembered
      expect(t.redeliveryOffset('t', 0)).toBe(5);
    });

    it('term settles like an ack', () => {
      const t = new CommitTracker();
      t.assign('t', 0);
      const a = t.deliver('t', 0, 0)!;
      const b = t.deliver('t', 0, 1)!;
      t.settle(a, 'term');
      expect(t.watermark('t', 0)).toBe(1);
      t.settle(b, 'ack');
      expect(t.watermark('t', 0)).toBe(2);
    });

    it('tracks the offsets it is given: gaps (compaction, transaction markers) are not assumed to be +1', () => {
      const t = new CommitTracker();
      t.assign('t', 0);
      const a = t.deliver('t', 0, 10)!;
      const b = t.deliver('t', 0, 14)!; // 11..13 compacted away
      const c = t.deliver('t', 0, 20)!;
      t.settle(a, 'ack');
      expect(t.watermark('t', 0)).toBe(14);
      t.settle(c, 'ack');
      expect(t.watermark('t', 0)).toBe(14);
      t.settle(b, 'ack');
      expect(t.watermark('t', 0)).toBe(21);
      t.advance('t', 0, 23); // 21, 22 were transaction markers at the end of the fetch
      expect(t.watermark('t', 0)).toBe(23);
      t.advance('t', 0, 22); // never backwards
      expect(t.watermark('t', 0)).toBe(23);
      expect(t.deliver('t', 0, 22)).toBeUndefined(); // below the read position, never delivered: a gap
    });

    it('keeps partitions independent', () => {
      const t = new CommitTracker();
      t.assign('a', 0);
      t.assign('a', 1);
      t.assign('b', 0);
      const a0 = t.deliver('a', 0, 5)!;
      t.deliver('a', 1, 7);
      const b0 = t.deliver('b', 0, 1)!;
      t.settle(a0, 'ack');
      t.settle(b0, 'nak');
      expect(t.watermark('a', 0)).toBe(6);
      expect(t.watermark('a', 1)).toBe(7);
      expect(t.watermark('b', 0)).toBe(1);
      expect(t.unsettled()).toBe(2);
    });
  });

  describe('redelivery', () => {
    it("after seeking back, gives a ticket only to nak'd offsets; running and settled ones are skipped", () => {
      const t = new CommitTracker();
      t.assign('t', 0);
      const first = [0, 1, 2, 3, 4].map((o) => t.deliver('t', 0, o)!);
      t.settle(first[1], 'nak');
      t.settle(first[2], 'ack');
      t.settle(first[4], 'nak');
      // the client seeks back to 1 and fetches 1..6
      const again = [1, 2, 3, 4, 5, 6].map((o) => t.deliver('t', 0, o));
      expect(again.map((x) => x?.offset)).toEqual([1, undefined, undefined, 4, 5, 6]);
      expect(again[0]!.attempt).toBe(2);
      expect(again[3]!.attempt).toBe(2);
      expect(again[4]!.attempt).toBe(1);
      expect(t.redeliveryOffset('t', 0)).toBeUndefined();
      // the first delivery's ticket of offset 1 can no longer settle it
      expect(t.settle(first[1], 'ack')).toBe(false);
      expect(t.settle(again[0]!, 'ack')).toBe(true);
      expect(t.watermark('t', 0)).toBe(0);
      expect(t.settle(first[0], 'ack')).toBe(true);
      expect(t.watermark('t', 0)).toBe(3);
    });

    it('settles each delivery at most once', () => {
      const t = new CommitTracker();
      t.assign('t', 0);
      const a = t.deliver('t', 0, 0)!;
      expect(t.settle(a, 'nak')).toBe(true);
      expect(t.settle(a, 'ack')).toBe(false);
      expect(t.settle(a, 'nak')).toBe(false);
      const b = t.deliver('t', 0, 0)!;
      expect(t.settle(b, 'ack')).toBe(true);
      expect(t.settle(b, 'ack')).toBe(false);
      expect(t.watermark('t', 0)).toBe(1);
    });
  });

  describe('fencing by assignment generation', () => {
    it('ignores outcomes of a revoked partition', () => {
      const t = new CommitTracker();
      t.assign('t', 0);
      const a = t.deliver('t', 0, 3)!;
      t.revoke('t', 0);
      expect(t.settle(a, 'ack')).toBe(false);
      expect(t.watermark('t', 0)).toBeUndefined();
      expect(t.deliver('t', 0, 4)).toBeUndefined();
      expect(t.assigned()).toEqual([]);
    });

    it('ignores outcomes from an earlier generation after the partition is assigned again', () => {
      const t = new CommitTracker();
      const g1 = t.assign('t', 0);
      const old = t.deliver('t', 0, 3)!;
      t.deliver('t', 0, 4);
      const g2 = t.assign('t', 0); // rebalance: assigned again, fetch restarts from the committed offset
      expect(g2).toBeGreaterThan(g1);
      expect(old.generation).toBe(g1);
      const fresh = t.deliver('t', 0, 3)!;
      expect(fresh.generation).toBe(g2);
      expect(fresh.attempt).toBe(1);
      expect(t.settle(old, 'ack')).toBe(false);
      expect(t.watermark('t', 0)).toBe(3);
      expect(t.settle(fresh, 'ack')).toBe(true);
      expect(t.watermark('t', 0)).toBe(4);
    });

    it('ignores a commit point of an earlier generation', () => {
      const t = new CommitTracker();
      t.assign('t', 0);
      t.settle(t.deliver('t', 0, 0)!, 'ack');
      const [point] = t.committable();
      expect(point).toMatchObject({ topic: 't', partition: 0, offset: 1 });
      t.assign('t', 0);
      expect(t.committed(point)).toBe(false);
      t.settle(t.deliver('t', 0, 0)!, 'ack');
      expect(t.committable()).toHaveLength(1);
    });

    it('revokeAll fences everything', () => {
      const t = new CommitTracker();
      t.assign('a', 0);
      t.assign('b', 1);
      const a = t.deliver('a', 0, 0)!;
      const b = t.deliver('b', 1, 0)!;
      t.revokeAll();
      expect(t.settle(a, 'ack')).toBe(false);
      expect(t.settle(b, 'ack')).toBe(false);
      expect(t.unsettled()).toBe(0);
      expect(t.committable()).toEqual([]);
    });
  });

  describe('commit bookkeeping', () => {
    it('reports a partition only while its watermark is past the last recorded commit', () => {
      const t = new CommitTracker();
      t.assign('t', 0);
      t.assign('t', 1);
      const a = t.deliver('t', 0, 0)!;
      t.deliver('t', 1, 0);
      expect(t.committable()).toEqual([
        { topic: 't', partition: 0, offset: 0, generation: t.generation('t', 0) },
        { topic: 't', partition: 1, offset: 0, generation: t.generation('t', 1) },
      ]);
      for (const p of t.committable()) expect(t.committed(p)).toBe(true);
      expect(t.committable()).toEqual([]);
      expect(t.lastCommitted('t', 0)).toBe(0);
      t.settle(a, 'ack');
      expect(t.committable()).toEqual([{ topic: 't', partition: 0, offset: 1, generation: t.generation('t', 0) }]);
      t.committed({ topic: 't', partition: 0, offset: 1, generation: t.generation('t', 0)! });
      t.committed({ topic: 't', partition: 0, offset: 0, generation: t.generation('t', 0)! }); // a late, older one
      expect(t.lastCommitted('t', 0)).toBe(1);
      expect(t.committable()).toEqual([]);
    });
  });

  describe('memory', () => {
    it('forgets settled offsets above and below the watermark', () => {
      const t = new CommitTracker();
      t.assign('t', 0);
      const head = t.deliver('t', 0, 0)!;
      for (let o = 1; o <= 100_000; o++) t.settle(t.deliver('t', 0, o)!, 'ack');
      expect(t.unsettled('t', 0)).toBe(1);
      expect(t.watermark('t', 0)).toBe(0);
      t.settle(head, 'ack');
      expect(t.unsettled('t', 0)).toBe(0);
      expect(t.watermark('t', 0)).toBe(100_001);
    });
  });

  describe('bad input', () => {
    it('names the method, the parameter and the value', () => {
      const t = new CommitTracker();
      t.assign('t', 0);
      expect(() => t.deliver('t', 0, -1)).toThrow(new RangeError('CommitTracker.deliver: offset must be a safe integer ≥ 0, got -1'));
      expect(() => t.deliver('t', 0, 1.5)).toThrow(RangeError);
      expect(() => t.deliver('t', 0, 2 ** 53)).toThrow(RangeError);
      expect(() => t.deliver('t', 0, '5' as unknown as number)).toThrow(
        new TypeError('CommitTracker.deliver: offset must be a number, got "5"'),
      );
      expect(() => t.assign(5 as unknown as string, 0)).toThrow(new TypeError('CommitTracker.assign: topic must be a string, got 5'));
      expect(() => t.assign('t', -1)).toThrow(RangeError);
      expect(() => t.advance('t', 0, NaN)).toThrow(RangeError);
      expect(() => t.settle({ topic: 't', partition: 0, offset: 0, generation: 1, attempt: 1 }, 'ack')).toThrow(TypeError);
      const ticket = t.deliver('t', 0, 0)!;
      expect(() => t.settle(ticket, 'ok' as Outcome)).toThrow(
        new TypeError(`CommitTracker.settle: outcome: an outcome must be 'ack', 'nak', 'term' or { nak: delay }, got "ok"`),
      );
    });
  });

  describe('properties (against a simple model)', () => {
    type Status = 'running' | 'nak' | 'done';
    interface ModelPartition {
      generation: number;
      status: Map<number, Status>;
      attempts: Map<number, number>;
      read: number;
      committed: number;
    }
    interface Issued {
      ticket: OffsetTicket;
      key: string;
    }

    const PARTITIONS = [
      ['a', 0],
      ['a', 1],
      ['b', 0],
    ] as const;
    const keyOf = (topic: string, partition: number) => `${topic}/${partition}`;

    type Op =
      | { kind: 'assign'; p: number }
      | { kind: 'revoke'; p: number }
      | { kind: 'deliver'; p: number; gap: number }
      | { kind: 'redeliver'; p: number; pick: number }
      | { kind: 'settle'; pick: number; outcome: Outcome }
      | { kind: 'advance'; p: number; by: number }
      | { kind: 'commit'; stalePick: number };

    const p = fc.integer({ min: 0, max: PARTITIONS.length - 1 });
    const op: fc.Arbitrary<Op> = fc.oneof(
      { arbitrary: fc.record({ kind: fc.constant('assign' as const), p }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant('revoke' as const), p }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant('deliver' as const), p, gap: fc.integer({ min: 0, max: 3 }) }), weight: 10 },
      { arbitrary: fc.record({ kind: fc.constant('redeliver' as const), p, pick: fc.nat() }), weight: 4 },
      {
        arbitrary: fc.record({
          kind: fc.constant('settle' as const),
          pick: fc.nat(),
          outcome: fc.constantFrom<Outcome>('ack', 'ack', 'ack', 'nak', 'term'),
        }),
        weight: 10,
      },
      { arbitrary: fc.record({ kind: fc.constant('advance' as const), p, by: fc.integer({ min: 0, max: 3 }) }), weight: 1 },
      { arbitrary: fc.record({ kind: fc.constant('commit' as const), stalePick: fc.nat() }), weight: 2 },
    );

    function same(actual: unknown, expected: unknown, what: string): void {
      if (actual !== expected) throw new Error(`${what}: got ${String(actual)}, expected ${String(expected)}`);
    }

    function modelWatermark(m: ModelPartition): number | undefined {
      let lowest: number | undefined;
      for (const [offset, s] of m.status) if (s !== 'done' && (lowest === undefined || offset < lowest)) lowest = offset;
      if (lowest !== undefined) return lowest;
      return m.read >= 0 ? m.read : undefined;
    }

    it('matches the model under out-of-order completions, gaps, naks, redeliveries, revocations and reassignment', () => {
      fc.assert(
        fc.property(fc.array(op, { minLength: 30, maxLength: 200, size: 'medium' }), fc.nat({ max: 1000 }), (ops, start) => {
          const t = new CommitTracker();
          const model = new Map<string, ModelPartition>();
          const issued: Issued[] = [];
          const pointsSeen: { point: ReturnType<CommitTracker['committable']>[number] }[] = [];
          for (const [topic, partition] of PARTITIONS) {
            const generation = t.assign(topic, partition);
            model.set(keyOf(topic, partition), { generation, status: new Map(), attempts: new Map(), read: -1, committed: -1 });
          }

          for (const o of ops) {
            switch (o.kind) {
              case 'assign': {
                const [topic, partition] = PARTITIONS[o.p];
                const generation = t.assign(topic, partition);
                model.set(keyOf(topic, partition), { generation, status: new Map(), attempts: new Map(), read: -1, committed: -1 });
                break;
              }
              case 'revoke': {
                const [topic, partition] = PARTITIONS[o.p];
                t.revoke(topic, partition);
                model.delete(keyOf(topic, partition));
                break;
              }
              case 'deliver': {
                const [topic, partition] = PARTITIONS[o.p];
                const m = model.get(keyOf(topic, partition));
                const offset = (m && m.read >= 0 ? m.read : start) + o.gap;
                const ticket = t.deliver(topic, partition, offset);
                if (!m) {
                  expect(ticket).toBeUndefined();
                  break;
                }
                expect(ticket).toMatchObject({ topic, partition, offset, generation: m.generation, attempt: 1 });
                m.status.set(offset, 'running');
                m.attempts.set(offset, 1);
                m.read = offset + 1;
                issued.push({ ticket: ticket!, key: keyOf(topic, partition) });
                break;
              }
              case 'redeliver': {
                // the client sought back: any offset below the read position comes again
                const [topic, partition] = PARTITIONS[o.p];
                const m = model.get(keyOf(topic, partition));
                if (!m || m.read <= 0) break;
                const low = Math.max(0, start - 2);
                const offset = low + (o.pick % Math.max(1, m.read - low));
                const ticket = t.deliver(topic, partition, offset);
                if (m.status.get(offset) === 'nak') {
                  const attempt = m.attempts.get(offset)! + 1;
                  expect(ticket).toMatchObject({ offset, attempt, generation: m.generation });
                  m.status.set(offset, 'running');
                  m.attempts.set(offset, attempt);
                  issued.push({ ticket: ticket!, key: keyOf(topic, partition) });
                } else {
                  expect(ticket).toBeUndefined();
                }
                break;
              }
              case 'settle': {
                if (issued.length === 0) break;
                const { ticket, key } = issued[o.pick % issued.length];
                const m = model.get(key);
                const live =
                  m !== undefined &&
                  m.generation === ticket.generation &&
                  m.status.get(ticket.offset) === 'running' &&
                  m.attempts.get(ticket.offset) === ticket.attempt;
                expect(t.settle(ticket, o.outcome)).toBe(live);
                if (live) m!.status.set(ticket.offset, o.outcome === 'nak' ? 'nak' : 'done');
                break;
              }
              case 'advance': {
                const [topic, partition] = PARTITIONS[o.p];
                const m = model.get(keyOf(topic, partition));
                if (!m || m.read < 0) break;
                t.advance(topic, partition, m.read + o.by);
                m.read += o.by;
                break;
              }
              case 'commit': {
                const points = t.committable();
                const expected = [...model.entries()]
                  .map(([key, m]) => ({ key, m, offset: modelWatermark(m) }))
                  .filter(({ m, offset }) => offset !== undefined && offset > m.committed);
                expect(points.map((x) => `${keyOf(x.topic, x.partition)}@${x.offset}`).sort()).toEqual(
                  expected.map(({ key, offset }) => `${key}@${offset}`).sort(),
                );
                for (const point of points) {
                  expect(t.committed(point)).toBe(true);
                  model.get(keyOf(point.topic, point.partition))!.committed = point.offset;
                  pointsSeen.push({ point });
                }
                // a late acknowledgement of an older commit point is harmless
                if (pointsSeen.length > 0) {
                  const { point } = pointsSeen[o.stalePick % pointsSeen.length];
                  const m = model.get(keyOf(point.topic, point.partition));
                  expect(t.committed(point)).toBe(m !== undefined && m.generation === point.generation);
                }
                break;
              }
            }

            // invariants after every step (plain checks: this runs tens of thousands of times)
            let total = 0;
            for (const [topic, partition] of PARTITIONS) {
              const where = keyOf(topic, partition);
              const m = model.get(where);
              if (!m) {
                same(t.watermark(topic, partition), undefined, `watermark of revoked ${where}`);
                same(t.unsettled(topic, partition), 0, `unsettled of revoked ${where}`);
                continue;
              }
              let unsettled = 0;
              let lowestNak: number | undefined;
              for (const [offset, s] of m.status) {
                if (s === 'done') continue;
                unsettled++;
                if (s === 'nak' && (lowestNak === undefined || offset < lowestNak)) lowestNak = offset;
              }
              total += unsettled;
              // memory proportional to the unsettled messages
              same(t.unsettled(topic, partition), unsettled, `unsettled of ${where}`);
              // the watermark: lowest unsettled offset, else the read position; nothing unsettled below it
              same(t.watermark(topic, partition), modelWatermark(m), `watermark of ${where}`);
              same(t.redeliveryOffset(topic, partition), lowestNak, `redelivery offset of ${where}`);
              same(t.lastCommitted(topic, partition), m.committed >= 0 ? m.committed : undefined, `last commit of ${where}`);
            }
            same(t.unsettled(), total, 'unsettled in total');
          }
        }),
        { numRuns: 100 },
      );
    });

    it('the committed offset never passes an unsettled message, whatever the completion order', () => {
      fc.assert(
        fc.property(
          fc.array(fc.integer({ min: 1, max: 3 }), { minLength: 1, maxLength: 60 }), // gaps between offsets
          fc.infiniteStream(fc.nat()),
          fc.array(fc.constantFrom<Outcome>('ack', 'ack', 'nak', 'term'), { minLength: 60, maxLength: 60 }),
          (gaps, picks, outcomes) => {
            const t = new CommitTracker();
            t.assign('t', 0);
            let offset = 0;
            const offsets = gaps.map((g) => (offset += g));
            const open = offsets.map((o) => t.deliver('t', 0, o)!);
            const settled = new Set<number>();
            const it = picks[Symbol.iterator]();
            let i = 0;
            let highestCommit = -1;
            while (open.length > 0) {
              const ticket = open.splice(it.next().value % open.length, 1)[0];
              const outcome = outcomes[i++ % outcomes.length];
              t.settle(ticket, outcome);
              if (outcome === 'nak')
                open.push(t.deliver('t', 0, ticket.offset)!); // redelivered later
              else settled.add(ticket.offset);
              for (const point of t.committable()) {
                expect(point.offset).toBeGreaterThan(highestCommit); // monotonic
                for (const o of offsets) if (o < point.offset) expect(settled.has(o)).toBe(true);
                highestCommit = point.offset;
                t.committed(point);
              }
            }
            expect(t.watermark('t', 0)).toBe(offsets[offsets.length - 1] + 1);
            expect(t.unsettled()).toBe(0);
          },
        ),
      );
    });
  });
});
