import { take, toArray, lastValueFrom } from 'rxjs';
import { pullFrom } from '../../src/flow/pullFrom';
import { Valve } from '../../src/flow/Valve';

async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

describe('pullFrom', () => {
  describe('validation (at creation)', () => {
    it.each([
      [undefined, 'undefined'],
      [null, 'null'],
      [42, '42'],
      [{}, 'an object'],
      [Promise.resolve(1), 'an object'],
    ])('rejects source %p with a TypeError naming pullFrom, the parameter and the value', (source, shown) => {
      expect(() => pullFrom(source as never, new Valve())).toThrow(TypeError);
      expect(() => pullFrom(source as never, new Valve())).toThrow(
        `pullFrom: source must be an AsyncIterable or an Iterable, got ${shown}`,
      );
    });

    it.each([
      [undefined, 'undefined'],
      [{ isOpen: true, whenOpen: () => Promise.resolve() }, 'an object'],
      ['valve', '"valve"'],
    ])('rejects valve %p with a TypeError', (valve, shown) => {
      expect(() => pullFrom([1], valve as never)).toThrow(TypeError);
      expect(() => pullFrom([1], valve as never)).toThrow(`pullFrom: valve must be a Valve, got ${shown}`);
    });

    it('creates no iterator until subscribed, and a fresh one per subscription of a re-iterable source', async () => {
      let created = 0;
      const source: AsyncIterable<number> = {
        [Symbol.asyncIterator]: async function* () {
          created++;
          yield 1;
          yield 2;
        },
      };
      const valve = new Valve();
      const pulled = pullFrom(source, valve);
      expect(created).toBe(0);
      expect(await lastValueFrom(pulled.pipe(toArray()))).toEqual([1, 2]);
      expect(await lastValueFrom(pulled.pipe(toArray()))).toEqual([1, 2]);
      expect(created).toBe(2);
    });
  });

  it('emits an async generator’s elements in order and completes', async () => {
    async function* gen(): AsyncGenerator<string> {
      yield 'a';
      yield 'b';
      yield 'c';
    }
    expect(await lastValueFrom(pullFrom(gen(), new Valve()).pipe(toArray()))).toEqual(['a', 'b', 'c']);
  });

  it('reads a synchronous Iterable (an array, a generator) the same way, asynchronously', async () => {
    const out: number[] = [];
    pullFrom([1, 2, 3], new Valve()).subscribe((v) => out.push(v));
    expect(out).toEqual([]); // never synchronous: reading happens in microtasks
    await settle();
    expect(out).toEqual([1, 2, 3]);
  });

  it('forwards the iterator’s error', async () => {
    async function* gen(): AsyncGenerator<number> {
      yield 1;
      throw new Error('broken page');
    }
    const seen: unknown[] = [];
    await new Promise<void>((resolve) =>
      pullFrom(gen(), new Valve()).subscribe({ next: (v) => seen.push(v), error: (e: Error) => (seen.push(e.message), resolve()) }),
    );
    expect(seen).toEqual([1, 'broken page']);
  });

  it('forwards a synchronous throw from a synchronous iterator’s next()', async () => {
    const iterable: Iterable<number> = {
      [Symbol.iterator]: () => ({
        next: () => {
          throw new Error('no more');
        },
      }),
    };
    const error = await new Promise((resolve) => pullFrom(iterable, new Valve()).subscribe({ error: resolve }));
    expect(error).toEqual(new Error('no more'));
  });

  it('reads nothing while the valve is closed and resumes when it opens', async () => {
    const valve = new Valve();
    const lease = valve.attach();
    lease.setFull(true);
    let pulled = 0;
    async function* gen(): AsyncGenerator<number> {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    }
    const out: number[] = [];
    const subscription = pullFrom(gen(), valve).subscribe((v) => {
      out.push(v);
      if (out.length === 2) lease.setFull(true); // a downstream operator becoming full on the 2nd
    });
    await settle();
    expect(pulled).toBe(0);
    lease.setFull(false);
    await settle();
    expect(out).toEqual([0, 1]);
    expect(pulled).toBe(2); // closed synchronously on the 2nd: no third read
    subscription.unsubscribe();
  });

  it('re-checks the valve after waking: an open–close flip before the wake-up reads nothing', async () => {
    const valve = new Valve();
    const lease = valve.attach();
    lease.setFull(true);
    let pulled = 0;
    const subscription = pullFrom(
      (function* () {
        for (;;) {
          pulled++;
          yield pulled;
        }
      })(),
      valve,
    ).subscribe();
    await settle();
    lease.setFull(false);
    lease.setFull(true);
    await settle();
    expect(pulled).toBe(0);
    subscription.unsubscribe();
  });

  it('calls return() on unsubscribe so an async generator runs its finally, also while waiting for the valve', async () => {
    const valve = new Valve();
    const lease = valve.attach();
    let finalized = false;
    async function* gen(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) yield i;
      } finally {
        finalized = true;
      }
    }
    const out: number[] = [];
    const subscription = pullFrom(gen(), valve).subscribe((v) => {
      out.push(v);
      lease.setFull(true);
    });
    await settle();
    expect(out).toEqual([0]);
    subscription.unsubscribe();
    await settle();
    expect(finalized).toBe(true);
    lease.setFull(false);
    await settle();
    expect(out).toEqual([0]); // nothing read after the unsubscribe, even when the valve opens
  });

  it('stops when a downstream take(n) completes, and closes the generator', async () => {
    let finalized = false;
    let pulled = 0;
    async function* gen(): AsyncGenerator<number> {
      try {
        for (let i = 0; ; i++) {
          pulled++;
          yield i;
        }
      } finally {
        finalized = true;
      }
    }
    expect(await lastValueFrom(pullFrom(gen(), new Valve()).pipe(take(3), toArray()))).toEqual([0, 1, 2]);
    await settle();
    expect(finalized).toBe(true);
    expect(pulled).toBe(3);
  });

  it('emits nothing that arrives after an unsubscribe made while a read was pending', async () => {
    let release!: () => void;
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>((resolve) => (release = () => resolve({ value: 1, done: false }))),
      }),
    };
    const out: number[] = [];
    const subscription = pullFrom(iterable, new Valve()).subscribe((v) => out.push(v));
    await settle();
    subscription.unsubscribe();
    release();
    await settle();
    expect(out).toEqual([]);
  });

  it('swallows a failing return() (rejected or thrown): the unsubscribe succeeds', async () => {
    const make = (ret: () => unknown): AsyncIterable<number> => ({
      [Symbol.asyncIterator]: () => ({ next: () => new Promise<IteratorResult<number>>(() => undefined), return: ret as never }),
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown): void => void unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      const a = pullFrom(
        make(() => Promise.reject(new Error('close failed'))),
        new Valve(),
      ).subscribe();
      const b = pullFrom(
        make(() => {
          throw new Error('close threw');
        }),
        new Valve(),
      ).subscribe();
      await settle();
      expect(() => a.unsubscribe()).not.toThrow();
      expect(() => b.unsubscribe()).not.toThrow();
      await settle();
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });

  it('does not error after an unsubscribe when the iterator then fails', async () => {
    let fail!: () => void;
    const iterable: AsyncIterable<number> = {
      [Symbol.asyncIterator]: () => ({
        next: () => new Promise<IteratorResult<number>>((_, reject) => (fail = () => reject(new Error('late')))),
      }),
    };
    const errors: unknown[] = [];
    const subscription = pullFrom(iterable, new Valve()).subscribe({ error: (e) => errors.push(e) });
    await settle();
    subscription.unsubscribe();
    fail();
    await settle();
    expect(errors).toEqual([]);
  });
});
