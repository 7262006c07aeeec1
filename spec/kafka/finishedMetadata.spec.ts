import fc from 'fast-check';
import { decodeFinished, encodeFinished, MAX_METADATA_LENGTH, type OffsetRange } from '../../src/kafka/finishedMetadata';

/** Sorted, disjoint, non-adjacent ranges at or above `base` (the first may start at `base`). */
const rangesAbove = (base: number) =>
  fc.array(fc.tuple(fc.integer({ min: 1, max: 5000 }), fc.integer({ min: 1, max: 5000 })), { maxLength: 800 }).map((pairs) => {
    const ranges: [number, number][] = [];
    let end = base;
    for (const [gap, length] of pairs) {
      const start = end + (ranges.length === 0 ? gap - 1 : gap);
      ranges.push([start, start + length]);
      end = start + length;
    }
    return ranges;
  });

const offsets = (ranges: readonly OffsetRange[]) =>
  ranges.flatMap(([s, e]) => Array.from({ length: Math.min(e - s, 50) }, (_, i) => s + i));

describe('finished-offsets commit metadata', () => {
  it('round-trips: what fits is decoded exactly, lowest ranges first, never over the bound', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 2 ** 50 }).chain((base) => fc.tuple(fc.constant(base), rangesAbove(base))),
        fc.integer({ min: 20, max: MAX_METADATA_LENGTH }),
        ([base, ranges], maxLength) => {
          const metadata = encodeFinished(base, ranges, maxLength);
          expect(metadata.length).toBeLessThanOrEqual(maxLength);
          const decoded = decodeFinished(metadata, base);
          // a prefix of the input: the lowest ranges are kept, nothing is invented
          expect(decoded).toEqual(ranges.slice(0, decoded.length));
          if (encodeFinished(base, ranges, Infinity).length <= maxLength) expect(decoded).toEqual(ranges);
        },
      ),
    );
  });

  it('encodes the example of its documentation', () => {
    expect(
      encodeFinished(5, [
        [6, 9],
        [11, 12],
      ]),
    ).toBe('rxjs-lanes:1:5:1+3,2+1.');
    expect(decodeFinished('rxjs-lanes:1:5:1+3,2+1.', 5)).toEqual([
      [6, 9],
      [11, 12],
    ]);
    expect(encodeFinished(5, [])).toBe('');
  });

  it("reads metadata as each client returns it: with the confluent client's trailing NUL, or without the final '.'", () => {
    const written = encodeFinished(5, [[6, 65]]);
    expect(written).toBe('rxjs-lanes:1:5:1+1n.');
    for (const read of [written, `${written}\u0000`, written.slice(0, -1)]) expect(decodeFinished(read, 5)).toEqual([[6, 65]]);
  });

  it('skips ranges that are not above what it records instead of mis-encoding them', () => {
    expect(
      decodeFinished(
        encodeFinished(10, [
          [3, 5],
          [12, 14],
          [13, 20],
        ]),
        10,
      ),
    ).toEqual([[12, 14]]);
  });

  it('decodes foreign, garbage or stale metadata to nothing', () => {
    const good = encodeFinished(100, [[101, 110]]);
    for (const metadata of [
      null,
      undefined,
      '',
      'checkpoint-7', // someone else's metadata
      '{"offset":5}',
      'rxjs-lanes:1:',
      'rxjs-lanes:1:2s',
      'rxjs-lanes:1:2s:',
      'rxjs-lanes:1:2s:1',
      'rxjs-lanes:1:2s:1+0', // empty range
      'rxjs-lanes:1:2s:1+1,0+1', // adjacent ranges are not written
      'rxjs-lanes:1:2s:-1+1',
      'rxjs-lanes:1:2s:1+zzzzzzzzzzzz', // beyond 2^53
      'rxjs-lanes:2:2s:1+1', // another version
      `rxjs-lanes:1:2s:${Array.from({ length: 5000 }, () => '1+1').join(',')}`, // too many ranges
    ]) {
      expect(decodeFinished(metadata, 100)).toEqual([]);
    }
    expect(decodeFinished(good, 101)).toEqual([]); // committed after it (without metadata)
    expect(decodeFinished(good, 100)).toEqual([[101, 110]]);
  });

  it('never throws on arbitrary strings', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 200 }), fc.nat(), (text, committed) => {
        const decoded = decodeFinished(`rxjs-lanes:1:${text}`, committed);
        for (const [s, e] of decoded) expect(e).toBeGreaterThan(s);
        expect(new Set(offsets(decoded)).size).toBe(offsets(decoded).length);
      }),
    );
  });
});
