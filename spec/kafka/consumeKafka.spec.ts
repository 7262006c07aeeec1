import { asyncScheduler, Observable, of, Subject, Subscription, take, throwError, timer, type SchedulerLike } from 'rxjs';
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
import { FakeBroker, FakeConsumer } from './fakeKafka';
import { countingScheduler } from '../support/kafkaContract';

// These run against spec/kafka/fakeKafka.ts, in `npm test`: validation, and the behaviours that need a
// fault at a chosen instant (a crash with restart, a session kicked, a rebalance during a handler, a seek
// pending across a re-join). The contract shared with the real broker is spec/support/kafkaContract.ts.
jest.setTimeout(20000);

/** The async scheduler, except that actions of one delay wait until `open()`: nak delays on demand. */
function gatedScheduler(gatedDelay: number): SchedulerLike & { open(): void; waiting(): number } {
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

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

// Whatever a test did, nothing keeps running after it (a failed assertion must not leave loops behind).
const brokers: FakeBroker[] = [];
const runs: Run<unknown>[] = [];
afterEach(async () => {
  for (const run of runs.splice(0)) run.subscription.unsubscribe();
  for (const broker of brokers.splice(0)) await Promise.all(broker.consumers.map((c) => c.stop()));
});

function newBroker(): FakeBroker {
  const broker = new FakeBroker();
  brokers.push(broker);
  return broker;
}

async function until(condition: () => boolean, what: string, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(2);
  }
}

interface Run<K> {
  settlements: KafkaSettlement<K>[];
  statuses: KafkaConsumerStatus[];
  commits: KafkaCommit[];
  /** Resolves with 'complete', or with the error. */
  ended: Promise<'complete' | { error: unknown }>;
  subscription: Subscription;
  drain: () => void;
  isEnded: () => boolean;
}

type RunOptions<K extends KafkaKey> = Omit<ConsumeKafkaOptions<K>, 'stop' | 'onStatus' | 'onCommit'>;

function start<K extends KafkaKey = string | null>(consumer: KafkaConsumerLike, options: RunOptions<K>): Run<K> {
  const settlements: KafkaSettlement<K>[] = [];
  const statuses: KafkaConsumerStatus[] = [];
  const commits: KafkaCommit[] = [];
  const stop = new Subject<void>();
  let ended = false;
  let subscription!: Subscription;
  const endedPromise = new Promise<'complete' | { error: unknown }>((resolve) => {
    subscription = consumeKafka<K>(consumer, {
      commitInterval: 10,
      heartbeatInterval: 5,
      ...options,
      stop,
      onStatus: (s) => statuses.push(s),
      onCommit: (c) => commits.push(c),
    }).subscribe({
      next: (s) => settlements.push(s),
      error: (error: unknown) => {
        ended = true;
        resolve({ error });
      },
      complete: () => {
        ended = true;
        resolve('complete');
      },
    });
  });
  const run = { settlements, statuses, commits, ended: endedPromise, subscription, drain: () => stop.next(), isEnded: () => ended };
  runs.push(run as Run<unknown>);
  return run;
}

function setup(partitions: number, messages: number, keys: number, topic = 't'): { broker: FakeBroker; consumer: FakeConsumer } {
  const broker = newBroker();
  broker.createTopic(topic, partitions);
  for (let i = 0; i < messages; i++) broker.produceKeyed(topic, `key-${i % keys}`, `value-${i}`);
  return { broker, consumer: broker.consumer({ groupId: 'g', topics: [topic] }) };
}

const offsetOf = (d: KafkaDelivery) => Number(d.message.offset);
const keyOf = (d: KafkaDelivery) => d.message.key?.toString() ?? null;

function endOffsets(broker: FakeBroker, topic = 't'): Record<number, number> {
  const result: Record<number, number> = {};
  for (let p = 0; p < broker.partitionsOf(topic); p++) result[p] = broker.endOffset(topic, p);
  return result;
}

function committedOffsets(broker: FakeBroker, topic = 't', group = 'g'): Record<number, number | undefined> {
  const result: Record<number, number | undefined> = {};
  for (let p = 0; p < broker.partitionsOf(topic); p++) result[p] = broker.group(group).committedOffset(topic, p);
  return result;
}

