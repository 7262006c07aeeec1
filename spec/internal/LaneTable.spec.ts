import fc from 'fast-check';
import { BatchResultCountError } from '../../src/errors';
import { Lane, LaneBatch, LaneTable, type LaneTableOptions, type Settlement } from '../../src/internal/batch/LaneTable';
import { Teardown } from '../../src/internal/operate';

type Msg = { key: string; n: number };
type Table = LaneTable<Msg, string, number>;

function table(options: Partial<LaneTableOptions<Msg, string, number>> = {}): Table {
  return new LaneTable<Msg, string, number>({
    operator: 'test',
    size: 3,
    concurrency: Infinity,
    ordered: true,
    trackAge: true,
    owner: { onResults: () => {}, onNoResults: () => {}, fail: () => {} },
    ...options,
  });
}

let counter = 0;
const msg = (key: string): Msg => ({ key, n: counter++ });
const drain = (t: Table): Settlement<Msg, string, number>[] => {
  const out: Settlement<Msg, string, number>[] = [];
  for (let s = t.takeOutput(); s !== undefined; s = t.takeOutput()) out.push(s);
  return out;
};
const keysOf = (batch: LaneBatch<Msg, string, number>): string => batch.values.map((m) => m.key).join('');

/** A fake timer port: records armed timers per lane so tests can fire or inspect them. */
function timers() {
  const active = new Map<Lane<Msg, string, number>, { cancelled: boolean }>();
  let armed = 0;
  return {
    arm: (lane: Lane<Msg, string, number>) => {
      armed++;
      const handle = { cancelled: false, unsubscribe: () => void ((handle.cancelled = true), active.delete(lane)) };
      active.set(lane, handle);
      return handle;
    },
    active,
    get armed() {
      return armed;
    },
    laneOf: (key: string) => [...active.keys()].find((lane) => lane.key === key),
    /** Fires lane `key`'s timer, as the scheduler would: it is gone, then the table hears of it. */
    fire(t: Table, key: string): boolean {
      const lane = [...active.keys()].find((l) => l.key === key)!;
      active.delete(lane);
      return t.expire(lane);
    },
  };
}

