import fc from 'fast-check';
import { Valve } from '../../src/flow/Valve';

const microtasks = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

describe('Valve', () => {
  it('starts open, and whenOpen resolves at once', async () => {
    const valve = new Valve();
    expect(valve.isOpen).toBe(true);
    let resolved = false;
    void valve.whenOpen().then(() => (resolved = true));
    await microtasks();
    expect(resolved).toBe(true);
  });

  it('closes while a holder is full, notifies only transitions, and resolves waiters when it opens', async () => {
    const valve = new Valve();
    const changes: boolean[] = [];
    valve.onChange((open) => changes.push(open));
    const lease = valve.attach();
    lease.setFull(false); // unchanged: nothing happens
    expect(changes).toEqual([]);
    lease.setFull(true);
    lease.setFull(true);
    expect(valve.isOpen).toBe(false);
    expect(changes).toEqual([false]);

    const order: string[] = [];
    void valve.whenOpen().then(() => order.push('first'));
    void valve.whenOpen().then(() => order.push('second'));
    await microtasks();
    expect(order).toEqual([]);
    lease.setFull(false);
    expect(valve.isOpen).toBe(true);
    expect(changes).toEqual([false, true]);
    await microtasks();
    expect(order).toEqual(['first', 'second']);
  });

  it('calls the onChange listener synchronously at the transition', () => {
    const valve = new Valve();
    const lease = valve.attach();
    const log: string[] = [];
    valve.onChange((open) => log.push(`listener ${open}`));
    log.push('before');
    lease.setFull(true);
    log.push('after');
    expect(log).toEqual(['before', 'listener false', 'after']);
  });

  it('is open only while every holder has room', () => {
    const valve = new Valve();
    const changes: boolean[] = [];
    valve.onChange((open) => changes.push(open));
    const a = valve.attach();
    const b = valve.attach();
    a.setFull(true);
    b.setFull(true);
    expect(valve.isOpen).toBe(false);
    a.setFull(false);
    expect(valve.isOpen).toBe(false); // b is still full
    b.setFull(false);
    expect(valve.isOpen).toBe(true);
    expect(changes).toEqual([false, true]);
  });

  it('release withdraws a full holder, is idempotent, and a released lease can no longer close the valve', () => {
    const valve = new Valve();
    const a = valve.attach();
    const b = valve.attach();
    a.setFull(true);
    b.setFull(true);
    a.release();
    a.release();
    expect(valve.isOpen).toBe(false);
    b.release();
    expect(valve.isOpen).toBe(true);
    a.setFull(true);
    b.setFull(true);
    expect(valve.isOpen).toBe(true);
  });

  it('onChange returns a remover; removing a listener during a notification does not skip the others', () => {
    const valve = new Valve();
    const lease = valve.attach();
    const calls: string[] = [];
    let removeFirst = (): void => undefined;
    removeFirst = valve.onChange((open) => {
      calls.push(`first ${open}`);
      removeFirst();
    });
    valve.onChange((open) => calls.push(`second ${open}`));
    lease.setFull(true);
    lease.setFull(false);
    expect(calls).toEqual(['first false', 'second false', 'second true']);
  });

  it('waiters registered while closed and still waiting after a close–open–close cycle are resolved by the first opening', async () => {
    const valve = new Valve();
    const lease = valve.attach();
    lease.setFull(true);
    let resolved = 0;
    void valve.whenOpen().then(() => resolved++);
    lease.setFull(false);
    lease.setFull(true); // closed again before the waiter's microtask ran
    await microtasks();
    expect(resolved).toBe(1); // whenOpen promises only that it opened; pullFrom re-checks isOpen
    expect(valve.isOpen).toBe(false);
  });

  it('rejects a listener that is not a function when it is registered, not at the first transition', () => {
    const valve = new Valve();
    for (const bad of [undefined, null, 42, 'open', {}]) {
      expect(() => valve.onChange(bad as never)).toThrow(TypeError);
    }
    expect(() => valve.onChange(42 as never)).toThrow('Valve.onChange: listener must be a function, got 42');
    // The valve still works.
    const lease = valve.attach();
    expect(() => lease.setFull(true)).not.toThrow();
  });

  it('matches a model under random setFull/release sequences on several leases (model-based)', () => {
    const op = fc.oneof(
      fc.record({ kind: fc.constant('set' as const), lease: fc.nat({ max: 3 }), full: fc.boolean() }),
      fc.record({ kind: fc.constant('release' as const), lease: fc.nat({ max: 3 }) }),
      fc.record({ kind: fc.constant('attach' as const) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), (ops) => {
        const valve = new Valve();
        const changes: boolean[] = [];
        valve.onChange((open) => changes.push(open));
        const leases = [valve.attach()];
        const model: { full: boolean; released: boolean }[] = [{ full: false, released: false }];
        let lastOpen = true;
        const expectedChanges: boolean[] = [];
        for (const o of ops) {
          if (o.kind === 'attach') {
            leases.push(valve.attach());
            model.push({ full: false, released: false });
          } else {
            const i = o.lease % leases.length;
            if (o.kind === 'set') {
              leases[i].setFull(o.full);
              if (!model[i].released) model[i].full = o.full;
            } else {
              leases[i].release();
              model[i] = { full: false, released: true };
            }
          }
          const open = model.every((m) => !m.full);
          if (open !== lastOpen) expectedChanges.push(open);
          lastOpen = open;
          expect(valve.isOpen).toBe(open);
        }
        expect(changes).toEqual(expectedChanges);
      }),
    );
  });
});

describe('Valve listeners that throw', () => {
  it('still calls every other listener, then rethrows the first error to the operator that caused the transition', () => {
    const valve = new Valve();
    const calls: string[] = [];
    valve.onChange(() => {
      calls.push('first');
      throw new Error('first failed');
    });
    valve.onChange(() => {
      calls.push('second');
      throw new Error('second failed');
    });
    valve.onChange(() => calls.push('third'));
    const lease = valve.attach();
    expect(() => lease.setFull(true)).toThrow('first failed');
    expect(calls).toEqual(['first', 'second', 'third']);
    expect(valve.isOpen).toBe(false); // the state changed although a listener threw
  });
});
