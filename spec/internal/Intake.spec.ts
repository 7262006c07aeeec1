import fc from 'fast-check';
import { QueueOverflowError } from '../../src/errors';
import { Valve } from '../../src/flow/Valve';
import { Intake } from '../../src/internal/Intake';

describe('Intake', () => {
  it('admits up to the bound, then queues; the valve closes exactly at the bound', () => {
    const valve = new Valve();
    const intake = new Intake<string>('op', 2, Infinity, valve);
    expect(intake.offer('a')).toBe(true);
    expect(valve.isOpen).toBe(true);
    expect(intake.offer('b')).toBe(true);
    expect(valve.isOpen).toBe(false);
    expect(intake.offer('c')).toBe(false);
    expect(intake.held).toBe(2);
    expect(intake.queued).toBe(1);
  });

  it('take admits the oldest queued element once there is room; the valve stays closed while anything is queued', () => {
    const valve = new Valve();
    const intake = new Intake<string>('op', 2, Infinity, valve);
    ['a', 'b', 'c', 'd'].forEach((v) => intake.offer(v));
    expect(intake.canTake()).toBe(false);
    intake.leave();
    expect(valve.isOpen).toBe(false); // room for one, but two are queued
    expect(intake.canTake()).toBe(true);
    expect(intake.take()).toBe('c');
    expect(intake.canTake()).toBe(false);
    intake.leave(2);
    expect(intake.held).toBe(0);
    expect(intake.take()).toBe('d');
    expect(intake.queued).toBe(0);
    expect(valve.isOpen).toBe(true); // one held of two, nothing queued
  });

  it('does not admit ahead of queued elements, even when there is room (FIFO)', () => {
    const intake = new Intake<string>('op', 1, Infinity, undefined);
    intake.offer('a');
    intake.offer('b');
    intake.leave();
    // Room now, but 'b' waits: a new element must queue behind it.
    expect(intake.offer('c')).toBe(false);
    expect(intake.take()).toBe('b');
  });

  it('throws QueueOverflowError (with operator and limit) exactly when more than maxQueued wait', () => {
    const intake = new Intake<number>('mapAsync', 1, 2, undefined);
    intake.offer(0);
    intake.offer(1);
    intake.offer(2);
    let error: unknown;
    try {
      intake.offer(3);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(QueueOverflowError);
    expect(error).toBeInstanceOf(Error);
    expect((error as QueueOverflowError).limit).toBe(2);
    expect((error as QueueOverflowError).operator).toBe('mapAsync');
    expect((error as QueueOverflowError).name).toBe('QueueOverflowError');
    expect((error as Error).message).toMatch(/^mapAsync: more than maxQueued \(2\) elements waited for room/);
    expect(intake.queued).toBe(2); // the overflowing element was not queued
  });

  it('maxQueued 0 allows no queue at all', () => {
    const intake = new Intake<number>('op', 1, 0, undefined);
    expect(intake.offer(0)).toBe(true);
    expect(() => intake.offer(1)).toThrow(QueueOverflowError);
  });

  it('dispose clears the queue and releases the valve', () => {
    const valve = new Valve();
    const intake = new Intake<number>('op', 1, Infinity, valve);
    intake.offer(0);
    intake.offer(1);
    expect(valve.isOpen).toBe(false);
    intake.dispose();
    expect(valve.isOpen).toBe(true);
    expect(intake.queued).toBe(0);
    intake.offer(2); // a late call cannot close the valve again
    expect(valve.isOpen).toBe(true);
  });

  it('matches a model under random offer/leave/take sequences (model-based)', () => {
    type Op = { kind: 'offer' } | { kind: 'leave'; n: number } | { kind: 'take' };
    const opArb: fc.Arbitrary<Op> = fc.oneof(
      { weight: 3, arbitrary: fc.constant({ kind: 'offer' as const }) },
      fc.record({ kind: fc.constant('leave' as const), n: fc.integer({ min: 1, max: 3 }) }),
      fc.constant({ kind: 'take' as const }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 5 }),
        fc.oneof(fc.constant(Infinity), fc.integer({ min: 0, max: 6 })),
        fc.array(opArb, { maxLength: 200 }),
        (bound, maxQueued, ops) => {
          const valve = new Valve();
          const changes: boolean[] = [];
          valve.onChange((open) => changes.push(open));
          const intake = new Intake<number>('op', bound, maxQueued, valve);
          let held = 0;
          const queue: number[] = [];
          let next = 0;
          let overflowed = false;
          for (const op of ops) {
            if (op.kind === 'offer') {
              const value = next++;
              if (held < bound && queue.length === 0) {
                expect(intake.offer(value)).toBe(true);
                held++;
              } else if (queue.length >= maxQueued) {
                expect(() => intake.offer(value)).toThrow(QueueOverflowError);
                overflowed = true;
                break; // the operator errors here
              } else {
                expect(intake.offer(value)).toBe(false);
                queue.push(value);
              }
            } else if (op.kind === 'leave') {
              const n = Math.min(op.n, held);
              if (n === 0) continue;
              intake.leave(n);
              held -= n;
            } else {
              const can = held < bound && queue.length > 0;
              expect(intake.canTake()).toBe(can);
              if (can) {
                expect(intake.take()).toBe(queue.shift());
                held++;
              }
            }
            expect(intake.held).toBe(held);
            expect(intake.queued).toBe(queue.length);
            expect(valve.isOpen).toBe(held < bound && queue.length === 0);
          }
          // Transitions alternate, starting with a close.
          changes.forEach((open, i) => expect(open).toBe(i % 2 === 1));
          intake.dispose();
          expect(valve.isOpen).toBe(true);
          expect(overflowed || queue.length <= maxQueued).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });
});
