import fc from 'fast-check';
import { CommitTracker, type OffsetTicket } from '../../src/kafka';

/** The offsets a list of `[start, end)` ranges covers. */
const covered = (ranges: readonly (readonly [number, number])[]) =>
  ranges.flatMap(([s, e]) => Array.from({ length: e - s }, (_, i) => s + i));

describe('CommitTracker: finished work above the watermark (recordFinished)', () => {
  it('finishedAbove lists the settled runs above the watermark; markFinished makes a new generation skip them', () => {
    const t = new CommitTracker();
    t.assign('t', 0);
    const tickets = Array.from({ length: 10 }, (_, o) => t.deliver('t', 0, o)!);
    for (const o of [1, 2, 3, 5, 8, 9]) t.settle(tickets[o], 'ack');
    expect(t.watermark('t', 0)).toBe(0);
    expect(t.finishedAbove('t', 0)).toEqual([
      [1, 4],
      [5, 6],
      [8, 10],
    ]);

    t.assign('t', 0); // a new owner (here: a new generation) that read the metadata back
    t.markFinished('t', 0, [
      [1, 4],
      [5, 6],
      [8, 10],
    ]);
    const handled: number[] = [];
    for (let o = 0; o < 12; o++) if (t.deliver('t', 0, o) !== undefined) handled.push(o);
    expect(handled).toEqual([0, 4, 6, 7, 10, 11]);
    expect(t.watermark('t', 0)).toBe(0);
    // what it has not reached yet is carried in its own metadata
    t.assign('t', 0);
    t.markFinished('t', 0, [[20, 25]]);
    t.deliver('t', 0, 18);
    expect(t.finishedAbove('t', 0)).toEqual([[20, 25]]);
  });

  it('ignores ranges below the read position, out of order or overlapping, and bad offsets throw', () => {
    const t = new CommitTracker();
    t.assign('t', 0);
    t.settle(t.deliver('t', 0, 0)!, 'ack');
    t.markFinished('t', 0, [
      [0, 1],
      [3, 6],
      [4, 5],
      [2, 3],
      [7, 8],
    ]);
    expect(t.finishedAbove('t', 0)).toEqual([
      [3, 6],
      [7, 8],
    ]);
    expect(() => t.markFinished('t', 0, [[-1, 2]])).toThrow(RangeError);
    t.markFinished('x', 0, [[1, 2]]); // not assigned: a no-op
  });

  it('property: finishedAbove is exactly the settled (or never delivered) offsets between the watermark and the read position', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.constantFrom('ack', 'nak', 'term', 'run')), { minLength: 1, maxLength: 60 }),
        (steps) => {
          const t = new CommitTracker();
          t.assign('t', 0);
          let offset = -1;
          const unsettled = new Set<number>();
          const tickets = new Map<number, OffsetTicket>();
          for (const [gap, outcome] of steps) {
            offset += gap;
            const ticket = t.deliver('t', 0, offset)!;
            tickets.set(offset, ticket);
            if (outcome === 'run' || outcome === 'nak') unsettled.add(offset);
            if (outcome !== 'run') t.settle(ticket, outcome);
          }
          const watermark = t.watermark('t', 0)!;
          const expected: number[] = [];
          for (let o = watermark; o <= offset; o++) if (!unsettled.has(o)) expected.push(o);
          expect(covered(t.finishedAbove('t', 0))).toEqual(expected);
          // and a new generation told about them hands over exactly the unsettled ones
          const finished = t.finishedAbove('t', 0);
          t.assign('t', 0);
          t.markFinished('t', 0, finished);
          const handed: number[] = [];
          for (let o = watermark; o <= offset; o++) if (t.deliver('t', 0, o) !== undefined) handed.push(o);
          expect(handed).toEqual([...unsettled].filter((o) => o >= watermark).sort((a, b) => a - b));
        },
      ),
    );
  });
});
