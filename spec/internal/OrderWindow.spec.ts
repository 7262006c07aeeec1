import fc from 'fast-check';
import { OrderWindow } from '../../src/internal/batch/OrderWindow';

type B = { name: string; slot: number };
const batch = (name: string): B => ({ name, slot: -1 });
const contents = (window: OrderWindow<B>): B[] => Array.from({ length: window.size }, (_, i) => window.at(i)!);

describe('OrderWindow', () => {
  it('hands out the batch of each message oldest first, across growth of a wrapped ring', () => {
    const window = new OrderWindow<B>();
    const a = batch('a');
    const b = batch('b');
    window.register(a);
    window.register(b);
    // Wrap the ring (head moves past 0), then grow it while wrapped.
    for (let i = 0; i < 10; i++) window.push(a);
    for (let i = 0; i < 10; i++) window.shift();
    const expected: string[] = [];
    for (let i = 0; i < 40; i++) {
      const which = i % 3 === 0 ? b : a;
      window.push(which);
      expected.push(which.name);
    }
    expect(window.size).toBe(40);
    expect(contents(window).map((x) => x.name)).toEqual(expected);
    const taken: string[] = [];
    while (window.size > 0) {
      taken.push(window.at(0)!.name);
      window.shift();
    }
    expect(taken).toEqual(expected);
    expect(window.at(0)).toBeUndefined();
    expect(window.at(window.size)).toBeUndefined();
  });

  it('reuses released slots, and a released batch no longer holds one', () => {
    const window = new OrderWindow<B>();
    const a = batch('a');
    const b = batch('b');
    window.register(a);
    window.register(b);
    expect([a.slot, b.slot]).toEqual([0, 1]);
    window.release(a);
    expect(a.slot).toBe(-1);
    const c = batch('c');
    window.register(c);
    expect(c.slot).toBe(0);
    window.push(c);
    window.push(b);
    expect(contents(window).map((x) => x.name)).toEqual(['c', 'b']);
  });

  it('clear empties the window and its slot table', () => {
    const window = new OrderWindow<B>();
    const a = batch('a');
    window.register(a);
    for (let i = 0; i < 20; i++) window.push(a);
    window.clear();
    expect(window.size).toBe(0);
    expect(window.at(0)).toBeUndefined();
    const b = batch('b');
    window.register(b);
    expect(b.slot).toBe(0);
  });

  it('behaves as a FIFO of batches under any interleaving of pushes, shifts and releases', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.constant('shift' as const), fc.integer({ min: 0, max: 4 }))), (ops) => {
        const window = new OrderWindow<B>();
        const model: B[] = [];
        const live = new Map<number, B>(); // by name index: registered batches
        let made = 0;
        for (const op of ops) {
          if (op === 'shift') {
            if (model.length === 0) continue;
            const head = model.shift()!;
            expect(window.at(0)).toBe(head);
            window.shift();
            // A batch with no message left in the window gives its slot back.
            if (!model.includes(head)) {
              window.release(head);
              for (const [k, v] of live) if (v === head) live.delete(k);
            }
          } else {
            let b = live.get(op);
            if (b === undefined) {
              b = batch(`b${made++}`);
              window.register(b);
              live.set(op, b);
            }
            window.push(b);
            model.push(b);
          }
          expect(window.size).toBe(model.length);
          expect(contents(window)).toEqual(model);
        }
      }),
    );
  });
});
