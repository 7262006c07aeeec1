/**
 * The contract of consumeKafka, as a suite parametrised by a test bed: it runs on the in-memory fake
 * (spec/kafka/contract.spec.ts, with `npm test`) and on a real Kafka 4 broker through kafkajs and through
 * @confluentinc/kafka-javascript (spec/integration/kafka/contract.spec.ts). Faults a real broker cannot
 * be made to produce on demand (a crash with restart, a session kicked at a chosen instant, a seek pending
 * across a re-join) stay in spec/kafka/consumeKafka.spec.ts, against the fake only.
 *
 * No timed assertions: every wait is for a condition, with a deadline that only turns a hang into a failure.
 */
import { asyncScheduler, Subject, Subscription, type SchedulerLike } from 'rxjs';
import {
  consumeKafka,
  type ConsumeKafkaOptions,
  type KafkaCommit,
  type KafkaConsumerLike,
  type KafkaConsumerStatus,
  type KafkaDelivery,
  type KafkaKey,
  type KafkaSettlement,
} from '../../src/kafka';
import type { KafkaTestBed, TestMessage } from './kafkaTestBeds';

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export async function until(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(10);
  }
}

/** The async scheduler, except that actions of one delay wait until `open()`: nak delays on demand. */
export function gatedScheduler(gatedDelay: number): SchedulerLike & { open(): void; waiting(): number } {
  const gated = new Set<() => void>();
  return {
    now: () => asyncScheduler.now(),
    schedule(work: (this: never, state?: unknown) => void, delay?: number, state?: unknown): Subscription {
      if (delay !== gatedDelay) return asyncScheduler.schedule(work as never, delay, state);
      const run = () => (work as (state?: unknown) => void)(state);
      gated.add(run);
      return new Subscription(() => gated.delete(run));
    },
    open() {
      const runs = [...gated];
      gated.clear();
      for (const run of runs) run();
    },
    waiting: () => gated.size,
  } as SchedulerLike & { open(): void; waiting(): number };
}

/** The async scheduler, counting the actions scheduled on it that are still pending (neither run nor unsubscribed). */
export function countingScheduler(): SchedulerLike & { pending(): number } {
  const actions = new Set<Subscription>();
  return {
    now: () => asyncScheduler.now(),
    schedule(work: (this: never, state?: unknown) => void, delay?: number, state?: unknown): Subscription {
      const action = asyncScheduler.schedule(work as never, delay, state);
      actions.add(action);
      return action;
    },
    pending: () => [...actions].filter((a) => !a.closed).length,
  } as SchedulerLike & { pending(): number };
}

export interface Run<K> {
  settlements: KafkaSettlement<K>[];
  statuses: KafkaConsumerStatus[];
  commits: KafkaCommit[];
  ended: Promise<'complete' | { error: unknown }>;
  subscription: Subscription;
  drain: () => void;
}

type RunOptions<K extends KafkaKey> = Omit<ConsumeKafkaOptions<K>, 'stop' | 'onStatus' | 'onCommit'> & {
  onCommit?: (commit: KafkaCommit) => void;
};

export function start<K extends KafkaKey = string | null>(
  consumer: KafkaConsumerLike,
  options: RunOptions<K>,
  runs?: Run<unknown>[],
): Run<K> {
  const settlements: KafkaSettlement<K>[] = [];
  const statuses: KafkaConsumerStatus[] = [];
  const commits: KafkaCommit[] = [];
  const stop = new Subject<void>();
  let subscription!: Subscription;
  const { onCommit, ...rest } = options;
  const ended = new Promise<'complete' | { error: unknown }>((resolve) => {
    subscription = consumeKafka<K>(consumer, {
      commitInterval: 50,
      heartbeatInterval: 50,
      ...rest,
      stop,
      onStatus: (s) => statuses.push(s),
      onCommit: (c) => {
        commits.push(c);
        onCommit?.(c);
      },
    }).subscribe({
      next: (s) => settlements.push(s),
      error: (error: unknown) => resolve({ error }),
      complete: () => resolve('complete'),
    });
  });
  const run: Run<K> = { settlements, statuses, commits, ended, subscription, drain: () => stop.next() };
  runs?.push(run as Run<unknown>);
  return run;
}

const offsetOf = (d: KafkaDelivery) => Number(d.message.offset);
const keyOf = (d: KafkaDelivery) => d.message.key?.toString() ?? null;
const id = (d: KafkaDelivery) => `${d.partition}@${offsetOf(d)}`;
const keyed = (n: number, keys: number): TestMessage[] =>
  Array.from({ length: n }, (_, i) => ({ key: `key-${i % keys}`, value: `value-${i}` }));
