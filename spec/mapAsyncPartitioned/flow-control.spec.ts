/**
 * Flow control of the three async-map operators through the pack's one mechanism, the Valve: the exact
 * read-ahead of a pull source (`pullFrom`), pausing a pausable source, and the queue (with its opt-in
 * limit) of a plain push source.
 */
import { config, EMPTY, NEVER, Observable, of, Subject, type OperatorFunction } from 'rxjs';
import { QueueOverflowError } from '../../src/errors';
import { pullFrom } from '../../src/flow/pullFrom';
import { Valve } from '../../src/flow/Valve';
import { mapAsync } from '../../src/mapAsync';
import { mapAsyncPartitioned } from '../../src/mapAsyncPartitioned';
import { mapAsyncPartitionedUnordered } from '../../src/mapAsyncPartitionedUnordered';

/** Lets every pending microtask and the pull loop run to a standstill. */
async function settle(turns = 5): Promise<void> {
  for (let i = 0; i < turns; i++) await new Promise((resolve) => setImmediate(resolve));
}

/** An async generator that counts how many elements were pulled from it and whether it was closed. */
function countingSource(total = Infinity): { gen: AsyncGenerator<number>; stats: { pulled: number; finalized: boolean } } {
  const stats = { pulled: 0, finalized: false };
  async function* gen(): AsyncGenerator<number> {
    try {
      for (let i = 0; i < total; i++) {
        stats.pulled++;
        yield i;
      }
    } finally {
      stats.finalized = true;
    }
  }
  return { gen: gen(), stats };
}

type Kind = 'mapAsyncPartitioned' | 'mapAsyncPartitionedUnordered' | 'mapAsync';
const kinds: Kind[] = ['mapAsyncPartitioned', 'mapAsyncPartitionedUnordered', 'mapAsync'];

interface Options {
  parallelism: number;
  perKey?: number;
  key?: (x: number) => number;
  valve?: Valve;
  maxQueued?: number;
}

/** Builds one of the three operators with an inner per element that the test completes by hand. */
function controlled(
  kind: Kind,
  o: Options,
): { op: OperatorFunction<number, number>; inners: Map<number, Subject<number>>; finish: (x: number) => void; running: () => number[] } {
  const inners = new Map<number, Subject<number>>();
  const finished = new Set<number>();
  const project = (x: number): Observable<number> => {
    const inner = new Subject<number>();
    inners.set(x, inner);
    return inner;
  };
  const finish = (x: number): void => {
    const inner = inners.get(x)!;
    finished.add(x);
    inner.next(x);
    inner.complete();
  };
  const common = { parallelism: o.parallelism, valve: o.valve, maxQueued: o.maxQueued };
  const partitioned = { ...common, perKey: o.perKey ?? 1, key: o.key ?? ((x: number) => x), project };
  const op =
    kind === 'mapAsyncPartitioned'
      ? mapAsyncPartitioned(partitioned)
      : kind === 'mapAsyncPartitionedUnordered'
        ? mapAsyncPartitionedUnordered(partitioned)
        : mapAsync({ ...common, project });
  const running = (): number[] => [...inners.keys()].filter((x) => !finished.has(x));
  return { op, inners, finish, running };
}