describe('LaneTable', () => {
  it('cuts each lane into batches of at most size, in arrival order', () => {
    const t = table({ size: 2 });
    expect(t.push(msg('a'), 'a')).toBe(false);
    expect(t.push(msg('b'), 'b')).toBe(false);
    expect(t.push(msg('a'), 'a')).toBe(true); // lane a reached size
    t.push(msg('a'), 'a');
    const first = t.nextBatch()!;
    expect(first.key).toBe('a');
    expect(first.values).toHaveLength(2);
    expect(t.inspect('a')).toMatchObject({ buffered: 1, batches: 1, busy: true });
    expect(t.nextBatch()).toBeUndefined(); // b is partial, a is busy
  });

  it('never runs two batches of one lane at once, and queues the lane again when its batch settles', () => {
    const t = table({ size: 1 });
    t.push(msg('a'), 'a');
    t.push(msg('a'), 'a');
    const first = t.nextBatch()!;
    expect(t.nextBatch()).toBeUndefined();
    t.settle(first, [1]);
    const second = t.nextBatch()!;
    expect(second.key).toBe('a');
    expect(second).not.toBe(first);
  });

  it('runs at most `concurrency` batches, lanes in the order they became ready', () => {
    const t = table({ size: 1, concurrency: 2 });
    for (const k of ['x', 'y', 'z']) t.push(msg(k), k);
    const a = t.nextBatch()!;
    const b = t.nextBatch()!;
    expect([a.key, b.key]).toEqual(['x', 'y']);
    expect(t.nextBatch()).toBeUndefined();
    expect(t.running).toBe(2);
    t.settle(b, [0]);
    expect(t.nextBatch()!.key).toBe('z');
  });

  it('settles positionally and hands settlements out in arrival order (ordered)', () => {
    const t = table({ size: 2 });
    const m = ['a', 'b', 'a', 'b'].map((k) => msg(k));
    m.forEach((v) => t.push(v, v.key));
    const ba = t.nextBatch()!;
    const bb = t.nextBatch()!;
    t.settle(bb, [20, 21]);
    expect(drain(t)).toEqual([]); // m[0] (lane a) is not settled yet
    t.settle(ba, [10, 11]);
    expect(drain(t)).toEqual([
      { value: m[0], key: 'a', ok: true, result: 10 },
      { value: m[1], key: 'b', ok: true, result: 20 },
      { value: m[2], key: 'a', ok: true, result: 11 },
      { value: m[3], key: 'b', ok: true, result: 21 },
    ]);
  });

  it('hands a batch out as soon as it settles (unordered)', () => {
    const t = table({ size: 2, ordered: false });
    const m = ['a', 'b', 'a', 'b'].map((k) => msg(k));
    m.forEach((v) => t.push(v, v.key));
    const ba = t.nextBatch()!;
    const bb = t.nextBatch()!;
    t.settle(bb, [20, 21]);
    expect(drain(t).map((s) => s.value)).toEqual([m[1], m[3]]);
    t.settle(ba, [10, 11]);
    expect(drain(t).map((s) => s.value)).toEqual([m[0], m[2]]);
  });

  it('settles messages without a result with a BatchResultCountError, and ignores surplus results', () => {
    const t = table({ size: 3 });
    ['a', 'a', 'a', 'b', 'b', 'b'].forEach((k) => t.push(msg(k), k));
    const a = t.nextBatch()!;
    const b = t.nextBatch()!;
    t.settle(a, [1]);
    t.settle(b, [1, 2, 3, 4, 5]);
    const out = drain(t);
    expect(out.map((s) => s.ok)).toEqual([true, false, false, true, true, true]);
    const error = (out[2] as { error: BatchResultCountError }).error;
    expect(error).toBeInstanceOf(BatchResultCountError);
    expect(error).toMatchObject({ operator: 'test', key: 'a', expected: 3, received: 1, index: 2 });
    expect(out.slice(3).map((s) => (s.ok ? s.result : null))).toEqual([1, 2, 3]);
  });

  it('frees a lane as soon as it is empty and idle — a million distinct keys leave nothing behind', () => {
    const t = table({ size: 1, trackAge: true });
    for (let i = 0; i < 1_000_000; i++) {
      const key = `k${i}`;
      t.push({ key, n: i }, key);
      t.settle(t.nextBatch()!, [i]);
      t.takeOutput();
    }
    expect(t.laneCount).toBe(0);
    expect(t.inspect('k5')).toBeUndefined();
    expect((t as unknown as { age: { size: number } }).age.size).toBeLessThanOrEqual(64 + 1);
    expect((t as unknown as { window: { size: number } }).window.size).toBe(0);
  });

  it('keeps the age index bounded while an old partial batch waits and other lanes flow', () => {
    const t = table({ size: 2, trackAge: true });
    t.push(msg('stuck'), 'stuck'); // never fills
    for (let i = 0; i < 100_000; i++) {
      t.push(msg('a'), 'a');
      t.push(msg('a'), 'a');
      t.settle(t.nextBatch()!, [1, 2]);
    }
    expect((t as unknown as { age: { size: number } }).age.size).toBeLessThanOrEqual(2 * 1 + 64 + 1);
    expect(t.laneCount).toBe(1);
  });

  describe('maxWait timers', () => {
    it('arms when a message enters an empty lane, disarms on flush, re-arms for messages left behind', () => {
      const clock = timers();
      const t = table({ size: 2, arm: clock.arm });
      t.push(msg('a'), 'a');
      expect(clock.armed).toBe(1);
      t.push(msg('a'), 'a'); // full: no new timer
      t.push(msg('a'), 'a'); // a second batch behind a full one: still one timer
      expect(clock.armed).toBe(1);
      const first = t.nextBatch()!;
      expect(first.values).toHaveLength(2);
      expect(clock.armed).toBe(2); // re-armed for the message left behind
      expect(clock.active.size).toBe(1);
      t.settle(first, [1, 2]);
      expect(t.nextBatch()).toBeUndefined(); // partial, not due
      expect(clock.fire(t, 'a')).toBe(true);
      const second = t.nextBatch()!;
      expect(second.values).toHaveLength(1);
      expect(clock.active.size).toBe(0); // nothing buffered: no timer
      t.settle(second, [3]);
      expect(t.laneCount).toBe(0);
    });

    it('a timer firing while the lane runs makes it flush right after its batch settles', () => {
      const clock = timers();
      const t = table({ size: 2, arm: clock.arm });
      t.push(msg('a'), 'a');
      t.push(msg('a'), 'a');
      const first = t.nextBatch()!;
      t.push(msg('a'), 'a'); // enters an empty buffer while the lane runs
      expect(clock.active.size).toBe(1);
      expect(clock.fire(t, 'a')).toBe(false); // busy: due, not queued
      expect(t.inspect('a')).toMatchObject({ due: true, busy: true });
      t.settle(first, [1, 2]);
      expect(t.nextBatch()!.values).toHaveLength(1);
    });

    it('finishInput disarms every timer and flushes every partial batch', () => {
      const clock = timers();
      const t = table({ size: 5, arm: clock.arm });
      ['a', 'b', 'a'].forEach((k) => t.push(msg(k), k));
      expect(clock.active.size).toBe(2);
      expect(t.finishInput()).toBe(true);
      expect(clock.active.size).toBe(0);
      expect([keysOf(t.nextBatch()!), keysOf(t.nextBatch()!)].sort()).toEqual(['aa', 'b']);
      t.push(msg('c'), 'c'); // after the end of input every message is ready at once, without a timer
      expect(clock.active.size).toBe(0);
      expect(t.nextBatch()!.key).toBe('c');
    });
  });

  describe('the no-stall rule', () => {
    it('flushes the lane holding the oldest buffered message when nothing runs', () => {
      const t = table({ size: 10 });
      ['b', 'a', 'b', 'c'].forEach((k) => t.push(msg(k), k));
      expect(t.nextBatch()).toBeUndefined();
      expect(t.stall()).toBe(true);
      expect(keysOf(t.nextBatch()!)).toBe('bb');
      expect(t.stall()).toBe(false); // something runs
    });

    it('finds the oldest message in a lane left with messages after a flush', () => {
      const t = table({ size: 2 });
      const m = ['a', 'a', 'a', 'b'].map((k) => msg(k));
      m.forEach((v) => t.push(v, v.key)); // a: [a0 a1] [a2]; b: [b3]
      const first = t.nextBatch()!;
      t.settle(first, [0, 1]);
      expect(t.stall()).toBe(true); // a2 (seq 2) is older than b3
      expect(t.nextBatch()!.values).toEqual([m[2]]);
    });

    it('does nothing without age tracking or with nothing buffered', () => {
      const t = table({ trackAge: false });
      t.push(msg('a'), 'a');
      expect(t.stall()).toBe(false);
      expect(table().stall()).toBe(false);
    });
  });

  it('dispose cancels timers and running batches and forgets every lane', () => {
    const clock = timers();
    const t = table({ size: 1, arm: clock.arm });
    t.push(msg('a'), 'a');
    t.push(msg('a'), 'a');
    const running = t.nextBatch()!;
    const inner = { unsubscribe: jest.fn() };
    running.inner = inner;
    const signal = running.signal;
    t.dispose(new Teardown());
    expect(running.cancelled).toBe(true);
    expect(inner.unsubscribe).toHaveBeenCalledTimes(1);
    expect(signal.aborted).toBe(true);
    expect(clock.active.size).toBe(0);
    expect(t.laneCount).toBe(0);
    expect(t.running).toBe(0);
  });

  it('model check: random pushes, timers, results and stalls keep every invariant', () => {
    type Op =
      | { op: 'push'; key: number }
      | { op: 'start' }
      | { op: 'settle'; pick: number; delta: number }
      | { op: 'expire'; pick: number }
      | { op: 'stall' }
      | { op: 'finish' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 6, arbitrary: fc.record({ op: fc.constant('push' as const), key: fc.nat(4) }) },
      { weight: 3, arbitrary: fc.constant({ op: 'start' as const }) },
      { weight: 3, arbitrary: fc.record({ op: fc.constant('settle' as const), pick: fc.nat(), delta: fc.integer({ min: -2, max: 2 }) }) },
      { weight: 1, arbitrary: fc.record({ op: fc.constant('expire' as const), pick: fc.nat() }) },
      { weight: 1, arbitrary: fc.constant({ op: 'stall' as const }) },
      { weight: 1, arbitrary: fc.constant({ op: 'finish' as const }) },
    );
    fc.assert(
      fc.property(
        fc.array(opArb, { maxLength: 120 }),
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 3 }),
        fc.boolean(),
        (ops, size, concurrency, ordered) => {
          const clock = timers();
          const t = table({ size, concurrency, ordered, arm: clock.arm });
          const pushed: Msg[] = [];
          const handed = new Map<string, Msg[]>(); // per key: messages handed to the handler so far
          const running: LaneBatch<Msg, string, number>[] = [];
          const due = new Set<string>();
          const out: Settlement<Msg, string, number>[] = [];
          let finished = false;
          let n = 0;

          const start = (): LaneBatch<Msg, string, number>[] => {
            const started: LaneBatch<Msg, string, number>[] = [];
            for (let b = t.nextBatch(); b !== undefined; b = t.nextBatch()) {
              started.push(b);
              const key = b.key;
              expect(b.values.length).toBeGreaterThan(0);
              expect(b.values.length).toBeLessThanOrEqual(size);
              expect(b.values.every((m) => m.key === key)).toBe(true);
              expect(running.some((r) => r.key === key)).toBe(false); // no overlap within a lane
              if (b.values.length < size) expect(finished || due.has(key)).toBe(true); // partial only when due
              due.delete(key);
              const before = handed.get(key) ?? [];
              const expected = pushed.filter((m) => m.key === key).slice(before.length, before.length + b.values.length);
              expect(b.values).toEqual(expected); // per-key order, consecutive, nothing skipped
              handed.set(key, [...before, ...b.values]);
              running.push(b);
              expect(running.length).toBeLessThanOrEqual(concurrency);
              expect(t.running).toBe(running.length);
            }
            return started;
          };
          const settle = (i: number, delta: number): void => {
            const [b] = running.splice(i % running.length, 1);
            t.settle(
              b!,
              Array.from({ length: Math.max(0, b!.values.length + delta) }, (_, j) => j),
            );
          };
          const oldestBufferedKey = (): string | undefined => {
            const handedCount = new Map<string, number>();
            for (const [k, v] of handed) handedCount.set(k, v.length);
            const seen = new Map<string, number>();
            for (const m of pushed) {
              const s = (seen.get(m.key) ?? 0) + 1;
              seen.set(m.key, s);
              if (s > (handedCount.get(m.key) ?? 0)) return m.key;
            }
            return undefined;
          };

          for (const o of ops) {
            if (o.op === 'push') {
              const m = { key: `k${o.key}`, n: n++ };
              pushed.push(m);
              t.push(m, m.key);
            } else if (o.op === 'start') start();
            else if (o.op === 'settle' && running.length > 0) settle(o.pick, o.delta);
            else if (o.op === 'expire' && clock.active.size > 0) {
              const lanes = [...clock.active.keys()];
              const lane = lanes[o.pick % lanes.length]!;
              clock.active.delete(lane);
              due.add(lane.key);
              t.expire(lane);
            } else if (o.op === 'stall') {
              const oldest = running.length === 0 ? oldestBufferedKey() : undefined;
              const queuedBefore = (t as unknown as { ready: { size: number } }).ready.size;
              if (t.stall()) {
                expect(queuedBefore).toBe(0);
                expect(oldest).toBeDefined();
                due.add(oldest!);
                expect(start()[0]!.key).toBe(oldest); // the lane with the oldest buffered message runs
              }
            } else if (o.op === 'finish') {
              finished = true;
              t.finishInput();
            }
            for (let s = t.takeOutput(); s !== undefined; s = t.takeOutput()) out.push(s);
            // A lane with buffered messages (before the end of input) has exactly one live timer.
            for (const lane of clock.active.keys()) expect(t.inspect(lane.key)?.buffered).toBeGreaterThan(0);
            if (!finished) {
              for (const key of new Set(pushed.map((m) => m.key))) {
                const state = t.inspect(key);
                if (state && state.buffered > 0) expect(clock.laneOf(key) ?? state.due).toBeTruthy();
              }
            }
          }
          // Run everything to the end.
          finished = true;
          t.finishInput();
          for (;;) {
            start();
            if (running.length === 0) break;
            settle(0, 0);
            for (let s = t.takeOutput(); s !== undefined; s = t.takeOutput()) out.push(s);
          }
          for (let s = t.takeOutput(); s !== undefined; s = t.takeOutput()) out.push(s);
          expect(out).toHaveLength(pushed.length); // no loss, no duplication
          expect(new Set(out.map((s) => s.value)).size).toBe(pushed.length);
          if (ordered) expect(out.map((s) => s.value)).toEqual(pushed);
          for (const key of new Set(pushed.map((m) => m.key))) {
            expect(out.filter((s) => s.key === key).map((s) => s.value)).toEqual(pushed.filter((m) => m.key === key));
          }
          expect(t.laneCount).toBe(0);
          expect(clock.active.size).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});