const distinct = (n: number): TestMessage[] => Array.from({ length: n }, (_, i) => ({ key: `k${i}`, value: `v${i}` }));

async function sameMaps(a: Promise<Map<number, number>>, b: Promise<Map<number, number>>): Promise<boolean> {
  const [x, y] = await Promise.all([a, b]);
  return x.size === y.size && [...x].every(([k, v]) => y.get(k) === v);
}

const committedOffsets = async (bed: KafkaTestBed, group: string, topic: string) =>
  new Map([...(await bed.committed(group, topic))].map(([p, c]) => [p, c.offset]));

/**
 * Declares the contract suite for the bed `make()` returns (one bed per test file: one connection set,
 * a fresh topic and group per test).
 */
export function kafkaContract(make: () => Promise<KafkaTestBed>): void {
  let bed: KafkaTestBed;
  const runs: Run<unknown>[] = [];
  let groups = 0;
  const group = () => `g-${process.pid}-${Date.now().toString(36)}-${++groups}`;

  beforeAll(async () => {
    bed = await make();
  });
  afterEach(async () => {
    for (const run of runs.splice(0)) {
      run.subscription.unsubscribe();
      await Promise.race([run.ended, sleep(100)]);
    }
  });
  afterAll(async () => {
    await bed?.close();
  });

  it('handles every message once, in per-key order, never more than `parallelism` at once, and commits the end after a drain', async () => {
    const topic = await bed.topic(4);
    await bed.produce(topic, keyed(600, 40));
    const g = group();
    const consumer = await bed.consumer(g, topic);
    const parallelism = 16;
    const perKey = new Map<string, number[]>();
    const runningKeys = new Set<string>();
    let running = 0;
    let maxRunning = 0;
    let overlap = false;
    const run = start(
      consumer,
      {
        parallelism,
        handler: async (d) => {
          const key = keyOf(d)!;
          if (runningKeys.has(key)) overlap = true;
          runningKeys.add(key);
          maxRunning = Math.max(maxRunning, ++running);
          (perKey.get(key) ?? perKey.set(key, []).get(key)!).push(offsetOf(d));
          await sleep(Math.random() < 0.5 ? 0 : 3);
          running--;
          runningKeys.delete(key);
        },
      },
      runs,
    );
    await until(() => run.settlements.length >= 600, 'all 600 settled', 60_000);
    run.drain();
    expect(await run.ended).toBe('complete');
    expect(overlap).toBe(false);
    expect(maxRunning).toBeLessThanOrEqual(parallelism);
    expect(maxRunning).toBeGreaterThan(1);
    expect(run.settlements.every((s) => s.outcome === 'ack' && !s.fenced)).toBe(true);
    expect(new Set(run.settlements.map((s) => id(s.delivery))).size).toBe(600);
    for (const offsets of perKey.values()) expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
    expect(await sameMaps(committedOffsets(bed, g, topic), bed.endOffsets(topic))).toBe(true);
    expect(run.statuses.slice(-2)).toEqual(['draining', 'drained']);
    expect(run.statuses).toContain('consuming');
  });

  it('never commits past a message whose handler has not finished', async () => {
    const topic = await bed.topic(2);
    await bed.produce(topic, keyed(300, 30));
    const g = group();
    const finished = new Set<string>();
    const violations: string[] = [];
    const run = start(
      await bed.consumer(g, topic),
      {
        parallelism: 12,
        commitInterval: 5,
        handler: async (d) => {
          await sleep(Math.floor(Math.random() * 4));
          finished.add(id(d));
        },
        // reported after the commit succeeded; the offsets were computed before it was sent, and the
        // finished set only grows: everything below a committed offset must be in it
        onCommit: (c) => {
          if (c.error !== undefined) return;
          for (const { partition, offset } of c.offsets) {
            for (let o = 0; o < Number(offset); o++)
              if (!finished.has(`${partition}@${o}`)) violations.push(`${partition}@${o} < ${offset}`);
          }
        },
      },
      runs,
    );
    await until(() => run.settlements.length >= 300, 'all settled', 60_000);
    run.drain();
    expect(await run.ended).toBe('complete');
    expect(run.commits.filter((c) => c.error === undefined).length).toBeGreaterThan(3);
    expect(violations).toEqual([]);
  });

  it('a nak holds the commit offset; the message comes again; later settled messages are not handled again', async () => {
    const topic = await bed.topic(1);
    await bed.produce(topic, distinct(10));
    const g = group();
    const calls: [number, number][] = [];
    const scheduler = gatedScheduler(150); // the nak delay passes when the test says so
    const run = start(
      await bed.consumer(g, topic),
      {
        parallelism: 4,
        commitInterval: 5,
        scheduler,
        handler: (d) => {
          calls.push([offsetOf(d), d.attempt]);
          return offsetOf(d) === 5 && d.attempt === 1 ? { nak: 150 } : undefined;
        },
      },
      runs,
    );
    await until(() => calls.length === 10 && scheduler.waiting() === 1, 'first pass');
    await until(async () => (await bed.committed(g, topic)).get(0)?.offset === 5, 'commit up to the nak');
    // held behind the nak: no commit passed 5
    await until(() => run.settlements.length === 10, 'settled');
    expect(run.commits.every((c) => c.offsets.every((o) => Number(o.offset) <= 5))).toBe(true);
    scheduler.open();
    await until(() => calls.length >= 11, 'redelivery');
    expect(calls[10]).toEqual([5, 2]);
    await until(async () => (await bed.committed(g, topic)).get(0)?.offset === 10, 'commit past the redelivered message');
    run.drain();
    expect(await run.ended).toBe('complete');
    expect(calls).toHaveLength(11); // 6..9 were skipped when the partition was read again from 5
  });

  it('after maxAttempts failed deliveries a message goes to the dead-letter topic with its origin in headers; its key moves on and the commit passes it', async () => {
    const topic = await bed.topic(1);
    const dlt = await bed.topic(1);
    const messages: TestMessage[] = [
      { key: 'a', value: 'ok-0' },
      { key: 'a', value: 'poison-1' },
      { key: 'a', value: 'ok-2' },
      { key: 'b', value: 'poison-3' },
      { key: 'b', value: 'ok-4' },
    ];
    await bed.produce(topic, messages);
    const g = group();
    const handled: string[] = [];
    const run = start(
      await bed.consumer(g, topic),
      {
        parallelism: 4,
        maxAttempts: 3,
        onError: 'nak',
        deadLetter: { producer: await bed.producer(), topic: dlt },
        handler: (d) => {
          const value = d.message.value!.toString();
          handled.push(`${value}#${d.attempt}`);
          if (value.startsWith('poison')) throw new Error(`cannot handle ${value}`);
        },
      },
      runs,
    );
    await until(() => run.settlements.filter((s) => s.outcome === 'term' || s.outcome === 'ack').length === 5, 'all settled');
    await until(async () => (await bed.committed(g, topic)).get(0)?.offset === 5, 'the commit passes the dead letters');
    run.drain();
    expect(await run.ended).toBe('complete');
    const dead = await bed.read(dlt, 2);
    expect(dead.map((m) => [m.key, m.value]).sort()).toEqual([
      ['a', 'poison-1'],
      ['b', 'poison-3'],
    ]);
    const poison1 = dead.find((m) => m.value === 'poison-1')!;
    expect(poison1.headers).toMatchObject({
      'Lanes-Topic': topic,
      'Lanes-Partition': '0',
      'Lanes-Offset': '1',
      'Lanes-Attempts': '3',
      'Lanes-Error': 'Error: cannot handle poison-1',
    });
    expect(handled.filter((h) => h.startsWith('poison-1'))).toEqual(['poison-1#1', 'poison-1#2', 'poison-1#3']);
    expect(handled).toContain('ok-2#1'); // the key moved on
    const terms = run.settlements.filter((s) => s.outcome === 'term');
    expect(terms.map((s) => [offsetOf(s.delivery), s.delivery.attempt, String(s.error)]).sort()).toEqual([
      [1, 3, 'Error: cannot handle poison-1'],
      [3, 3, 'Error: cannot handle poison-3'],
    ]);
  });

  it('a drain with the pipeline full finishes the running handlers, commits them and completes', async () => {
    const topic = await bed.topic(1);
    await bed.produce(topic, distinct(30));
    const g = group();
    const started: number[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const run = start(
      await bed.consumer(g, topic),
      {
        parallelism: 3,
        commitInterval: 60_000,
        handler: async (d) => {
          started.push(offsetOf(d));
          await gate;
        },
      },
      runs,
    );
    await until(() => started.length === 3, 'window full');
    run.drain();
    release();
    expect(await run.ended).toBe('complete');
    expect(started).toEqual([0, 1, 2]);
    expect(run.settlements).toHaveLength(3);
    expect((await bed.committed(g, topic)).get(0)?.offset).toBe(3);
    expect(run.commits.map((c) => [c.reason, c.offsets.map((o) => o.offset)])).toEqual([['drain', ['3']]]);
    expect(run.statuses.at(-1)).toBe('drained');
  });

  it('unsubscribing aborts running handlers and commits what was settled', async () => {
    const topic = await bed.topic(1);
    await bed.produce(topic, distinct(10));
    const g = group();
    const aborted: number[] = [];
    let waiting = 0;
    const run = start(
      await bed.consumer(g, topic),
      {
        parallelism: 4,
        commitInterval: 60_000,
        handler: (d, { signal }) => {
          if (offsetOf(d) < 2) return undefined;
          waiting++;
          return new Promise<void>((resolve) => signal.addEventListener('abort', () => (aborted.push(offsetOf(d)), resolve())));
        },
      },
      runs,
    );
    await until(() => run.settlements.length === 2 && waiting === 4, 'two settled, four running');
    run.subscription.unsubscribe();
    expect(aborted.sort()).toEqual([2, 3, 4, 5]);
    await until(() => run.statuses.at(-1) === 'stopped', 'stopped');
    expect((await bed.committed(g, topic)).get(0)?.offset).toBe(2);
  });

  it("unsubscribing before the client's run() settled frees every timer at once; the consumer then leaves the group", async () => {
    const topic = await bed.topic(2);
    await bed.produce(topic, distinct(50));
    const g = group();
    const scheduler = countingScheduler();
    const handled: string[] = [];
    const first = consumeKafka(await bed.consumer(g, topic), {
      parallelism: 4,
      scheduler,
      handler: (d) => void handled.push(id(d)),
    }).subscribe();
    expect(scheduler.pending()).toBe(2); // the commit and heartbeat tickers
    first.unsubscribe(); // synchronously: kafkajs is still joining the group
    expect(scheduler.pending()).toBe(0);
    // the first consumer is stopped once its run() settles, and leaves the group: the next member gets it all
    const second = start(await bed.consumer(g, topic), { parallelism: 4, handler: () => undefined }, runs);
    await until(() => new Set(second.settlements.map((s) => id(s.delivery))).size === 50, 'the next member handles every message', 60_000);
    second.drain();
    expect(await second.ended).toBe('complete');
    expect(handled).toEqual([]);
    expect(scheduler.pending()).toBe(0);
  });

  it('a member joining mid-run (a rebalance): nothing is lost, commits stay behind unfinished work, per-key first-processing order holds', async () => {
    const topic = await bed.topic(4);
    await bed.produce(topic, keyed(1000, 40));
    const g = group();
    let seq = 0;
    const firstStart = new Map<string, { seq: number; key: string; offset: number }>();
    const finished = new Set<string>();
    const violations: string[] = [];
    let joined = false; // until the second member consumes, handlers are slow, so that work is left for it
    const handler = async (d: KafkaDelivery) => {
      if (!firstStart.has(id(d))) firstStart.set(id(d), { seq: ++seq, key: keyOf(d)!, offset: offsetOf(d) });
      await sleep(joined || finished.size < 80 ? 1 : 100); // ≥ 11 s of work left for the second member to join
      finished.add(id(d));
    };
    const onCommit = (c: KafkaCommit) => {
      if (c.error !== undefined) return;
      for (const { partition, offset } of c.offsets) {
        for (let o = 0; o < Number(offset); o++) if (!finished.has(`${partition}@${o}`)) violations.push(`${partition}@${o} < ${offset}`);
      }
    };
    const a = start(await bed.consumer(g, topic), { parallelism: 8, handler, onCommit }, runs);
    await until(() => finished.size >= 80, 'the first member is under way');
    const b = start(await bed.consumer(g, topic), { parallelism: 8, handler, onCommit }, runs);
    const joinStarted = Date.now();
    await until(() => b.settlements.length > 0, 'the second member consumes');
    process.stdout.write(`\n[${bed.name}] the second member consumed ${Date.now() - joinStarted} ms after it started\n`);
    joined = true;
    await until(() => finished.size === 1000, 'every message handled', 90_000);
    await until(() => sameMaps(committedOffsets(bed, g, topic), bed.endOffsets(topic)), 'everything committed', 60_000);
    a.drain();
    b.drain();
    expect(await a.ended).toBe('complete');
    expect(await b.ended).toBe('complete');
    expect(violations).toEqual([]);
    expect(b.settlements.length).toBeGreaterThan(0); // the new member got partitions
    const byKey = new Map<string, { seq: number; offset: number }[]>();
    for (const entry of firstStart.values()) (byKey.get(entry.key) ?? byKey.set(entry.key, []).get(entry.key)!).push(entry);
    for (const entries of byKey.values()) {
      const offsets = entries.sort((x, y) => x.seq - y.seq).map((e) => e.offset);
      expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
    }
  });

  it('recordFinished: a new owner skips the messages finished above the commit offset (measured against the same run without it)', async () => {
    // One partition; offset 0 is slow, 1..59 finish: the commit offset stays at 0. The first owner is torn
    // down (its last commit records what it finished); the second owner of the group handles the partition.
    const rerun = async (recordFinished: boolean): Promise<{ rerun: number[]; metadata: string | null }> => {
      const topic = await bed.topic(1);
      await bed.produce(topic, distinct(60));
      const g = group();
      const first = await bed.consumer(g, topic);
      const a = start(
        first,
        {
          parallelism: 64,
          recordFinished,
          readCommitted: recordFinished ? bed.readCommitted(g) : undefined,
          handler: (d, { signal }) =>
            offsetOf(d) === 0 ? new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve())) : undefined,
        },
        runs,
      );
      await until(() => a.settlements.length === 59, 'the first owner finished all but offset 0');
      if (recordFinished)
        await until(() => a.commits.some((c) => c.offsets.some((o) => (o.metadata ?? '') !== '')), 'the finished work recorded');
      a.subscription.unsubscribe();
      await until(() => a.statuses.at(-1) === 'stopped', 'the first owner stopped');
      const committed = (await bed.committed(g, topic)).get(0);
      expect(committed?.offset).toBe(0);
      const handled: number[] = [];
      const b = start(
        await bed.consumer(g, topic),
        {
          parallelism: 64,
          recordFinished,
          readCommitted: recordFinished ? bed.readCommitted(g) : undefined,
          handler: (d) => void handled.push(offsetOf(d)),
        },
        runs,
      );
      await until(async () => (await bed.committed(g, topic)).get(0)?.offset === 60, 'the second owner committed the end');
      b.drain();
      expect(await b.ended).toBe('complete');
      return { rerun: handled.filter((o) => o !== 0), metadata: committed?.metadata ?? null };
    };
    const without = await rerun(false);
    const withMetadata = await rerun(true);
    expect(without.rerun).toHaveLength(59); // every finished message handled a second time
    expect(withMetadata.rerun).toEqual([]); // none
    // 1..59 (59 is "1n" in base 36); the confluent client stores a trailing NUL (its binding writes C strings)
    // eslint-disable-next-line no-control-regex -- the NUL the confluent client appends
    expect(withMetadata.metadata?.replace(/\u0000$/, '')).toBe('rxjs-lanes:1:0:1+1n.');
    process.stdout.write(
      `\n[${bed.name}] finished messages re-run by the partition's next owner: without recordFinished ${without.rerun.length}, with it ${withMetadata.rerun.length}\n`,
    );
  });

  it("a member that got no partition (more members than partitions) is still 'consuming': the readiness signal", async () => {
    const topic = await bed.topic(1);
    await bed.produce(topic, distinct(5));
    const g = group();
    const a = start(await bed.consumer(g, topic), { parallelism: 4, handler: () => undefined }, runs);
    await until(() => a.settlements.length === 5, 'the first member consumes');
    const b = start(await bed.consumer(g, topic), { parallelism: 4, handler: () => undefined }, runs);
    await until(
      () => b.statuses.includes('consuming') && a.statuses.filter((s) => s === 'consuming').length >= 1,
      'both consuming',
      60_000,
    );
    b.drain();
    a.drain();
    expect(await b.ended).toBe('complete');
    expect(await a.ended).toBe('complete');
    expect(a.settlements.length + b.settlements.length).toBeGreaterThanOrEqual(5);
  });

  it('an empty topic drains at once', async () => {
    const topic = await bed.topic(2);
    const g = group();
    const run = start(await bed.consumer(g, topic), { parallelism: 4, handler: () => undefined }, runs);
    await until(() => run.statuses.includes('consuming'), 'consuming');
    run.drain();
    expect(await run.ended).toBe('complete');
    expect(run.settlements).toEqual([]);
    expect(run.commits).toEqual([]);
  });
}