describe.each(kinds)('%s — exact read-ahead from a pull source', (kind) => {
  it.each([1, 2, 5, 16])('pulls exactly parallelism (%i) elements while every inner is pending, not one more', async (parallelism) => {
    const valve = new Valve();
    const { gen, stats } = countingSource();
    const { op } = controlled(kind, { parallelism, perKey: 1, valve });
    const subscription = pullFrom(gen, valve).pipe(op).subscribe();
    await settle(10);
    expect(stats.pulled).toBe(parallelism);
    expect(valve.isOpen).toBe(false);
    subscription.unsubscribe();
  });

  // mapAsync has no partitions: every admitted element starts at once.
  if (kind !== 'mapAsync')
    it('counts elements waiting for their partition: one key, still exactly parallelism pulled', async () => {
      const valve = new Valve();
      const { gen, stats } = countingSource();
      const { op, inners } = controlled(kind, { parallelism: 4, perKey: 1, key: () => 0, valve });
      const subscription = pullFrom(gen, valve).pipe(op).subscribe();
      await settle(10);
      expect(stats.pulled).toBe(4);
      expect([...inners.keys()]).toEqual([0]); // one running, three waiting for key 0
      subscription.unsubscribe();
    });

  it('resumes pulling one element per element that leaves the operator', async () => {
    const valve = new Valve();
    const { gen, stats } = countingSource();
    const { op, finish } = controlled(kind, { parallelism: 3, perKey: 1, valve });
    const out: number[] = [];
    const subscription = pullFrom(gen, valve)
      .pipe(op)
      .subscribe((v) => out.push(v));
    await settle();
    expect(stats.pulled).toBe(3);

    finish(1); // not the head
    await settle();
    if (kind === 'mapAsyncPartitionedUnordered') {
      expect(out).toEqual([1]);
      expect(stats.pulled).toBe(4); // 1 left when its inner completed
    } else {
      expect(out).toEqual([]);
      expect(stats.pulled).toBe(3); // 1 is completed but still held behind 0
    }

    finish(0); // the head: in ordered modes 0 and 1 leave together
    await settle();
    expect(stats.pulled).toBe(5); // one per element that left
    expect(out).toEqual(kind === 'mapAsyncPartitionedUnordered' ? [1, 0] : [0, 1]);

    finish(2);
    await settle();
    expect(stats.pulled).toBe(6);
    expect(valve.isOpen).toBe(false);
    subscription.unsubscribe();
  });

  it('never overshoots over a long run (maxQueued 0 would error on any element beyond the bound)', async () => {
    const valve = new Valve();
    const { gen, stats } = countingSource(300);
    let inFlight = 0;
    let maxInFlight = 0;
    const project = async (x: number): Promise<number> => {
      inFlight++;
      maxInFlight = Math.max(maxInFlight, inFlight);
      for (let i = 0; i < x % 4; i++) await Promise.resolve();
      inFlight--;
      return x;
    };
    const options = { parallelism: 4, valve, maxQueued: 0, project };
    const op: OperatorFunction<number, number> =
      kind === 'mapAsync'
        ? mapAsync(options)
        : kind === 'mapAsyncPartitioned'
          ? mapAsyncPartitioned({ ...options, perKey: 1, key: (x: number) => x % 3 })
          : mapAsyncPartitionedUnordered({ ...options, perKey: 1, key: (x: number) => x % 3 });
    const out = await new Promise<number[]>((resolve, reject) => {
      const values: number[] = [];
      pullFrom(gen, valve)
        .pipe(op)
        .subscribe({ next: (v) => values.push(v), error: reject, complete: () => resolve(values) });
    });
    expect(stats.pulled).toBe(300);
    expect(maxInFlight).toBeLessThanOrEqual(4);
    if (kind === 'mapAsyncPartitionedUnordered') expect([...out].sort((a, b) => a - b)).toEqual([...Array(300).keys()]);
    else expect(out).toEqual([...Array(300).keys()]);
    expect(valve.isOpen).toBe(true);
  });

  it('runs the generator’s finally on unsubscribe and releases the valve', async () => {
    const valve = new Valve();
    const { gen, stats } = countingSource();
    const { op } = controlled(kind, { parallelism: 2, valve });
    const subscription = pullFrom(gen, valve).pipe(op).subscribe();
    await settle();
    expect(valve.isOpen).toBe(false);
    subscription.unsubscribe();
    expect(valve.isOpen).toBe(true);
    await settle();
    expect(stats.finalized).toBe(true);
    expect(stats.pulled).toBe(2); // reopening the valve on teardown does not read another element
  });
});

