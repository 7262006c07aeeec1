import fc from 'fast-check';
import { Queue } from '../../src/internal/Queue';

describe('Queue', () => {
  it('is FIFO across growth and wrap-around (model-checked against an array)', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.integer(), fc.constant('shift' as const)), { maxLength: 300 }), (ops) => {
        const queue = new Queue<number>(4);
        const model: number[] = [];
        for (const op of ops) {
          if (op === 'shift') expect(queue.shift()).toBe(model.shift());
          else {
            queue.push(op);
            model.push(op);
          }
          expect(queue.size).toBe(model.length);
          expect(queue.peek()).toBe(model[0]);
        }
        expect([...queue]).toEqual(model);
        model.forEach((v, i) => expect(queue.at(i)).toBe(v));
        expect(queue.at(model.length)).toBeUndefined();
      }),
    );
  });

  it('returns undefined when empty and forgets everything on clear', () => {
    const queue = new Queue<string>();
    expect(queue.shift()).toBeUndefined();
    expect(queue.isEmpty()).toBe(true);
    queue.push('a');
    queue.push('b');
    queue.clear();
    expect(queue.size).toBe(0);
    expect([...queue]).toEqual([]);
  });
});
