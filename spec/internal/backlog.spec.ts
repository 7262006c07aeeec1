import fc from 'fast-check';
import { backlogOf } from '../../src/internal/monitor/backlog';

interface Offer {
  key: string;
  waiting: number;
  running: number;
  since: number | undefined;
}

const offering =
  (offers: Offer[]) =>
  (offer: (key: unknown, waiting: number, running: number, since: number | undefined) => void): void => {
    for (const o of offers) offer(o.key, o.waiting, o.running, o.since);
  };

describe('backlogOf', () => {
  it('lists the keys with most waiting first, ties by most running, at most topKeys', () => {
    const offers: Offer[] = [
      { key: 'a', waiting: 1, running: 0, since: undefined },
      { key: 'b', waiting: 3, running: 0, since: undefined },
      { key: 'c', waiting: 3, running: 2, since: undefined },
      { key: 'd', waiting: 0, running: 5, since: undefined },
    ];
    expect(backlogOf(100, 3, [], offering(offers)).topKeys).toEqual([
      { key: 'c', waiting: 3, running: 2 },
      { key: 'b', waiting: 3, running: 0 },
      { key: 'a', waiting: 1, running: 0 },
    ]);
  });

  it('keeps the first offered of keys that tie on both counts', () => {
    const offers: Offer[] = ['x', 'y', 'z'].map((key) => ({ key, waiting: 2, running: 1, since: undefined }));
    expect(backlogOf(0, 2, [], offering(offers)).topKeys.map((k) => k.key)).toEqual(['x', 'y']);
  });

  it('lists no key with topKeys 0, and still measures the oldest wait', () => {
    const backlog = backlogOf(50, 0, [], offering([{ key: 'a', waiting: 4, running: 1, since: 20 }]));
    expect(backlog).toEqual({ topKeys: [], oldestWaitMs: 30 });
  });

  it('measures the oldest wait over the keys and the elements waiting outside them; undefined is no wait', () => {
    const offers: Offer[] = [
      { key: 'a', waiting: 1, running: 0, since: 40 },
      { key: 'b', waiting: 1, running: 0, since: undefined },
    ];
    expect(backlogOf(100, 5, [undefined, 70], offering(offers)).oldestWaitMs).toBe(60);
    expect(backlogOf(100, 5, [10, undefined], offering(offers)).oldestWaitMs).toBe(90);
    expect(backlogOf(100, 5, [undefined], offering([])).oldestWaitMs).toBe(0);
  });

  it('equals a stable sort of every offer, cut to topKeys, and the minimum of every time (model-checked)', () => {
    const offer = fc.record({
      key: fc.string({ maxLength: 3 }),
      waiting: fc.nat(5),
      running: fc.nat(3),
      since: fc.option(fc.nat(1000), { nil: undefined }),
    });
    fc.assert(
      fc.property(
        fc.array(offer, { maxLength: 40 }),
        fc.array(fc.option(fc.nat(1000), { nil: undefined })),
        fc.nat(6),
        (offers, outside, k) => {
          const now = 1000;
          const backlog = backlogOf(now, k, outside, offering(offers));
          const sorted = offers
            .map(({ key, waiting, running }) => ({ key, waiting, running }))
            .sort((x, y) => y.waiting - x.waiting || y.running - x.running);
          expect(backlog.topKeys).toEqual(sorted.slice(0, k));
          const times = [...outside, ...offers.map((o) => o.since)].filter((t): t is number => t !== undefined);
          expect(backlog.oldestWaitMs).toBe(now - Math.min(now, ...times));
        },
      ),
    );
  });
});