describe('pull source: synchronous Iterable', () => {
  it('reads a lazy Iterable only up to the bound', async () => {
    const valve = new Valve();
    let pulled = 0;
    function* numbers(): Generator<number> {
      for (let i = 0; ; i++) {
        pulled++;
        yield i;
      }
    }
    const subscription = pullFrom(numbers(), valve)
      .pipe(mapAsyncPartitioned({ parallelism: 3, perKey: 1, key: (x: number) => x % 2, project: () => NEVER, valve }))
      .subscribe();
    await settle();
    expect(pulled).toBe(3);
    subscription.unsubscribe();
  });
});

/**
 * A broker consumer with pause/resume: delivers its backlog while not paused. `asyncResume` delivers
 * after a microtask (like real clients); otherwise `resume()` delivers synchronously, re-entering the
 * operator from inside its valve notification.
 */
class FakeConsumer {
  paused = false;
  pauses = 0;
  resumes = 0;
  delivered = 0;
  private subscriber: { next: (v: number) => void; complete: () => void } | null = null;

  constructor(
    private readonly total: number,
    private readonly asyncResume: boolean,
  ) {}

  readonly messages = new Observable<number>((subscriber) => {
    this.subscriber = subscriber;
    this.deliver();
    return () => (this.subscriber = null);
  });

  pause(): void {
    this.paused = true;
    this.pauses++;
  }

  resume(): void {
    this.paused = false;
    this.resumes++;
    if (this.asyncResume) queueMicrotask(() => this.deliver());
    else this.deliver();
  }

  private delivering = false;
  private deliver(): void {
    if (this.delivering) return;
    this.delivering = true;
    while (this.subscriber !== null && !this.paused && this.delivered < this.total) this.subscriber.next(this.delivered++);
    if (this.subscriber !== null && this.delivered === this.total) this.subscriber.complete();
    this.delivering = false;
  }
}

describe.each([true, false])('pausable source (resume delivers asynchronously: %s)', (asyncResume) => {
  it.each(kinds)('%s pauses the consumer when full and resumes it when there is room; nothing queues', async (kind) => {
    const valve = new Valve();
    const consumer = new FakeConsumer(20, asyncResume);
    const removeListener = valve.onChange((open) => (open ? consumer.resume() : consumer.pause()));
    const { op, finish, running } = controlled(kind, { parallelism: 3, perKey: 1, key: (x) => x % 2, valve, maxQueued: 0 });
    const out: number[] = [];
    let error: unknown;
    let completed = false;
    consumer.messages.pipe(op).subscribe({ next: (v) => out.push(v), error: (e) => (error = e), complete: () => (completed = true) });

    expect(consumer.delivered).toBe(3); // paused synchronously at the bound
    expect(consumer.paused).toBe(true);
    expect(consumer.pauses).toBe(1);

    // Finish whatever runs, one at a time, until everything is through.
    for (let step = 0; step < 100 && !completed && error === undefined; step++) {
      const [next] = running();
      if (next !== undefined) finish(next);
      await settle(1);
      expect(consumer.delivered - out.length).toBeLessThanOrEqual(3);
    }
    expect(error).toBeUndefined(); // maxQueued 0: any element delivered while full would have errored
    expect(completed).toBe(true);
    if (kind === 'mapAsyncPartitionedUnordered') expect([...out].sort((a, b) => a - b)).toEqual([...Array(20).keys()]);
    else expect(out).toEqual([...Array(20).keys()]);
    expect(consumer.resumes).toBeGreaterThan(0);
    expect(consumer.pauses).toBeGreaterThanOrEqual(consumer.resumes);
    expect(valve.isOpen).toBe(true);
    removeListener();
  });
});

