import fc from 'fast-check';
import { RedeliveryOrder } from '../../src/jetstream/RedeliveryOrder';

interface Item {
  readonly id: number;
  readonly info: { deliveryCount: number; streamSequence: number; deliverySequence: number };
}

let nextId = 0;
const item = (streamSequence: number, deliveryCount: number, deliverySequence = 0): Item => ({
  id: nextId++,
  info: { streamSequence, deliveryCount, deliverySequence },
});
const seqs = (items: readonly Item[]) => items.map((i) => i.info.streamSequence);

describe('RedeliveryOrder', () => {
  it('passes everything through until an ownership begins', () => {
    const order = new RedeliveryOrder<Item>(4);
    expect(seqs(order.offer(item(3, 2)))).toEqual([3]);
    expect(seqs(order.offer(item(1, 1)))).toEqual([1]);
    expect(order.idle(99)).toEqual([]);
  });

  it('holds the redeliveries a new owner receives first and releases them sorted before the first new message', () => {
    const order = new RedeliveryOrder<Item>(4);
    expect(order.begin()).toEqual([]);
    expect(order.offer(item(7, 2))).toEqual([]);
    expect(order.offer(item(3, 3))).toEqual([]);
    expect(order.offer(item(5, 2))).toEqual([]);
    expect(order.size).toBe(3);
    expect(seqs(order.offer(item(9, 1)))).toEqual([3, 5, 7, 9]);
    expect(order.size).toBe(0);
    expect(seqs(order.offer(item(4, 2)))).toEqual([4]); // later redeliveries are not held
  });

  it('releases once it holds `limit` (max_ack_pending: no previous owner has more pending)', () => {
    const order = new RedeliveryOrder<Item>(3);
    order.begin();
    order.offer(item(8, 2));
    order.offer(item(2, 2));
    expect(seqs(order.offer(item(5, 2)))).toEqual([2, 5, 8]);
  });

  it('releases on an idle heartbeat that covers every held delivery, not on an older one', () => {
    const order = new RedeliveryOrder<Item>(4);
    order.begin();
    order.offer(item(6, 2, 20));
    order.offer(item(4, 2, 21));
    expect(order.idle(20)).toEqual([]); // sent before delivery 21: proves nothing about it
    expect(seqs(order.idle(21))).toEqual([4, 6]);
    expect(order.idle(30)).toEqual([]);
  });

  it('a new ownership releases what the previous one held; flush releases, clear drops', () => {
    const order = new RedeliveryOrder<Item>(4);
    order.begin();
    order.offer(item(9, 2));
    order.offer(item(1, 2));
    expect(seqs(order.begin())).toEqual([1, 9]);
    order.offer(item(3, 2));
    expect(seqs(order.flush())).toEqual([3]);
    expect(seqs(order.offer(item(2, 2)))).toEqual([2]); // flushed: not gathering any more
    order.begin();
    order.offer(item(5, 2));
    order.clear();
    expect(order.size).toBe(0);
    expect(order.flush()).toEqual([]);
  });

  // The server's side, modelled: each ownership starts with the previous owner's pending deliveries (at most
  // `limit`, all due) in some rotated order, then new messages in stream order, or an idle heartbeat.
  it('property: each handover batch comes out in stream order, before that ownership’s new messages; nothing lost or doubled', () => {
    const handover = fc.record({
      pending: fc.uniqueArray(fc.integer({ min: 1, max: 1000 }), { maxLength: 6 }),
      rotation: fc.nat(),
      fresh: fc.nat({ max: 3 }),
      heartbeatFirst: fc.boolean(),
    });
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 6 }), fc.array(handover, { maxLength: 6 }), (limit, handovers) => {
        const order = new RedeliveryOrder<Item>(limit);
        const offered: Item[] = [];
        const out: Item[] = [];
        const batches: { batch: Item[]; fresh: Item[] }[] = [];
        let dseq = 0;
        let nextFresh = 2000;
        for (const h of handovers) {
          out.push(...order.begin());
          const sorted = [...h.pending].sort((a, b) => a - b).slice(0, limit);
          const r = sorted.length === 0 ? 0 : h.rotation % sorted.length;
          const rotated = [...sorted.slice(r), ...sorted.slice(0, r)];
          const batch = rotated.map((s) => item(s, 2, ++dseq));
          const fresh = Array.from({ length: h.fresh }, () => item(nextFresh++, 1, ++dseq));
          for (const i of batch) {
            offered.push(i);
            out.push(...order.offer(i));
          }
          if (h.heartbeatFirst) out.push(...order.idle(dseq - fresh.length));
          for (const i of fresh) {
            offered.push(i);
            out.push(...order.offer(i));
          }
          if (fresh.length === 0) out.push(...order.idle(dseq));
          expect(order.size).toBe(0); // every handover ends with a release signal
          batches.push({ batch, fresh });
        }
        out.push(...order.flush());
        expect(out.map((i) => i.id).sort((a, b) => a - b)).toEqual(offered.map((i) => i.id).sort((a, b) => a - b));
        for (const { batch, fresh } of batches) {
          const positions = batch.map((i) => out.indexOf(i));
          const inOrder = [...batch].sort((a, b) => a.info.streamSequence - b.info.streamSequence).map((i) => out.indexOf(i));
          expect(positions.slice().sort((a, b) => a - b)).toEqual(inOrder);
          const firstFresh = fresh.length === 0 ? Infinity : out.indexOf(fresh[0]!);
          for (const p of positions) expect(p).toBeLessThan(firstFresh);
        }
      }),
    );
  });

  it('property: whatever arrives, everything offered comes out exactly once by the flush, and it never holds `limit`', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('offer' as const), seq: fc.nat({ max: 50 }), dc: fc.integer({ min: 1, max: 3 }) }),
      fc.record({ kind: fc.constant('idle' as const), last: fc.nat({ max: 60 }) }),
      fc.record({ kind: fc.constant('begin' as const) }),
      fc.record({ kind: fc.constant('flush' as const) }),
    );
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.array(op, { maxLength: 40 }), (limit, ops) => {
        const order = new RedeliveryOrder<Item>(limit);
        const offered: Item[] = [];
        const out: Item[] = [];
        let dseq = 0;
        for (const o of ops) {
          if (o.kind === 'offer') {
            const i = item(o.seq, o.dc, ++dseq);
            offered.push(i);
            out.push(...order.offer(i));
          } else if (o.kind === 'idle') out.push(...order.idle(o.last));
          else if (o.kind === 'begin') out.push(...order.begin());
          else out.push(...order.flush());
          expect(order.size).toBeLessThan(limit);
        }
        out.push(...order.flush());
        expect(out.map((i) => i.id).sort((a, b) => a - b)).toEqual(offered.map((i) => i.id).sort((a, b) => a - b));
      }),
    );
  });
});