describe('consumeKafka (against the fake kafkajs consumer)', () => {
  describe('validation, when called', () => {
    const { consumer } = setup(1, 0, 1);
    const handler = () => undefined;

    it.each<[string, () => unknown, ErrorConstructor, string]>([
      [
        'consumer',
        () => consumeKafka({} as KafkaConsumerLike, { parallelism: 2, handler }),
        TypeError,
        'consumeKafka: consumer must be a kafkajs Consumer',
      ],
      ['options', () => consumeKafka(consumer, null as never), TypeError, 'consumeKafka: options must be an object, got null'],
      [
        'parallelism',
        () => consumeKafka(consumer, { parallelism: 0, handler }),
        RangeError,
        'consumeKafka: parallelism must be an integer ≥ 1, got 0',
      ],
      [
        'parallelism type',
        () => consumeKafka(consumer, { parallelism: '4' as never, handler }),
        TypeError,
        'consumeKafka: parallelism must be a number, got "4"',
      ],
      [
        'perKey ≥ parallelism',
        () => consumeKafka(consumer, { parallelism: 4, perKey: 4, handler }),
        RangeError,
        'consumeKafka: perKey (4) must be less than parallelism (4)',
      ],
      [
        'handler',
        () => consumeKafka(consumer, { parallelism: 4, handler: 5 as never }),
        TypeError,
        'consumeKafka: handler must be a function, got 5',
      ],
      [
        'key',
        () => consumeKafka(consumer, { parallelism: 4, handler, key: 'id' as never }),
        TypeError,
        'consumeKafka: key must be a function, got "id"',
      ],
      [
        'onError',
        () => consumeKafka(consumer, { parallelism: 4, handler, onError: 'retry' as never }),
        TypeError,
        'consumeKafka: onError: an outcome must be',
      ],
      [
        'onError delay',
        () => consumeKafka(consumer, { parallelism: 4, handler, onError: { nak: -1 } }),
        RangeError,
        'consumeKafka: onError: { nak } must be a finite number',
      ],
      [
        'deadLetter',
        () => consumeKafka(consumer, { parallelism: 4, handler, deadLetter: 5 as never }),
        TypeError,
        'consumeKafka: deadLetter must be a function or { producer, topic }, got 5',
      ],
      [
        'deadLetter producer',
        () => consumeKafka(consumer, { parallelism: 4, handler, deadLetter: { topic: 'dlt' } as never }),
        TypeError,
        'consumeKafka: deadLetter.producer must be a producer (with send()), got undefined',
      ],
      [
        'deadLetter topic',
        () => consumeKafka(consumer, { parallelism: 4, handler, deadLetter: { producer: { send: async () => undefined }, topic: '' } }),
        TypeError,
        'consumeKafka: deadLetter.topic must be a non-empty string, got ""',
      ],
      [
        'deadLetter option',
        () =>
          consumeKafka(consumer, {
            parallelism: 4,
            handler,
            deadLetter: { producer: { send: async () => undefined }, topic: 'd', topics: 1 } as never,
          }),
        TypeError,
        'consumeKafka: deadLetter: unknown option "topics"; did you mean "topic"?',
      ],
      [
        'maxAttempts',
        () => consumeKafka(consumer, { parallelism: 4, handler, maxAttempts: 0 }),
        RangeError,
        'consumeKafka: maxAttempts must be an integer ≥ 1 or Infinity, got 0',
      ],
      [
        'recordFinished',
        () => consumeKafka(consumer, { parallelism: 4, handler, recordFinished: 'yes' as never }),
        TypeError,
        'consumeKafka: recordFinished must be a boolean, got "yes"',
      ],
      [
        'recordFinished without a way to read committed metadata (kafkajs)',
        () => consumeKafka(consumer, { parallelism: 4, handler, recordFinished: true }),
        TypeError,
        'consumeKafka: recordFinished needs readCommitted for a consumer without committed() (kafkajs)',
      ],
      [
        'readCommitted',
        () => consumeKafka(consumer, { parallelism: 4, handler, readCommitted: {} as never }),
        TypeError,
        'consumeKafka: readCommitted must be a function',
      ],
      [
        'stop',
        () => consumeKafka(consumer, { parallelism: 4, handler, stop: 5 as never }),
        TypeError,
        'consumeKafka: stop must be an AbortSignal, a Promise or an Observable, got 5',
      ],
      [
        'commitInterval',
        () => consumeKafka(consumer, { parallelism: 4, handler, commitInterval: 0 }),
        RangeError,
        'consumeKafka: commitInterval must be a finite number > 0, got 0',
      ],
      [
        'heartbeatInterval',
        () => consumeKafka(consumer, { parallelism: 4, handler, heartbeatInterval: Infinity }),
        RangeError,
        'consumeKafka: heartbeatInterval must be a finite number > 0, got Infinity',
      ],
      [
        'scheduler',
        () => consumeKafka(consumer, { parallelism: 4, handler, scheduler: {} as never }),
        TypeError,
        'consumeKafka: scheduler must be a SchedulerLike',
      ],
      [
        'unknown option',
        () => consumeKafka(consumer, { parallelism: 4, handler, valve: 1 } as never),
        TypeError,
        'consumeKafka: unknown option "valve"',
      ],
    ])('rejects a bad %s with a clear error', (_, call, type, message) => {
      expect(call).toThrow(type);
      expect(call).toThrow(message);
      expect(consumer.runCalls).toBe(0); // nothing happened to the consumer
    });
  });

  describe('ordering, bounds and commits', () => {
    it('handles every message once, in per-key order, never more than `parallelism` held, and commits the end after a drain', async () => {
      const { broker, consumer } = setup(4, 2000, 50);
      const parallelism = 16;
      const perKeyOffsets = new Map<string, number[]>();
      let admitted = 0;
      let maxHeld = 0;
      let running = 0;
      let maxRunning = 0;
      const runningKeys = new Set<string>();
      const run = start(consumer, {
        parallelism,
        key: (d) => {
          admitted++;
          maxHeld = Math.max(maxHeld, admitted - run.settlements.length);
          return keyOf(d);
        },
        handler: async (d) => {
          const key = keyOf(d)!;
          expect(runningKeys.has(key)).toBe(false); // perKey 1: never two of a key at once
          runningKeys.add(key);
          maxRunning = Math.max(maxRunning, ++running);
          (perKeyOffsets.get(key) ?? perKeyOffsets.set(key, []).get(key)!).push(offsetOf(d));
          await sleep(Math.random() < 0.5 ? 0 : 2);
          running--;
          runningKeys.delete(key);
        },
      });
      await until(() => run.settlements.length === 2000, 'all 2000 settled', 20000);
      run.drain();
      expect(await run.ended).toBe('complete');

      expect(maxHeld).toBeLessThanOrEqual(parallelism);
      expect(maxRunning).toBeLessThanOrEqual(parallelism);
      expect(maxRunning).toBeGreaterThan(1);
      expect(run.settlements.every((s) => s.outcome === 'ack' && !s.fenced && s.error === undefined)).toBe(true);
      const handled = run.settlements.map((s) => `${s.delivery.partition}@${offsetOf(s.delivery)}`);
      expect(new Set(handled).size).toBe(2000); // exactly once
      for (const offsets of perKeyOffsets.values()) expect(offsets).toEqual([...offsets].sort((a, b) => a - b));
      expect(committedOffsets(broker)).toEqual(endOffsets(broker));
      expect(run.statuses).toEqual(['starting', 'consuming', 'draining', 'drained']);
      expect(run.commits.some((c) => c.reason === 'interval')).toBe(true);
      expect(run.commits.every((c) => c.error === undefined)).toBe(true);
      expect(consumer.running).toBe(false);
      expect(consumer.listenerCount()).toBe(0);
      expect(consumer.eachBatchErrors).toEqual([]);
    }, 30000);

    it('never commits past a message whose handler has not finished', async () => {
      const { broker, consumer } = setup(2, 300, 30);
      const finishedAt = new Map<string, number>(); // partition@offset → broker sequence at completion
      const run = start(consumer, {
        parallelism: 12,
        commitInterval: 1,
        handler: async (d) => {
          await sleep(Math.floor(Math.random() * 4));
          finishedAt.set(`${d.partition}@${offsetOf(d)}`, ++broker.seq);
        },
      });
      await until(() => run.settlements.length === 300, 'all settled', 20000);
      run.drain();
      expect(await run.ended).toBe('complete');
      const commits = broker.group('g').commits;
      expect(commits.length).toBeGreaterThan(5);
      for (const commit of commits) {
        for (const record of broker.records('t', commit.partition)) {
          if (record.offset >= commit.offset) break;
          const finished = finishedAt.get(`${commit.partition}@${record.offset}`);
          expect(finished).toBeDefined();
          expect(finished!).toBeLessThan(commit.seq);
        }
      }
    }, 30000);

    it('reads exactly `parallelism` messages while every handler is pending, heartbeating meanwhile', async () => {
      const { consumer } = setup(1, 50, 50);
      const started: KafkaDelivery[] = [];
      const releases: (() => void)[] = [];
      let admitted = 0;
      let free = false;
      const run = start(consumer, {
        parallelism: 5,
        key: (d) => (admitted++, keyOf(d)),
        handler: (d) => {
          started.push(d);
          return free ? undefined : new Promise<void>((resolve) => releases.push(resolve));
        },
      });
      await until(() => started.length === 5, '5 started');
      const heartbeatsBefore = consumer.heartbeats;
      await sleep(40);
      expect(admitted).toBe(5);
      expect(started).toHaveLength(5);
      expect(consumer.heartbeats).toBeGreaterThan(heartbeatsBefore); // the held eachBatch keeps the session alive
      expect(consumer.batches).toHaveLength(1); // and kafkajs fetched nothing more
      releases[0]();
      await until(() => started.length === 6, 'one more started');
      await sleep(20);
      expect(admitted).toBe(6);
      free = true;
      for (const release of releases) release();
      await until(() => run.settlements.length === 50, 'all settled');
      run.drain();
      expect(await run.ended).toBe('complete');
    });

    it('keyless messages need no order; a constant key makes a partition strictly sequential', async () => {
      const broker = newBroker();
      broker.createTopic('t', 1);
      for (let i = 0; i < 8; i++) broker.produce('t', 0, null, `v${i}`);
      const keyless = broker.consumer({ groupId: 'a', topics: ['t'] });
      let running = 0;
      let maxRunning = 0;
      const handler = async () => {
        maxRunning = Math.max(maxRunning, ++running);
        await sleep(5);
        running--;
      };
      const a = start(keyless, { parallelism: 8, handler });
      await until(() => a.settlements.length === 8, 'keyless settled');
      a.drain();
      await a.ended;
      expect(maxRunning).toBe(8);
      expect(a.settlements[0].key).toBeNull();

      maxRunning = 0;
      const serial = broker.consumer({ groupId: 'b', topics: ['t'] });
      const b = start(serial, { parallelism: 8, key: () => 'all', handler });
      await until(() => b.settlements.length === 8, 'serial settled');
      b.drain();
      await b.ended;
      expect(maxRunning).toBe(1);
      expect(b.settlements.map((s) => offsetOf(s.delivery))).toEqual([0, 1, 2, 3, 4, 5, 6, 7]);
    });

    it('perKey > 1 runs that many messages of a key at once', async () => {
      const { consumer } = setup(1, 12, 1);
      let running = 0;
      let maxRunning = 0;
      const run = start(consumer, {
        parallelism: 6,
        perKey: 3,
        handler: async () => {
          maxRunning = Math.max(maxRunning, ++running);
          await sleep(5);
          running--;
        },
      });
      await until(() => run.settlements.length === 12, 'settled');
      run.drain();
      await run.ended;
      expect(maxRunning).toBe(3);
    });

    it('commits over gaps (compacted offsets) and trailing transaction markers', async () => {
      const broker = newBroker();
      broker.createTopic('t', 1);
      broker.produce('t', 0, 'a', 'v', 0); // 0
      broker.produce('t', 0, 'b', 'v', 3); // 4: 1..3 compacted away
      broker.produceControl('t', 0); // 5: a transaction marker
      broker.produce('t', 0, 'a', 'v', 2); // 8
      broker.produceControl('t', 0); // 9
      const consumer = broker.consumer({ groupId: 'g', topics: ['t'] });
      const run = start(consumer, { parallelism: 4, handler: async () => sleep(1) });
      await until(() => run.settlements.length === 3, 'settled');
      run.drain();
      await run.ended;
      expect(run.settlements.map((s) => offsetOf(s.delivery)).sort((a, b) => a - b)).toEqual([0, 4, 8]);
      expect(broker.group('g').committedOffset('t', 0)).toBe(10);
    });

    it('works with synchronous handlers over many messages', async () => {
      const { broker, consumer } = setup(2, 20000, 100);
      const run = start(consumer, { parallelism: 32, handler: () => undefined });
      await until(() => run.settlements.length === 20000, 'settled', 20000);
      run.drain();
      expect(await run.ended).toBe('complete');
      expect(committedOffsets(broker)).toEqual(endOffsets(broker));
    }, 30000);
  });

  describe('outcomes', () => {
    function oneByOne(n: number) {
      const broker = newBroker();
      broker.createTopic('t', 1);
      for (let i = 0; i < n; i++) broker.produce('t', 0, `k${i}`, `v${i}`);
      return { broker, consumer: broker.consumer({ groupId: 'g', topics: ['t'] }) };
    }

    it('a nak holds the commit offset; the message comes again; later settled messages are not handled again', async () => {
      const { broker, consumer } = oneByOne(10);
      const calls: [number, number][] = [];
      const scheduler = gatedScheduler(150); // the nak delay passes when the test says so
      const run = start(consumer, {
        parallelism: 4,
        commitInterval: 2,
        scheduler,
        handler: (d) => {
          calls.push([offsetOf(d), d.attempt]);
          return offsetOf(d) === 5 && d.attempt === 1 ? { nak: 150 } : undefined;
        },
      });
      await until(() => calls.length === 10 && scheduler.waiting() === 1, 'first pass');
      await until(() => broker.group('g').committedOffset('t', 0) === 5, 'commit up to the nak');
      await sleep(30); // several more commit intervals
      expect(broker.group('g').committedOffset('t', 0)).toBe(5); // 6..9 finished, held behind the nak
      expect(calls).toHaveLength(10);
      scheduler.open();
      await until(() => calls.length === 11, 'redelivery');
      expect(calls[10]).toEqual([5, 2]);
      const nak = run.settlements.find((s) => offsetOf(s.delivery) === 5 && s.delivery.attempt === 1)!;
      expect(nak.outcome).toEqual({ nak: 150 });
      await until(() => broker.group('g').committedOffset('t', 0) === 10, 'commit past the redelivered message');
      run.drain();
      await run.ended;
      expect(calls).toHaveLength(11); // 6..9 were skipped when the partition was read again from 5
    });

    it("'nak' without a delay comes again at once; the attempt counts deliveries", async () => {
      const { broker, consumer } = oneByOne(3);
      const attempts: number[] = [];
      const run = start(consumer, {
        parallelism: 2,
        handler: (d) => {
          if (offsetOf(d) !== 1) return undefined;
          attempts.push(d.attempt);
          return d.attempt < 3 ? 'nak' : 'ack';
        },
      });
      await until(() => attempts.length === 3, 'three attempts');
      run.drain();
      await run.ended;
      expect(attempts).toEqual([1, 2, 3]);
      expect(broker.group('g').committedOffset('t', 0)).toBe(3);
    });

    it("'term' runs deadLetter in the message's lane, then counts as settled", async () => {
      const { broker, consumer } = oneByOne(4);
      const events: string[] = [];
      const run = start(consumer, {
        parallelism: 4,
        key: () => 'one-lane',
        handler: (d) => {
          events.push(`handle ${offsetOf(d)}`);
          return offsetOf(d) === 1 ? 'term' : undefined;
        },
        deadLetter: async (d, error) => {
          events.push(`dead-letter ${offsetOf(d)} start (${String(error)})`);
          await sleep(10);
          events.push(`dead-letter ${offsetOf(d)} end`);
        },
      });
      await until(() => run.settlements.length === 4, 'settled');
      run.drain();
      await run.ended;
      expect(events).toEqual(['handle 0', 'handle 1', 'dead-letter 1 start (undefined)', 'dead-letter 1 end', 'handle 2', 'handle 3']);
      expect(run.settlements[1]).toMatchObject({ outcome: 'term', fenced: false });
      expect(broker.group('g').committedOffset('t', 0)).toBe(4);
    });

    it('a failing deadLetter fails the output and leaves the message uncommitted', async () => {
      const { broker, consumer } = oneByOne(6);
      const boom = new Error('dead-letter topic unavailable');
      const run = start(consumer, {
        parallelism: 2,
        key: () => 'one-lane',
        handler: (d) => (offsetOf(d) === 2 ? 'term' : undefined),
        deadLetter: () => throwError(() => boom),
      });
      expect(await run.ended).toEqual({ error: boom });
      expect(broker.group('g').committedOffset('t', 0)).toBe(2);
      expect(run.statuses.at(-1)).toBe('failed');
      expect(consumer.running).toBe(false);
    });

    it('the failure policy settles a throwing handler; a policy function sees the error and the delivery', async () => {
      const { broker, consumer } = oneByOne(5);
      const seen: [string, number][] = [];
      const run = start(consumer, {
        parallelism: 2,
        handler: (d) => {
          if (offsetOf(d) === 3) throw new Error('bad payload');
          return undefined;
        },
        onError: (error, d) => {
          seen.push([(error as Error).message, offsetOf(d)]);
          return 'term';
        },
      });
      await until(() => run.settlements.length === 5, 'settled');
      run.drain();
      await run.ended;
      expect(seen).toEqual([['bad payload', 3]]);
      expect(run.settlements.find((s) => offsetOf(s.delivery) === 3)).toMatchObject({ outcome: 'term', error: new Error('bad payload') });
      expect(broker.group('g').committedOffset('t', 0)).toBe(5);
    });

    it('the default policy is { nak: 1000 }; a result that is not an outcome is a failure', async () => {
      const { consumer } = oneByOne(2);
      const run = start(consumer, {
        parallelism: 2,
        handler: (d) => (offsetOf(d) === 0 ? Promise.reject(new Error('down')) : (Promise.resolve(42) as never)),
      });
      await until(() => run.settlements.length === 2, 'settled');
      run.subscription.unsubscribe();
      const [first, second] = [...run.settlements].sort((a, b) => offsetOf(a.delivery) - offsetOf(b.delivery));
      expect(first).toMatchObject({ outcome: { nak: 1000 }, error: new Error('down') });
      expect(second.outcome).toEqual({ nak: 1000 });
      expect(String(second.error)).toContain(`the handler's result is not an outcome`);
    });

    it('Observable handlers settle with their last value', async () => {
      const { broker, consumer } = oneByOne(3);
      const run = start(consumer, {
        parallelism: 2,
        handler: (d) => (offsetOf(d) === 1 ? of('ack' as const, 'term' as const) : of(undefined)),
      });
      await until(() => run.settlements.length === 3, 'settled');
      run.drain();
      await run.ended;
      expect(run.settlements.find((s) => offsetOf(s.delivery) === 1)!.outcome).toBe('term');
      expect(broker.group('g').committedOffset('t', 0)).toBe(3);
    });

    it("onError 'fail' leaves the message unsettled, aborts the other handlers, commits what was settled and errors", async () => {
      const { broker, consumer } = oneByOne(10);
      const boom = new Error('poison');
      const aborted: number[] = [];
      const run = start(consumer, {
        parallelism: 5,
        onError: 'fail',
        commitInterval: 1000,
        handler: (d, { signal }) => {
          const offset = offsetOf(d);
          if (offset < 3) return undefined;
          if (offset === 3) return sleep(10).then(() => Promise.reject(boom));
          return new Promise<void>((resolve) => signal.addEventListener('abort', () => (aborted.push(offset), resolve())));
        },
      });
      expect(await run.ended).toEqual({ error: boom });
      expect(aborted.sort()).toEqual([4, 5, 6, 7]);
      expect(broker.group('g').committedOffset('t', 0)).toBe(3);
      expect(run.commits.at(-1)).toMatchObject({ reason: 'shutdown', offsets: [{ topic: 't', partition: 0, offset: '3' }] });
      expect(run.statuses.at(-1)).toBe('failed');
      expect(consumer.running).toBe(false);
      expect(consumer.listenerCount()).toBe(0);
    });
    it('a deadLetter Observable runs to completion before the message counts as settled', async () => {
      const { broker, consumer } = oneByOne(3);
      const events: string[] = [];
      const run = start(consumer, {
        parallelism: 2,
        key: () => 'one-lane',
        handler: (d) => (offsetOf(d) === 0 ? 'term' : (events.push(`handle ${offsetOf(d)}`), undefined)),
        deadLetter: () =>
          new Observable<void>((subscriber) => {
            events.push('dead-letter start');
            const t = setTimeout(() => (events.push('dead-letter end'), subscriber.complete()), 10);
            return () => clearTimeout(t);
          }),
      });
      await until(() => run.settlements.length === 3, 'settled');
      run.drain();
      await run.ended;
      expect(events).toEqual(['dead-letter start', 'dead-letter end', 'handle 1', 'handle 2']);
      expect(broker.group('g').committedOffset('t', 0)).toBe(3);
    });

    it('an erroring Observable handler goes through the failure policy; a throwing policy fails the output', async () => {
      const { consumer } = oneByOne(3);
      const run = start(consumer, {
        parallelism: 2,
        handler: (d) => (offsetOf(d) === 1 ? timer(2).pipe(() => throwError(() => new Error('inner'))) : of(undefined)),
        onError: 'term',
      });
      await until(() => run.settlements.length === 3, 'settled');
      run.subscription.unsubscribe();
      expect(run.settlements.find((s) => offsetOf(s.delivery) === 1)).toMatchObject({ outcome: 'term', error: new Error('inner') });

      const other = oneByOne(3);
      const policyError = new Error('policy broke');
      const failing = start(other.consumer, {
        parallelism: 2,
        handler: () => Promise.reject(new Error('handler')),
        onError: () => {
          throw policyError;
        },
      });
      expect(await failing.ended).toEqual({ error: policyError });
      expect(other.broker.group('g').committedOffset('t', 0)).toBe(0); // nothing settled: still at the start
    });
  });

  describe('rebalances', () => {
    it('two processes in one group: nothing lost, per-key order of first processing holds, commits never pass unfinished work', async () => {
      const { broker, consumer: a } = setup(4, 600, 24);
      const b = broker.consumer({ groupId: 'g', topics: ['t'] });
      const log: { member: string; key: string; offset: number; partition: number; seq: number }[] = [];
      const done = new Map<string, number>(); // partition@offset → seq when acked (first time)
      const handler =
        (member: string) =>
        async (d: KafkaDelivery, { signal }: { signal: AbortSignal }) => {
          log.push({ member, key: keyOf(d)!, offset: offsetOf(d), partition: d.partition, seq: ++broker.seq });
          await sleep(Math.floor(Math.random() * 3));
          if (signal.aborted) throw new Error('revoked'); // a well-behaved handler stops early
          const id = `${d.partition}@${offsetOf(d)}`;
          if (!done.has(id)) done.set(id, ++broker.seq);
        };
      const runA = start(a, { parallelism: 8, handler: handler('a') });
      await until(() => runA.settlements.length >= 150, 'a has made progress', 10000);
      const runB = start(b, { parallelism: 8, handler: handler('b') });
      await until(() => done.size === 600, 'every message handled', 20000);
      await until(() => JSON.stringify(committedOffsets(broker)) === JSON.stringify(endOffsets(broker)), 'commits reach the end', 10000);
      runA.drain();
      runB.drain();
      expect(await runA.ended).toBe('complete');
      expect(await runB.ended).toBe('complete');

      // both members consumed after the rebalance
      expect(runA.statuses).toContain('rebalancing');
      expect(runA.statuses.slice(0, 4)).toEqual(['starting', 'consuming', 'rebalancing', 'consuming']);
      expect(runB.settlements.length).toBeGreaterThan(0);
      // per-key order of first processing
      const firstSeen = new Map<string, number[]>();
      const seen = new Set<string>();
      for (const entry of log) {
        const id = `${entry.partition}@${entry.offset}`;
        if (seen.has(id)) continue;
        seen.add(id);
        (firstSeen.get(entry.key) ?? firstSeen.set(entry.key, []).get(entry.key)!).push(entry.offset);
      }
      for (const offsets of firstSeen.values()) expect(offsets).toEqual([...offsets].sort((x, y) => x - y));
      // no commit passed a message that was not handled yet (at-least-once)
      for (const commit of broker.group('g').commits) {
        for (const record of broker.records('t', commit.partition)) {
          if (record.offset >= commit.offset) break;
          expect(done.get(`${commit.partition}@${record.offset}`)).toBeLessThan(commit.seq);
        }
      }
      // what was fenced is exactly what ran across the rebalance: it was handled again afterwards
      for (const s of [...runA.settlements, ...runB.settlements].filter((x) => x.fenced)) {
        expect(done.has(`${s.delivery.partition}@${offsetOf(s.delivery)}`)).toBe(true);
      }
      // a commit sent when the rebalance starts still carries a valid generation
      expect(runA.commits.filter((c) => c.reason === 'rebalance').every((c) => c.error === undefined)).toBe(true);
    }, 40000);

    it('commits the settled work when a rebalance starts, while the old generation is still current', async () => {
      const broker = newBroker();
      broker.createTopic('t', 1);
      for (let i = 0; i < 4; i++) broker.produce('t', 0, `k${i}`, 'v');
      const consumer = broker.consumer({ groupId: 'g', topics: ['t'] });
      const run = start(consumer, { parallelism: 4, commitInterval: 60_000, handler: () => undefined });
      await until(() => run.settlements.length === 4, 'settled');
      const generation = consumer.generation;
      broker.group('g').rebalance();
      await until(() => run.statuses.filter((s) => s === 'consuming').length === 2, 'rebalanced');
      expect(run.commits).toEqual([{ reason: 'rebalance', offsets: [{ topic: 't', partition: 0, offset: '4' }] }]);
      expect(broker.group('g').commits).toMatchObject([{ partition: 0, offset: 4, generation }]);
      await sleep(30);
      expect(run.settlements).toHaveLength(4); // nothing handled again: it was all committed
      run.drain();
      await run.ended;
    });

    it('fences handlers running across a rebalance: their signal aborts, their outcome does not count, the message comes again after them', async () => {
      const broker = newBroker();
      broker.createTopic('t', 1);
      for (let i = 0; i < 4; i++) broker.produce('t', 0, `k${i}`, 'v');
      const consumer = broker.consumer({ groupId: 'g', topics: ['t'] });
      let release!: () => void;
      const slow = new Promise<void>((resolve) => (release = resolve));
      let slowCalls = 0;
      let abortedDuringRun = false;
      const run = start(consumer, {
        parallelism: 4,
        handler: async (d, { signal }) => {
          if (offsetOf(d) !== 1) return;
          if (++slowCalls > 1) return;
          signal.addEventListener('abort', () => (abortedDuringRun = true));
          await slow; // ignores the abort: finishes late
        },
      });
      await until(() => run.settlements.length === 3, 'the fast ones settled');
      await until(() => broker.group('g').committedOffset('t', 0) === 1, 'commit up to the slow one');
      broker.group('g').rebalance();
      await until(() => run.statuses.filter((s) => s === 'consuming').length === 2, 'rebalanced');
      expect(abortedDuringRun).toBe(true);
      await until(() => run.settlements.filter((s) => !s.fenced).length === 5, 'offsets 2 and 3 handled again');
      // the new copy of offset 1 waits in its key's lane behind the fenced run still going on
      expect(slowCalls).toBe(1);
      release();
      await until(() => slowCalls === 2, 'the slow message handled again');
      await until(() => run.settlements.some((s) => s.fenced), 'the late outcome arrives fenced');
      const fenced = run.settlements.filter((s) => s.fenced);
      expect(fenced.map((s) => offsetOf(s.delivery))).toEqual([1]);
      await until(() => broker.group('g').committedOffset('t', 0) === 4, 'commit reaches the end');
      run.drain();
      await run.ended;
      // what the user sees: offsets 2 and 3 were acked before the rebalance but not committed (1 held
      // the commit offset), so they are handled a second time after it
      const handledTwice = run.settlements.filter((s) => !s.fenced).map((s) => offsetOf(s.delivery));
      expect(handledTwice.sort()).toEqual([0, 1, 2, 2, 3, 3]);
    });

    it('a seek for a nak that kafkajs has not applied when the group rebalances cannot skip fenced messages', async () => {
      // Offset 0 is slow and gets fenced; offset 5 is nak'd (the partition is sought back to 5) just
      // before the rebalance. kafkajs keeps pending seeks across a re-join: left alone, the new
      // assignment would start at 5 and offset 0 would never be handled successfully.
      const broker = newBroker();
      broker.createTopic('t', 1);
      for (let i = 0; i < 10; i++) broker.produce('t', 0, `k${i}`, 'v');
      const consumer = broker.consumer({ groupId: 'g', topics: ['t'] });
      let release!: () => void;
      const slow = new Promise<void>((resolve) => (release = resolve));
      const calls = new Map<number, number>();
      const run = start(consumer, {
        parallelism: 20,
        handler: (d) => {
          const offset = offsetOf(d);
          const n = (calls.get(offset) ?? 0) + 1;
          calls.set(offset, n);
          if (offset === 0 && n === 1) return slow;
          if (offset === 5 && n === 1) {
            broker.group('g').rebalance();
            return 'nak';
          }
          return undefined;
        },
      });
      await until(() => run.statuses.filter((s) => s === 'consuming').length === 2, 'rebalanced');
      release(); // the fenced first run of offset 0 ends; its new copy waited behind it in the key's lane
      await until(() => broker.group('g').committedOffset('t', 0) === 10, 'commit reaches the end');
      run.drain();
      await run.ended;
      expect(calls.get(0)).toBe(2);
      expect(run.settlements.filter((s) => offsetOf(s.delivery) === 0).map((s) => [s.outcome, s.fenced])).toEqual([
        ['ack', true],
        ['ack', false],
      ]);
    });

    it('a member removed from the group (session timeout) re-joins without a REBALANCING event; earlier work is fenced', async () => {
      const { broker, consumer } = setup(2, 40, 8);
      let release!: () => void;
      const slow = new Promise<void>((resolve) => (release = resolve));
      let calls = 0;
      const run = start(consumer, {
        parallelism: 4,
        handler: async () => {
          if (++calls <= 4) await slow;
        },
      });
      await until(() => calls === 4, 'window full');
      const generation = consumer.generation!;
      broker.group('g').kick(consumer);
      await until(() => consumer.generation! > generation, 're-joined');
      expect(run.statuses).toEqual(['starting', 'consuming']); // no REBALANCING event on this path
      release();
      await until(() => run.settlements.filter((s) => s.fenced).length === 4, 'the first four fenced');
      await until(() => JSON.stringify(committedOffsets(broker)) === JSON.stringify(endOffsets(broker)), 'all committed');
      run.drain();
      await run.ended;
      const handled = new Set(run.settlements.filter((s) => !s.fenced).map((s) => `${s.delivery.partition}@${offsetOf(s.delivery)}`));
      expect(handled.size).toBe(40);
    });
  });

  describe('life cycle', () => {
    it('a drain with the pipeline full finishes the running handlers, commits, stops the consumer and completes', async () => {
      const { broker, consumer } = setup(1, 30, 30);
      const started: number[] = [];
      const run = start(consumer, {
        parallelism: 3,
        commitInterval: 60_000,
        handler: async (d) => {
          started.push(offsetOf(d));
          await sleep(15);
        },
      });
      await until(() => started.length === 3, 'window full');
      run.drain();
      expect(run.statuses.at(-1)).toBe('draining');
      expect(await run.ended).toBe('complete');
      expect(started).toEqual([0, 1, 2]);
      expect(run.settlements).toHaveLength(3);
      expect(broker.group('g').committedOffset('t', 0)).toBe(3);
      expect(run.commits).toEqual([{ reason: 'drain', offsets: [{ topic: 't', partition: 0, offset: '3' }] }]);
      expect(run.statuses.at(-1)).toBe('drained');
      expect(consumer.running).toBe(false);
      expect(consumer.listenerCount()).toBe(0);
    });

    it('unsubscribing aborts running handlers, commits what was settled and stops the consumer', async () => {
      const { broker, consumer } = setup(1, 10, 10);
      const aborted: number[] = [];
      const run = start(consumer, {
        parallelism: 4,
        handler: (d, { signal }) => {
          if (offsetOf(d) < 2) return undefined;
          return new Promise<void>((resolve) => signal.addEventListener('abort', () => (aborted.push(offsetOf(d)), resolve())));
        },
      });
      await until(() => run.settlements.length === 2, 'two settled');
      await until(() => aborted.length === 0 && run.settlements.length === 2, 'others running');
      run.subscription.unsubscribe();
      expect(aborted.sort()).toEqual([2, 3, 4, 5]);
      await until(() => !consumer.running && consumer.listenerCount() === 0, 'consumer stopped');
      expect(broker.group('g').committedOffset('t', 0)).toBe(2);
      expect(run.statuses.at(-1)).toBe('stopped');
      expect(run.isEnded()).toBe(false);
    });

    it('unsubscribing while run() is still joining frees every timer at once, and stops the consumer once run() settles', async () => {
      // Another member is in the group and never re-joins (its eachBatch hangs without heartbeats): the
      // join of our consumer, and with it kafkajs's run(), stays pending until that member is removed.
      const { broker, consumer } = setup(2, 20, 4);
      const stuck = broker.consumer({ groupId: 'g', topics: ['t'] });
      let release!: () => void;
      const hung = new Promise<void>((resolve) => (release = resolve));
      await stuck.run({ eachBatch: () => hung });
      await until(() => stuck.batches.length > 0, 'the other member holds a batch');
      const scheduler = countingScheduler();
      let stops = 0;
      const stop = consumer.stop.bind(consumer);
      consumer.stop = () => (stops++, stop());
      const handled: number[] = [];
      const subscription = consumeKafka(consumer, {
        parallelism: 4,
        scheduler,
        commitInterval: 10,
        heartbeatInterval: 5,
        handler: (d) => void handled.push(offsetOf(d)),
      }).subscribe();
      await sleep(30);
      expect(consumer.runCalls).toBe(1);
      expect(consumer.generation).toBe(-1); // still joining
      expect(scheduler.pending()).toBe(2); // the commit and heartbeat tickers
      subscription.unsubscribe();
      expect(scheduler.pending()).toBe(0); // at once, whatever the phase
      expect(consumer.listenerCount()).toBe(0);
      await sleep(30);
      expect(stops).toBe(0); // kafkajs ignores a stop() while run() joins, and would then consume on
      broker.group('g').kick(stuck); // the join completes: run() resolves
      await until(() => stops === 1 && !consumer.running, 'consumer stopped');
      expect(handled).toEqual([]);
      expect(scheduler.pending()).toBe(0);
      release();
    });

    it("recordFinished reads a confluent consumer's committed offsets with a bounded wait (librdkafka's default is forever)", async () => {
      const reads: unknown[][] = [];
      const confluent = {
        run: async () => undefined,
        seek: () => undefined,
        commitOffsets: async () => undefined,
        assignment: () => [{ topic: 't', partition: 0 }],
        disconnect: async () => undefined,
        committed: (...args: unknown[]) => (reads.push(args), new Promise<never>(() => undefined)), // never answers
      };
      const subscription = consumeKafka(confluent, {
        parallelism: 2,
        handler: () => undefined,
        recordFinished: true,
        heartbeatInterval: 5,
      }).subscribe();
      await until(() => reads.length > 0, 'the committed offsets read');
      subscription.unsubscribe();
      expect(reads[0]).toEqual([[{ topic: 't', partition: 0 }], 10_000]);
    });

    it('drains on each kind of stop signal: an already aborted AbortSignal, a Promise, an Observable', async () => {
      for (const makeStop of [() => AbortSignal.abort(), () => Promise.resolve(), () => of(1)]) {
        const { consumer } = setup(1, 5, 5);
        const statuses: KafkaConsumerStatus[] = [];
        await new Promise<void>((resolve, reject) =>
          consumeKafka(consumer, {
            parallelism: 2,
            handler: () => undefined,
            stop: makeStop(),
            onStatus: (s) => statuses.push(s),
          }).subscribe({
            error: reject,
            complete: resolve,
          }),
        );
        expect(statuses.at(-1)).toBe('drained');
        expect(consumer.running).toBe(false);
      }
    });

    it('a stop signal that errors fails the output', async () => {
      const { consumer } = setup(1, 5, 5);
      const boom = new Error('stop failed');
      await expect(
        new Promise((resolve, reject) =>
          consumeKafka(consumer, { parallelism: 2, handler: () => undefined, stop: new Observable((s) => s.error(boom)) }).subscribe({
            error: reject,
            complete: () => resolve('complete'),
          }),
        ),
      ).rejects.toBe(boom);
      await until(() => !consumer.running, 'consumer stopped');
    });

    it('a crash without restart fails the output; with restart, consuming resumes', async () => {
      const failing = setup(1, 20, 4);
      const run = start(failing.consumer, { parallelism: 4, handler: async () => sleep(1) });
      await until(() => run.statuses.includes('consuming'), 'consuming');
      const boom = new Error('broker gone');
      await failing.consumer.crash(boom, false);
      expect(await run.ended).toEqual({ error: boom });
      expect(run.statuses.at(-1)).toBe('failed');

      const restarting = setup(1, 200, 4);
      let calls = 0;
      const run2 = start(restarting.consumer, {
        parallelism: 4,
        handler: async () => {
          calls++;
          await sleep(1);
        },
      });
      await until(() => calls >= 20, 'progress');
      await restarting.consumer.crash(new Error('connection reset'), true);
      await until(() => run2.statuses.filter((s) => s === 'consuming').length === 2, 'consuming again');
      expect(run2.statuses).toContain('starting');
      const handled = () => new Set(run2.settlements.filter((s) => !s.fenced).map((s) => offsetOf(s.delivery))).size;
      await until(() => handled() === 200, 'all handled');
      run2.drain();
      expect(await run2.ended).toBe('complete');
      expect(restarting.broker.group('g').committedOffset('t', 0)).toBe(200);
    });

    it('a downstream take(n) stops the consumer (no synchronous firehose)', async () => {
      const { broker, consumer } = setup(2, 20000, 100);
      let handled = 0;
      const values = await new Promise<number>((resolve, reject) => {
        let count = 0;
        consumeKafka(consumer, { parallelism: 8, handler: () => void handled++ })
          .pipe(take(3))
          .subscribe({ next: () => count++, error: reject, complete: () => resolve(count) });
      });
      expect(values).toBe(3);
      await until(() => !consumer.running && consumer.listenerCount() === 0, 'consumer stopped');
      expect(handled).toBeLessThanOrEqual(3 + 8);
      const committed = (broker.group('g').committedOffset('t', 0) ?? 0) + (broker.group('g').committedOffset('t', 1) ?? 0);
      expect(committed).toBeLessThanOrEqual(handled);
    });

    it('an empty topic drains at once', async () => {
      const { consumer } = setup(2, 0, 1);
      const run = start(consumer, { parallelism: 4, handler: () => undefined });
      await until(() => run.statuses.includes('consuming'), 'consuming');
      run.drain();
      expect(await run.ended).toBe('complete');
      expect(run.settlements).toEqual([]);
      expect(run.commits).toEqual([]);
    });

    it('reports a consumer stopped from outside', async () => {
      const { consumer } = setup(1, 5, 5);
      const run = start(consumer, { parallelism: 2, handler: () => undefined });
      await until(() => run.settlements.length === 5, 'settled');
      await consumer.stop();
      expect(run.statuses.at(-1)).toBe('stopped');
      run.subscription.unsubscribe();
    });

    it('refuses a second subscription on a consumer that is being consumed', async () => {
      const { consumer } = setup(1, 5, 5);
      const observable = consumeKafka(consumer, { parallelism: 2, handler: () => undefined });
      const first = observable.subscribe();
      let error: unknown;
      observable.subscribe({ error: (e: unknown) => (error = e) });
      expect(String(error)).toContain('consumeKafka: this consumer is already consumed by another subscription');
      first.unsubscribe();
      await until(() => !consumer.running, 'stopped');
    });

    it('a throwing onStatus fails the output', async () => {
      const { consumer } = setup(1, 5, 5);
      const boom = new Error('status sink');
      const result = await new Promise((resolve) =>
        consumeKafka(consumer, {
          parallelism: 2,
          handler: () => undefined,
          onStatus: (s) => {
            if (s === 'consuming') throw boom;
          },
        }).subscribe({ error: resolve }),
      );
      expect(result).toBe(boom);
      await until(() => !consumer.running, 'stopped');
    });
  });
});