describe('plain push source', () => {
  it.each(kinds)('%s queues elements beyond the bound and loses none (default maxQueued: Infinity)', (kind) => {
    const source = new Subject<number>();
    const { op, inners, finish } = controlled(kind, { parallelism: 2, perKey: 1, key: (x) => x % 3 });
    const out: number[] = [];
    let completed = false;
    source.pipe(op).subscribe({ next: (v) => out.push(v), complete: () => (completed = true) });
    for (let i = 0; i < 1000; i++) source.next(i);
    source.complete();
    expect(inners.size).toBe(2);
    for (let i = 0; i < 1000; i++) finish(i); // each finish admits the next queued element, which starts at once
    expect(out).toEqual([...Array(1000).keys()]);
    expect(completed).toBe(true);
  });

  it.each(kinds)('%s errors with QueueOverflowError exactly when more than maxQueued elements wait', (kind) => {
    const source = new Subject<number>();
    const { op, inners, finish } = controlled(kind, { parallelism: 2, perKey: 1, maxQueued: 3 });
    const out: number[] = [];
    let error: unknown;
    source.pipe(op).subscribe({ next: (v) => out.push(v), error: (e) => (error = e) });
    for (let i = 0; i < 5; i++) source.next(i); // 2 held + 3 queued
    expect(error).toBeUndefined();
    finish(0); // 0 leaves, 2 is admitted: 2 held + 2 queued
    expect(out).toEqual([0]);
    source.next(5); // 3 queued
    expect(error).toBeUndefined();
    source.next(6); // would be the 4th queued
    expect(error).toBeInstanceOf(QueueOverflowError);
    const overflow = error as QueueOverflowError;
    expect(overflow.name).toBe('QueueOverflowError');
    expect(overflow.limit).toBe(3);
    expect(overflow.operator).toBe(kind);
    expect(overflow.message).toContain(`${kind}: more than maxQueued (3)`);
    // Nothing emitted after the error; every running inner was unsubscribed.
    expect(out).toEqual([0]);
    for (const inner of inners.values()) expect(inner.observed).toBe(false);
    expect(source.observed).toBe(false);
  });

  it('maxQueued 0 errors on the first element beyond parallelism', () => {
    const source = new Subject<number>();
    const errors: unknown[] = [];
    source.pipe(mapAsync({ parallelism: 3, maxQueued: 0, project: () => NEVER })).subscribe({ error: (e) => errors.push(e) });
    for (let i = 0; i < 3; i++) source.next(i);
    expect(errors).toEqual([]);
    source.next(3);
    expect(errors).toHaveLength(1);
    expect((errors[0] as QueueOverflowError).limit).toBe(0);
  });

  it('closes the valve while anything is queued, and reopens it when the queue drains below the bound', () => {
    const valve = new Valve();
    const transitions: boolean[] = [];
    valve.onChange((open) => transitions.push(open));
    const source = new Subject<number>();
    const { op, finish } = controlled('mapAsync', { parallelism: 2, valve });
    source.pipe(op).subscribe();
    source.next(0);
    expect(valve.isOpen).toBe(true);
    source.next(1); // full
    source.next(2); // queued
    expect(valve.isOpen).toBe(false);
    finish(0); // 2 admitted: full again, nothing queued
    expect(valve.isOpen).toBe(false);
    finish(1);
    expect(valve.isOpen).toBe(true);
    expect(transitions).toEqual([false, true]);
  });
});

