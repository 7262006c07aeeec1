import fc from 'fast-check';
import { ReorderBuffer, type GapReason, type ReorderBufferConfig } from '../../src/internal/reorder/ReorderBuffer';

type Gap = [from: number, to: number, reason: GapReason];

/** A buffer over plain numeric ids (element = id) that records everything it does. */
function make(maxBounded: number, extra: Partial<ReorderBufferConfig<number, number>> = {}) {
  const out: number[] = [];
  const gaps: Gap[] = [];
  const lates: [id: number, expected: number][] = [];
  const buffer = new ReorderBuffer<number, number>({
    maxBounded,
    initialId: 0,
    nextId: (id) => id + 1,
    getId: (value) => value,
    compare: (a, b) => a - b,
    output: { next: (value) => out.push(value) },
    onGap: (from, to, reason) => gaps.push([from, to, reason]),
    onLate: (_value, id, expected) => lates.push([id, expected]),
    ...extra,
  });
  const feed = (...ids: number[]) => ids.forEach((id) => buffer.offer(id));
  return { buffer, out, gaps, lates, feed };
}

describe('ReorderBuffer', () => {
  describe('match', () => {
    it('emits an in-order stream at once without buffering anything', () => {
      const { buffer, out, gaps, lates, feed } = make(4);
      feed(0, 1, 2, 3, 4, 5);
      expect(out).toEqual([0, 1, 2, 3, 4, 5]);
      expect(buffer.size).toBe(0);
      expect(buffer.expected).toBe(6);
      expect(gaps).toEqual([]);
      expect(lates).toEqual([]);
    });

    it('releases the consecutive run behind a match, and stops at the next hole', () => {
      const { buffer, out, feed } = make(8);
      feed(2, 1, 5, 4);
      expect(out).toEqual([]);
      expect(buffer.size).toBe(4);
      feed(0);
      expect(out).toEqual([0, 1, 2]);
      expect(buffer.expected).toBe(3);
      expect(buffer.toArray()).toEqual([4, 5]);
      feed(3);
      expect(out).toEqual([0, 1, 2, 3, 4, 5]);
      expect(buffer.size).toBe(0);
    });

    it('a matching element while the buffer is full is a match, not an overflow', () => {
      const { buffer, out, gaps, feed } = make(3);
      feed(1, 2, 3);
      expect(buffer.size).toBe(3); // full
      feed(0);
      expect(out).toEqual([0, 1, 2, 3]);
      expect(gaps).toEqual([]);
      expect(buffer.expected).toBe(4);
    });
  });

  describe('early and overflow', () => {
    it('buffers exactly maxBounded early elements; the (maxBounded+1)-th overflows', () => {
      const { buffer, out, gaps, feed } = make(3);
      feed(3, 1, 2);
      expect(out).toEqual([]);
      expect(buffer.size).toBe(3);
      feed(5); // 4th early element
      expect(gaps).toEqual([[0, 1, 'overflow']]); // id 0 given up on
      expect(out).toEqual([1, 2, 3]);
      expect(buffer.expected).toBe(4);
      expect(buffer.toArray()).toEqual([5]);
    });

    it('on overflow jumps to the smallest buffered id even when the new element is that smallest', () => {
      const { out, gaps, feed } = make(2);
      feed(7, 8, 4);
      expect(gaps).toEqual([[0, 4, 'overflow']]);
      expect(out).toEqual([4]); // run of 4 is just 4; 7 and 8 wait for 5 and 6
    });

    it('with a window of 1, the second early element skips the gap', () => {
      const { buffer, out, gaps, feed } = make(1);
      feed(1);
      expect(buffer.size).toBe(1);
      feed(0);
      expect(out).toEqual([0, 1]);
      feed(3);
      expect(out).toEqual([0, 1]);
      feed(5);
      expect(gaps).toEqual([[2, 3, 'overflow']]);
      expect(out).toEqual([0, 1, 3]);
      expect(buffer.toArray()).toEqual([5]);
      expect(buffer.expected).toBe(4);
    });
  });

  describe('late', () => {
    it('emits an element below the expected id at once, without dropping or deduplicating it', () => {
      const { out, lates, feed } = make(1);
      feed(2, 3); // overflow: 0 and 1 given up on
      expect(out).toEqual([2, 3]);
      feed(1, 0, 1, 4);
      expect(out).toEqual([2, 3, 1, 0, 1, 4]);
      expect(lates).toEqual([
        [1, 4],
        [0, 4],
        [1, 4],
      ]);
    });

    it('a duplicate of an emitted id is late', () => {
      const { out, lates, feed } = make(4);
      feed(0, 1, 1, 2);
      expect(out).toEqual([0, 1, 1, 2]);
      expect(lates).toEqual([[1, 2]]);
    });
  });

  describe('stale head', () => {
    it('a buffered duplicate is released as late right after its twin, never blocking the rest', () => {
      const { buffer, out, lates, feed } = make(8);
      feed(2, 2, 3);
      feed(1); // expected 0: 1 is early too
      feed(0);
      expect(out).toEqual([0, 1, 2, 2, 3]);
      expect(lates).toEqual([[2, 3]]);
      expect(buffer.size).toBe(0);
      expect(buffer.expected).toBe(4);
    });

    it('an id that nextId steps over is released as late and does not stall the buffer', () => {
      // ids step by 2 from 0; 3 is not in the sequence
      const { buffer, out, lates, gaps, feed } = make(4, { nextId: (id) => id + 2 });
      feed(3, 4, 2);
      expect(out).toEqual([]);
      feed(0);
      expect(out).toEqual([0, 2, 3, 4]);
      expect(lates).toEqual([[3, 4]]);
      expect(gaps).toEqual([]);
      expect(buffer.expected).toBe(6);
      expect(buffer.size).toBe(0);
      feed(6);
      expect(out).toEqual([0, 2, 3, 4, 6]);
    });

    it('never moves the expected id backwards', () => {
      const { buffer, feed } = make(2);
      feed(5, 6, 9); // overflow: expected 0 → 5 → 7
      expect(buffer.expected).toBe(7);
      feed(3, 1);
      expect(buffer.expected).toBe(7);
    });
  });

  describe('flush', () => {
    it('releases everything in id order, reporting the gaps between', () => {
      const { buffer, out, gaps, feed } = make(10);
      feed(6, 2, 3, 9);
      buffer.flush();
      expect(out).toEqual([2, 3, 6, 9]);
      expect(gaps).toEqual([
        [0, 2, 'complete'],
        [4, 6, 'complete'],
        [7, 9, 'complete'],
      ]);
      expect(buffer.size).toBe(0);
    });

    it('keeps arrival order among equal ids', () => {
      const out: string[] = [];
      const buffer = new ReorderBuffer<[number, string], number>({
        maxBounded: 10,
        initialId: 0,
        nextId: (id) => id + 1,
        getId: ([id]) => id,
        compare: (a, b) => a - b,
        output: { next: ([, tag]) => out.push(tag) },
      });
      for (const e of [
        [3, 'a'],
        [2, 'b'],
        [3, 'c'],
        [3, 'd'],
        [2, 'e'],
      ] as [number, string][])
        buffer.offer(e);
      buffer.flush();
      expect(out).toEqual(['b', 'e', 'a', 'c', 'd']);
    });
  });

  describe('maxWait', () => {
    it('releases an element once it has waited maxWait, giving up on the gaps before it', () => {
      const { buffer, out, gaps } = make(10, { maxWait: 100 });
      buffer.offer(5, 0);
      buffer.offer(2, 10);
      buffer.offer(3, 20);
      expect(buffer.nextDeadline()).toBe(100);
      buffer.expire(99);
      expect(out).toEqual([]);
      buffer.expire(100); // 5 is due: everything up to 5 leaves
      expect(out).toEqual([2, 3, 5]);
      expect(gaps).toEqual([
        [0, 2, 'maxWait'],
        [4, 5, 'maxWait'],
      ]);
      expect(buffer.nextDeadline()).toBeUndefined();
    });

    it('the deadline follows the longest-waiting element still buffered', () => {
      const { buffer, out } = make(10, { maxWait: 100 });
      buffer.offer(1, 0);
      buffer.offer(3, 50);
      buffer.offer(0, 60); // releases 0, 1
      expect(out).toEqual([0, 1]);
      expect(buffer.nextDeadline()).toBe(150);
      buffer.expire(149);
      expect(out).toEqual([0, 1]);
      buffer.expire(150);
      expect(out).toEqual([0, 1, 3]);
    });

    it('keeps its arrival list proportional to the buffer', () => {
      const { buffer } = make(4, { maxWait: 1_000 });
      buffer.offer(1_000_000, 0); // waits for a long time
      for (let i = 0; i < 10_000; i += 2) {
        buffer.offer(i + 1, 1);
        buffer.offer(i, 1);
      }
      const arrivals = (buffer as unknown as { arrivalSeqs: { size: number } }).arrivalSeqs;
      expect(arrivals.size).toBeLessThanOrEqual(2 * buffer.size + 33);
      expect(buffer.nextDeadline()).toBe(1_000);
    });

    it('without maxWait there is no deadline and expire does nothing', () => {
      const { buffer, out } = make(4);
      buffer.offer(3);
      expect(buffer.nextDeadline()).toBeUndefined();
      buffer.expire(1e12);
      expect(out).toEqual([]);
    });
  });

  describe('errors and re-entrancy', () => {
    it('rejects a nextId that does not move forward', () => {
      const { feed } = make(4, { nextId: (id) => id });
      expect(() => feed(0)).toThrow(
        new RangeError('boundedOrdering: nextId must return an id after its argument, but nextId(0) returned 0'),
      );
    });

    it('an emit that offers more elements (downstream feeding the source) keeps the order', () => {
      const out: number[] = [];
      const buffer: ReorderBuffer<number, number> = new ReorderBuffer<number, number>({
        maxBounded: 10,
        initialId: 0,
        nextId: (id) => id + 1,
        getId: (value) => value,
        compare: (a, b) => a - b,
        output: {
          next: (value) => {
            out.push(value);
            if (value === 0) buffer.offer(1); // re-entrant match while 2, 3 are buffered
          },
        },
      });
      buffer.offer(3);
      buffer.offer(2);
      buffer.offer(0);
      expect(out).toEqual([0, 1, 2, 3]);
      expect(buffer.size).toBe(0);
    });

    it('an onGap hook that offers during the completion gap reports no false gap (numeric fast path)', () => {
      let buffer!: ReorderBuffer<number, number>;
      const out: number[] = [];
      const gaps: Gap[] = [];
      buffer = new ReorderBuffer<number, number>({
        maxBounded: 1,
        initialId: 0,
        nextId: (id) => id + 1,
        getId: (value) => value,
        compare: (a, b) => a - b,
        idType: 'number',
        output: { next: (value) => out.push(value) },
        onGap: (from, to, reason) => {
          gaps.push([from, to, reason]);
          if (reason === 'complete') buffer.offer(3); // while 2, now the expected id, waits to be released
        },
      });
      buffer.offer(0);
      buffer.offer(2);
      buffer.flush();
      expect(gaps).toEqual([[1, 2, 'complete']]);
      expect(out).toEqual([0, 2, 3]);
      expect(buffer.size).toBe(0);
    });

    it('an emit that clears the buffer (unsubscribe) stops the release', () => {
      const out: number[] = [];
      const buffer: ReorderBuffer<number, number> = new ReorderBuffer<number, number>({
        maxBounded: 10,
        initialId: 0,
        nextId: (id) => id + 1,
        getId: (value) => value,
        compare: (a, b) => a - b,
        output: {
          next: (value) => {
            out.push(value);
            if (value === 2) buffer.clear();
          },
        },
      });
      [5, 4, 3, 2, 1].forEach((id) => buffer.offer(id));
      buffer.offer(0);
      expect(out).toEqual([0, 1, 2]);
      expect(buffer.size).toBe(0);
      buffer.flush();
      expect(out).toEqual([0, 1, 2]);
    });
  });

  describe('properties', () => {
    /**
     * The four rules (match, late, overflow, early) written as plainly as possible: a sorted array instead of a heap. Elements are
     * input positions, so the order among equal ids (arrival order) is checked too.
     */
    function model(ids: number[], maxBounded: number, step: number, flush: boolean) {
      const out: number[] = [];
      const gaps: Gap[] = [];
      let expected = 0;
      let buf: { id: number; pos: number }[] = [];
      const release = () => {
        buf.sort((a, b) => a.id - b.id || a.pos - b.pos);
        while (buf.length > 0 && buf[0].id <= expected) {
          const { id, pos } = buf.shift()!;
          if (id === expected) expected = id + step;
          out.push(pos);
        }
      };
      const skip = (reason: GapReason) => {
        const min = Math.min(...buf.map((e) => e.id));
        if (min > expected) {
          gaps.push([expected, min, reason]);
          expected = min;
        }
        release();
      };
      ids.forEach((id, pos) => {
        if (id === expected) {
          expected = id + step;
          out.push(pos);
          release();
        } else if (id < expected) out.push(pos);
        else if (buf.length >= maxBounded) {
          buf.push({ id, pos });
          skip('overflow');
        } else buf = [...buf, { id, pos }];
      });
      if (flush) while (buf.length > 0) skip('complete');
      return { out, gaps, size: buf.length, expected };
    }

    function byPosition(ids: number[], maxBounded: number, step: number) {
      const out: number[] = [];
      const gaps: Gap[] = [];
      const buffer = new ReorderBuffer<number, number>({
        maxBounded,
        initialId: 0,
        nextId: (id) => id + step,
        getId: (pos) => ids[pos],
        compare: (a, b) => a - b,
        output: { next: (pos) => out.push(pos) },
        onGap: (from, to, reason) => gaps.push([from, to, reason]),
      });
      return { buffer, out, gaps };
    }

    it('behaves exactly like the plain model of the rules (ids with gaps, duplicates and stragglers)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.nat(60), { maxLength: 160 }),
          fc.integer({ min: 1, max: 40 }),
          fc.constantFrom(1, 2, 3),
          fc.boolean(),
          (ids, maxBounded, step, flush) => {
            const { buffer, out, gaps } = byPosition(ids, maxBounded, step);
            ids.forEach((_, pos) => buffer.offer(pos));
            if (flush) buffer.flush();
            const expected = model(ids, maxBounded, step, flush);
            expect(out).toEqual(expected.out);
            expect(gaps).toEqual(expected.gaps);
            expect(buffer.size).toBe(expected.size);
            expect(buffer.expected).toBe(expected.expected);
            expect(buffer.size).toBeLessThanOrEqual(maxBounded);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('matches the model on nearly sorted input too (the sorted run and the heap together)', () => {
      fc.assert(
        fc.property(
          fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(9)), { maxLength: 300 }),
          fc.integer({ min: 0, max: 30 }),
          fc.integer({ min: 1, max: 40 }),
          (noise, spread, maxBounded) => {
            // ids 0..n-1 moved up to `spread` places, with some ids repeated (duplicates) or dropped (gaps)
            const ids = noise
              .map(([u, r], i) => ({ id: r === 0 ? Math.max(0, i - 1) : r === 1 ? i + 1_000 : i, key: i + u * spread }))
              .sort((a, b) => a.key - b.key)
              .map((e) => e.id);
            const { buffer, out, gaps } = byPosition(ids, maxBounded, 1);
            ids.forEach((_, pos) => buffer.offer(pos));
            buffer.flush();
            const expected = model(ids, maxBounded, 1, true);
            expect(out).toEqual(expected.out);
            expect(gaps).toEqual(expected.gaps);
          },
        ),
        { numRuns: 300 },
      );
    });

    it('with maxWait, matches the model: an element never waits past its deadline, gaps before it are skipped', () => {
      type Op = { kind: 'offer'; id: number; dt: number } | { kind: 'expire'; dt: number };
      const op: fc.Arbitrary<Op> = fc.oneof(
        fc.record({ kind: fc.constant('offer' as const), id: fc.nat(40), dt: fc.nat(3) }),
        fc.record({ kind: fc.constant('expire' as const), dt: fc.nat(6) }),
      );
      fc.assert(
        fc.property(
          fc.array(op, { maxLength: 120 }),
          fc.integer({ min: 1, max: 20 }),
          fc.integer({ min: 0, max: 8 }),
          (ops, maxBounded, maxWait) => {
            const ids: number[] = [];
            const out: number[] = [];
            const gaps: Gap[] = [];
            const buffer = new ReorderBuffer<number, number>({
              maxBounded,
              initialId: 0,
              nextId: (id) => id + 1,
              getId: (pos) => ids[pos],
              compare: (a, b) => a - b,
              output: { next: (pos) => out.push(pos) },
              onGap: (from, to, reason) => gaps.push([from, to, reason]),
              maxWait,
            });
            // the model: the plain rules plus arrival times
            const mOut: number[] = [];
            const mGaps: Gap[] = [];
            let expected = 0;
            let buf: { id: number; pos: number; at: number }[] = [];
            const release = () => {
              buf.sort((a, b) => a.id - b.id || a.pos - b.pos);
              while (buf.length > 0 && buf[0].id <= expected) {
                const { id, pos } = buf.shift()!;
                if (id === expected) expected = id + 1;
                mOut.push(pos);
              }
            };
            const skip = (reason: GapReason) => {
              const min = Math.min(...buf.map((e) => e.id));
              if (min > expected) {
                mGaps.push([expected, min, reason]);
                expected = min;
              }
              release();
            };
            let now = 0;
            for (const o of ops) {
              now += o.dt;
              if (o.kind === 'expire') {
                buffer.expire(now);
                for (;;) {
                  const oldest = [...buf].sort((a, b) => a.at - b.at || a.pos - b.pos)[0];
                  if (oldest === undefined || oldest.at + maxWait > now) break;
                  while (buf.includes(oldest)) skip('maxWait');
                }
              } else {
                const pos = ids.push(o.id) - 1;
                buffer.offer(pos, now);
                if (o.id === expected) {
                  expected++;
                  mOut.push(pos);
                  release();
                } else if (o.id < expected) mOut.push(pos);
                else {
                  buf.push({ id: o.id, pos, at: now });
                  if (buf.length > maxBounded) skip('overflow');
                }
              }
              expect(out).toEqual(mOut);
              expect(gaps).toEqual(mGaps);
              const oldest = buf.length === 0 ? undefined : Math.min(...buf.map((e) => e.at)) + maxWait;
              expect(buffer.nextDeadline()).toBe(oldest);
            }
          },
        ),
        { numRuns: 300 },
      );
    });

    it('after a flush the output is a permutation of the input', () => {
      fc.assert(
        fc.property(fc.array(fc.integer({ min: -5, max: 60 }), { maxLength: 200 }), fc.integer({ min: 1, max: 20 }), (ids, maxBounded) => {
          const { buffer, out } = make(maxBounded);
          ids.forEach((id) => buffer.offer(id));
          buffer.flush();
          expect([...out].sort((a, b) => a - b)).toEqual([...ids].sort((a, b) => a - b));
        }),
      );
    });

    it('an input displaced by at most maxBounded places comes out sorted, with no gap and nothing late', () => {
      fc.assert(
        fc.property(
          fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 300 }),
          fc.integer({ min: 0, max: 40 }),
          (noise, spread) => {
            // a permutation of 0..n-1 where each id moves about `spread` places: sort i + noise * spread
            const ids = noise
              .map((u, i) => ({ i, key: i + u * spread }))
              .sort((a, b) => a.key - b.key)
              .map((e) => e.i);
            const displacement = Math.max(0, ...ids.map((id, pos) => Math.abs(id - pos)));
            const { buffer, out, gaps, lates } = make(Math.max(1, displacement));
            ids.forEach((id) => buffer.offer(id)); // no flush: sorted output must not depend on completion
            expect(out).toEqual(ids.map((_, i) => i));
            expect(gaps).toEqual([]);
            expect(lates).toEqual([]);
          },
        ),
      );
    });

    it('with a window one smaller than the displacement, order can break (the bound is tight)', () => {
      const ids = [1, 2, 0]; // 0 is 2 places from home
      const sorted = make(2);
      ids.forEach((id) => sorted.buffer.offer(id));
      expect(sorted.out).toEqual([0, 1, 2]);
      const tooSmall = make(1);
      ids.forEach((id) => tooSmall.buffer.offer(id));
      expect(tooSmall.out).toEqual([1, 2, 0]);
      expect(tooSmall.gaps).toEqual([[0, 1, 'overflow']]);
    });
  });

  describe('arithmetic fast path (slots) against the general path', () => {
    type Log = (string | number)[][];
    /**
     * Runs the same input through a natural-order buffer (slot-capable) and through the general path
     * (an equivalent custom comparator), recording outputs, gaps, late reports and errors.
     */
    function both(
      input: { id: number; k: number }[],
      maxBounded: number,
      nextId: (id: number) => number,
      opts: { initialId?: number; flushAt?: number; reenter?: boolean; plan?: (number | null)[] } = {},
    ) {
      const run = (general: boolean) => {
        const log: Log = [];
        let buffer!: ReorderBuffer<{ id: number; k: number }, number>;
        let reentered = false;
        // `plan[n]`: the id offered from inside the n-th callback (an emission or a gap report), if any
        let calls = 0;
        const reenter = () => {
          const n = calls++;
          const id = opts.plan?.[n];
          if (id === undefined || id === null) return;
          log.push(['reenter', 1000 + n]);
          buffer.offer({ id, k: 1000 + n });
        };
        buffer = new ReorderBuffer<{ id: number; k: number }, number>({
          maxBounded,
          initialId: opts.initialId ?? 0,
          nextId,
          getId: (v) => v.id,
          compare: general ? (a, b) => a - b : (a, b) => (a < b ? -1 : a > b ? 1 : 0),
          idType: general ? undefined : 'number',
          output: {
            next: (v) => {
              log.push(['out', v.id, v.k]);
              reenter();
            },
          },
          onGap: (from, to, reason) => {
            log.push(['gap', from, to, reason]);
            // a gap never skips an id that is buffered at that moment
            if (buffer.toArray().some((e) => e.id >= from && e.id < to)) log.push(['false gap', from, to]);
            reenter();
            // re-enter once with a duplicate of the id emission resumes at
            if (opts.reenter && !reentered) {
              reentered = true;
              buffer.offer({ id: to, k: -1 });
            }
          },
          onLate: (v, id, expected) => log.push(['late', v.k, id, expected]),
        });
        let slotted = false;
        let left = false;
        let recovered = false;
        try {
          input.forEach((v, i) => {
            buffer.offer(v);
            const state = (buffer as unknown as { slotState: number }).slotState;
            if (state === 3) {
              recovered ||= left;
              slotted = true;
            } else if (slotted) left = true;
            log.push(['size', buffer.size, buffer.expected]);
            if (i === opts.flushAt) log.push(['buffered', ...buffer.toArray().map((e) => e.k)]);
          });
          buffer.flush();
        } catch (error) {
          log.push(['error', String(error)]);
        }
        return { log, slotted, left, recovered };
      };
      return { fast: run(false), general: run(true) };
    }

    /** Ids near `i * step` (locally shuffled), with duplicates, holes, late stragglers and odd ids mixed in. */
    const inputArb = fc.record({
      base: fc.array(fc.tuple(fc.double({ min: 0, max: 1, noNaN: true }), fc.nat(99)), { maxLength: 250 }),
      spread: fc.integer({ min: 0, max: 40 }),
      maxBounded: fc.integer({ min: 1, max: 40 }),
      step: fc.constantFrom(1, 2),
      oddRate: fc.constantFrom(0, 0, 2, 5), // per cent: non-integer, off-step or far-ahead ids
    });

    function build({ base, spread, step, oddRate }: { base: [number, number][]; spread: number; step: number; oddRate: number }) {
      const ids = base
        .map(([u], i) => ({ i, key: i + u * spread }))
        .sort((a, b) => a.key - b.key)
        .map((e) => e.i * step);
      return ids
        .map((id, k) => {
          const roll = base[k][1];
          if (roll < 5) return null; // a hole
          if (roll < 10) return { id: Math.max(0, id - 7 * step), k }; // a duplicate or a late straggler
          if (roll < 10 + oddRate) return { id: roll % 3 === 0 ? id + 0.5 : roll % 3 === 1 ? id + 1 : id + 5000 * step, k };
          return { id, k };
        })
        .filter((v): v is { id: number; k: number } => v !== null);
    }

    it('gives identical outputs, gaps, late reports and sizes for steps 1 and 2', () => {
      let slottedRuns = 0;
      fc.assert(
        fc.property(inputArb, fc.nat(300), (arb, flushAt) => {
          const input = build(arb);
          const { fast, general } = both(input, arb.maxBounded, (id) => id + arb.step, { flushAt });
          expect(fast.log).toEqual(general.log);
          if (fast.slotted) slottedRuns++;
        }),
        { numRuns: 400 },
      );
      expect(slottedRuns).toBeGreaterThan(100); // the fast path was exercised
    });

    it('gives identical results when nextId changes its step midway, or breaks the contract', () => {
      fc.assert(
        fc.property(
          inputArb,
          fc.integer({ min: 0, max: 200 }),
          fc.constantFrom<(id: number, step: number, at: number) => number>(
            (id, step, at) => id + (id < at ? step : step + 1), // a new step
            (id, step, at) => (id < at ? id + step : id + 0.5), // non-integer from then on
            (id, step, at) => (id < at ? id + step : id + step * 3), // steps over buffered ids
            (id, step, at) => (id === at ? id + 2 * step : id + step), // one irregular step
            (id, step, at) => (id < at ? id + step : id), // does not move forward: errors
          ),
          (arb, at, next) => {
            const input = build(arb);
            const { fast, general } = both(input, arb.maxBounded, (id) => next(id, arb.step, at));
            expect(fast.log).toEqual(general.log);
          },
        ),
        { numRuns: 400 },
      );
    });

    it('gives identical results with a non-integer initialId, huge ids and a re-entrant onGap', () => {
      fc.assert(
        fc.property(inputArb, fc.constantFrom(0, 0.5, 2 ** 53 - 300, -10), fc.boolean(), (arb, initialId, reenter) => {
          const input = build(arb).map((v) => ({ id: v.id + initialId, k: v.k }));
          const { fast, general } = both(input, arb.maxBounded, (id) => id + arb.step, { initialId, reenter });
          expect(fast.log).toEqual(general.log);
        }),
        { numRuns: 300 },
      );
    });

    it('re-entrant offers from onGap and from the output: no false gap, order kept, nothing lost or duplicated', () => {
      let slottedRuns = 0;
      fc.assert(
        fc.property(
          inputArb,
          fc.array(fc.option(fc.integer({ min: -3, max: 60 }), { nil: null, freq: 2 }), { maxLength: 80 }),
          (arb, offsets) => {
            const input = build(arb);
            // re-entrant ids near where the stream is (relative to the input's ids), on and off the step grid
            const plan = offsets.map((o, n) => (o === null ? null : (input[Math.min(n, input.length - 1)]?.id ?? 0) + o));
            const { fast, general } = both(input, arb.maxBounded, (id) => id + arb.step, { plan });
            expect(fast.log).toEqual(general.log);
            expect(fast.log.filter((e) => e[0] === 'false gap' || e[0] === 'error')).toEqual([]);
            // every offered element comes out exactly once
            const outs = fast.log.filter((e) => e[0] === 'out').map((e) => e[2] as number);
            const offered = [...input.map((v) => v.k), ...fast.log.filter((e) => e[0] === 'reenter').map((e) => e[1] as number)];
            expect([...outs].sort((a, b) => a - b)).toEqual(offered.sort((a, b) => a - b));
            expect(new Set(outs).size).toBe(outs.length);
            // elements not reported late leave in strictly increasing id order
            const lateKs = new Set(fast.log.filter((e) => e[0] === 'late').map((e) => e[1] as number));
            const inOrder = fast.log.filter((e) => e[0] === 'out' && !lateKs.has(e[2] as number)).map((e) => e[1] as number);
            for (let i = 1; i < inOrder.length; i++) expect(inOrder[i]).toBeGreaterThan(inOrder[i - 1]);
            if (fast.slotted) slottedRuns++;
          },
        ),
        { numRuns: 400 },
      );
      expect(slottedRuns).toBeGreaterThan(100);
    });

    /** 0..n-1 (times `step`), each position in turn swapped with one up to `reach` places ahead. */
    function swapShuffled(swaps: number[], reach: number, step: number): number[] {
      const ids = swaps.map((_, i) => i * step);
      swaps.forEach((r, i) => {
        const j = Math.min(ids.length - 1, i + (r % (reach + 1)));
        [ids[i], ids[j]] = [ids[j], ids[i]];
      });
      return ids;
    }

    it('starts while the general structure never empties (a swap shuffle), with the same results', () => {
      // the step is learnt when 0 arrives, with ids up to ~16 already buffered: they migrate to the slots
      const swaps = Array.from({ length: 2000 }, (_, i) => (i * 7919 + 13) % 17);
      const input = swapShuffled(swaps, 16, 1).map((id, k) => ({ id, k }));
      const { fast, general } = both(input, 64, (id) => id + 1);
      expect(fast.slotted).toBe(true);
      expect(fast.log).toEqual(general.log);
    });

    it('keeps the slots while an id beyond the ring waits, and returns to them after an off-step id or a duplicate', () => {
      const pairs = Array.from({ length: 300 }, (_, i) => 4 + (i ^ 1)); // 5 4 7 6 …: the buffer holds one at a time
      for (const [ids, stays] of [
        [[0, 2, 1, 3, 10_000, ...pairs], true], // 10,000 is far beyond the ring of 64: it waits outside it
        [[0, 2, 1, 3, 7.5, ...pairs], false], // off the step grid: the general structure holds it until it leaves
        [[0, 2, 2, 1, 3, ...pairs], false], // a duplicate of a buffered id
      ] as const) {
        const { fast, general } = both(
          ids.map((id, k) => ({ id, k })),
          8,
          (id) => id + 1,
        );
        expect(fast.log).toEqual(general.log);
        expect(fast.left).toBe(!stays);
        if (!stays) expect(fast.recovered).toBe(true);
      }
    });

    it('a nextId that breaks the step turns the fast path off for good', () => {
      const buffer = new ReorderBuffer<number, number>({
        maxBounded: 8,
        initialId: 0,
        nextId: (id) => (id === 3 ? 5 : id + 1),
        getId: (v) => v,
        compare: (a, b) => a - b,
        idType: 'number',
        output: { next: () => {} },
      });
      const state = () => (buffer as unknown as { slotState: number }).slotState;
      [0, 2, 1].forEach((v) => buffer.offer(v));
      expect(state()).toBe(3);
      [3, 6, 5, ...Array.from({ length: 200 }, (_, i) => 8 + (i ^ 1))].forEach((v) => buffer.offer(v));
      expect(state()).toBe(0);
    });

    it('swap shuffles with far-displaced ids, duplicates and overflow: identical to the general path, and the fast path recovers', () => {
      let recoveredRuns = 0;
      let leftRuns = 0;
      fc.assert(
        fc.property(
          fc.array(fc.nat(1000), { minLength: 200, maxLength: 1000 }),
          fc.integer({ min: 1, max: 48 }),
          fc.constantFrom(1, 3),
          fc.array(
            fc.tuple(fc.nat(399), fc.oneof(fc.integer({ min: -200, max: 2000 }), fc.integer({ min: 1, max: 30 })), fc.constantFrom(0, 0.5)),
            { maxLength: 6 },
          ),
          fc.tuple(fc.nat(99), fc.integer({ min: 1, max: 20 })),
          (swaps, maxBounded, step, odd, [offAt, offBy]) => {
            const ids = swapShuffled(swaps, 16, step);
            // in the first third, early and off the step grid: the buffer leaves the slots, then returns
            ids[Math.floor((offAt / 300) * ids.length)] += offBy + 0.5;
            // far ahead, far back, duplicates, off the step grid
            for (const [at, shift, half] of odd) if (at < ids.length) ids[at] += shift + half;
            const { fast, general } = both(
              ids.map((id, k) => ({ id, k })),
              maxBounded,
              (id) => id + step,
            );
            expect(fast.log).toEqual(general.log);
            if (fast.recovered) recoveredRuns++;
            if (fast.left) leftRuns++;
          },
        ),
        { numRuns: 300 },
      );
      expect(leftRuns).toBeGreaterThan(100); // the off-step id made the buffer leave the slots…
      expect(recoveredRuns).toBeGreaterThan(80); // …and it returned to them in most of those runs
    });

    it('slot mode: duplicates, overflow and flush behave as in the general path (examples)', () => {
      const input = [0, 2, 4, 4, 8, 6, 12, 14, 16, 2, 18, 10].map((id, k) => ({ id, k }));
      for (const maxBounded of [1, 2, 3, 64]) {
        const { fast, general } = both(input, maxBounded, (id) => id + 2);
        expect(fast.slotted).toBe(true);
        expect(fast.log).toEqual(general.log);
      }
    });

    it('slot mode rejects an id of the wrong type like the general natural order', () => {
      const out: number[] = [];
      const buffer = new ReorderBuffer<unknown, number>({
        maxBounded: 8,
        initialId: 0,
        nextId: (id) => id + 1,
        getId: (v) => v as number,
        compare: (a, b) => a - b,
        idType: 'number',
        output: { next: (v) => out.push(v as number) },
      });
      buffer.offer(0);
      buffer.offer(2);
      expect(() => buffer.offer('3')).toThrow(TypeError);
      expect(() => buffer.offer(NaN)).toThrow(TypeError);
      buffer.offer(1);
      expect(out).toEqual([0, 1, 2]);
    });
  });
});
