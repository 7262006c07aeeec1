import fc from 'fast-check';
import { PullWindow } from '../../src/jetstream/PullWindow';

describe('PullWindow', () => {
  it('asks for the free slots once minPull of them are free, at most maxPull per request', () => {
    const w = new PullWindow(10, 4, 6);
    expect(w.nextPullSize()).toBe(6);
    const a = w.openPull(6);
    expect(w.free).toBe(4);
    expect(w.nextPullSize()).toBe(4);
    const b = w.openPull(4);
    expect(w.nextPullSize()).toBe(0);
    for (let i = 0; i < 6; i++) expect(w.receive(a)).toBe(true);
    expect(w.unsettled).toBe(6);
    expect(w.requested).toBe(4);
    w.closePull(a);
    expect(w.requested).toBe(4);
    w.settle();
    w.settle();
    w.settle();
    expect(w.free).toBe(3);
    expect(w.nextPullSize()).toBe(0); // 3 < minPull
    w.settle();
    expect(w.nextPullSize()).toBe(4);
    w.closePull(b); // expired with nothing: its 4 slots come back
    expect(w.requested).toBe(0);
    expect(w.nextPullSize()).toBe(6);
  });

  it('never waits for more slots than it has: minPull is capped by the capacity', () => {
    const w = new PullWindow(2, 8, 8);
    expect(w.nextPullSize()).toBe(2);
  });

  it('counts a message beyond its request and reports it', () => {
    const w = new PullWindow(4, 1, 4);
    const id = w.openPull(1);
    expect(w.receive(id)).toBe(true);
    expect(w.receive(id)).toBe(false);
    expect(w.receive(99)).toBe(false);
    expect(w.unsettled).toBe(3);
    expect(w.requested).toBe(0);
  });

  it('is idle with no open request and nothing unsettled; unknown closes are ignored', () => {
    const w = new PullWindow(4, 1, 4);
    expect(w.idle).toBe(true);
    const id = w.openPull(2);
    expect(w.idle).toBe(false);
    w.receive(id);
    w.closePull(id);
    w.closePull(id);
    expect(w.openPulls).toBe(0);
    expect(w.idle).toBe(false);
    w.settle();
    w.settle(); // nothing left to settle: stays at 0
    expect(w.unsettled).toBe(0);
    expect(w.idle).toBe(true);
  });

  it('property: unsettled + requested never exceeds the capacity, and every slot comes back', () => {
    const op = fc.oneof(
      fc.constant({ kind: 'pull' as const }),
      fc.record({ kind: fc.constant('receive' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('close' as const), pick: fc.nat() }),
      fc.constant({ kind: 'settle' as const }),
    );
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 40 }),
        fc.array(op, { maxLength: 300 }),
        (capacity, minPull, maxPull, ops) => {
          const w = new PullWindow(capacity, minPull, maxPull);
          // a model of the server: open requests with what they may still deliver
          const open = new Map<number, number>();
          let unsettled = 0;
          for (const o of ops) {
            if (o.kind === 'pull') {
              const size = w.nextPullSize();
              if (size > 0) {
                expect(size).toBeLessThanOrEqual(maxPull);
                expect(size).toBeGreaterThanOrEqual(Math.min(minPull, capacity, maxPull));
                open.set(w.openPull(size), size);
              }
            } else if (o.kind === 'receive' && open.size > 0) {
              const ids = [...open.keys()];
              const id = ids[o.pick % ids.length]!;
              expect(w.receive(id)).toBe(true);
              unsettled++;
              if (open.get(id) === 1) {
                open.delete(id);
                w.closePull(id);
              } else open.set(id, open.get(id)! - 1);
            } else if (o.kind === 'close' && open.size > 0) {
              const ids = [...open.keys()];
              const id = ids[o.pick % ids.length]!;
              open.delete(id);
              w.closePull(id);
            } else if (o.kind === 'settle' && unsettled > 0) {
              w.settle();
              unsettled--;
            }
            const requested = [...open.values()].reduce((a, b) => a + b, 0);
            expect(w.unsettled).toBe(unsettled);
            expect(w.requested).toBe(requested);
            expect(w.openPulls).toBe(open.size);
            expect(w.unsettled + w.requested).toBeLessThanOrEqual(capacity);
          }
          for (const id of open.keys()) w.closePull(id);
          for (; unsettled > 0; unsettled--) w.settle();
          expect(w.idle).toBe(true);
          expect(w.free).toBe(capacity);
        },
      ),
    );
  });
});