describe('several operators sharing one valve', () => {
  it('the pull stops at the bound of whichever operator is full', async () => {
    const valve = new Valve();
    const { gen, stats } = countingSource();
    // The first stage passes everything through at once; the second is full after 3.
    const second = controlled('mapAsyncPartitioned', { parallelism: 3, perKey: 1, valve });
    const subscription = pullFrom(gen, valve)
      .pipe(mapAsync({ parallelism: 5, project: (x: number) => of(x), valve }), second.op)
      .subscribe();
    await settle();
    expect(stats.pulled).toBe(3);
    second.finish(0);
    await settle();
    expect(stats.pulled).toBe(4);
    subscription.unsubscribe();
    expect(valve.isOpen).toBe(true);
  });

  it('stays closed while either operator is full and opens only when both have room', async () => {
    const valve = new Valve();
    const { gen, stats } = countingSource();
    const first = controlled('mapAsync', { parallelism: 2, valve });
    const second = controlled('mapAsyncPartitionedUnordered', { parallelism: 2, perKey: 1, valve });
    const subscription = pullFrom(gen, valve).pipe(first.op, second.op).subscribe();
    await settle();
    expect(stats.pulled).toBe(2); // first is full
    first.finish(0); // 0 moves on to second; first has room, second has one of two
    await settle();
    expect(stats.pulled).toBe(3); // first full again (1, 2)
    first.finish(1); // 1 moves on: second is full now (0, 1), first has room
    await settle();
    expect(stats.pulled).toBe(3); // closed by second
    expect(valve.isOpen).toBe(false);
    second.finish(0); // second has room, first has room → one more
    await settle();
    expect(stats.pulled).toBe(4);
    subscription.unsubscribe();
    expect(valve.isOpen).toBe(true);
  });

  it('a pipeline that ends (complete, error, unsubscribe) releases its hold: another pipeline on the valve proceeds', async () => {
    const valve = new Valve();
    const blocking = new Subject<number>();
    const errors: unknown[] = [];
    // Pipeline A fills up and then fails.
    blocking.pipe(mapAsync({ parallelism: 1, project: () => NEVER, valve, maxQueued: 0 })).subscribe({ error: (e) => errors.push(e) });
    blocking.next(0);
    expect(valve.isOpen).toBe(false);
    const { gen, stats } = countingSource();
    const b = pullFrom(gen, valve)
      .pipe(mapAsync({ parallelism: 2, project: () => NEVER, valve }))
      .subscribe();
    await settle();
    expect(stats.pulled).toBe(0); // A holds the valve closed
    blocking.next(1); // overflow: A errors and releases its lease
    expect(errors[0]).toBeInstanceOf(QueueOverflowError);
    await settle();
    expect(stats.pulled).toBe(2);
    b.unsubscribe();
    expect(valve.isOpen).toBe(true);

    // A completed pipeline holds nothing either.
    of(1, 2, 3)
      .pipe(mapAsync({ parallelism: 1, project: (x: number) => of(x), valve }))
      .subscribe();
    EMPTY.pipe(mapAsyncPartitioned({ parallelism: 2, perKey: 1, key: (x: number) => x, project: (x: number) => of(x), valve })).subscribe();
    expect(valve.isOpen).toBe(true);
  });
});

describe('a throwing onChange listener (e.g. a consumer whose pause() or resume() throws)', () => {
  it('errors the output when it throws as the valve closes', () => {
    const valve = new Valve();
    valve.onChange((open) => {
      if (!open) throw new Error('pause failed');
    });
    const errors: unknown[] = [];
    const source = new Subject<number>();
    source.pipe(mapAsync({ parallelism: 1, project: () => NEVER, valve })).subscribe({ error: (e) => errors.push(e) });
    source.next(1);
    expect(errors).toEqual([new Error('pause failed')]);
    expect(valve.isOpen).toBe(true);
  });

  it('a listener that throws when the valve reopens errors the output (not lost)', async () => {
    // Reopening happens inside Intake.leave/take, i.e. inside an inner's completion. Here the inner that
    // frees the last slot completes synchronously during subscribe (EMPTY), so the throw lands in RxJS's
    // _trySubscribe, which hands it to the already-completed inner subscriber: dropped. (With a timer
    // inner the same throw escapes the scheduler as an uncaught exception; with a Promise inner it is an
    // unhandled rejection.)
    const valve = new Valve();
    valve.onChange((open) => {
      if (open) throw new Error('resume failed');
    });
    const seen: unknown[] = [];
    const previous = config.onUnhandledError;
    config.onUnhandledError = (e) => seen.push(e);
    try {
      const source = new Subject<number>();
      const first = new Subject<number>();
      source
        .pipe(mapAsync({ parallelism: 1, project: (x: number) => (x === 1 ? first : EMPTY), valve }))
        .subscribe({ error: (e) => seen.push(e) });
      source.next(1);
      source.next(2); // queued
      try {
        first.complete(); // 1 leaves, 2 is admitted and completes at once: the valve reopens
      } catch (thrown) {
        seen.push(thrown);
      }
      await settle();
    } finally {
      config.onUnhandledError = previous;
    }
    expect(seen).toEqual([new Error('resume failed')]);
  });
});
