/**
 * consumeJetStream's `retry` (backoff schedule, maxAttempts, dead letter) and fromJetStream's `group`
 * (pinned-client priority groups), on the fake consumer: argument checks at creation, checks of the
 * consumer's configuration at start, and the settle calls that reach the wire.
 */
import { Subject } from 'rxjs';
import { consumeJetStream, fromJetStream, type JetStreamSettlement } from '../../src/jetstream/index';
import { retryDecision, readRetry, deadLetterHeaders } from '../../src/jetstream/retry';
import { FakeConsumer, settle } from './fakeConsumer';

function collect<T>(source: import('rxjs').Observable<T>) {
  const out = { values: [] as T[], error: undefined as unknown, completed: false };
  const subscription = source.subscribe({
    next: (v) => out.values.push(v),
    error: (e: unknown) => (out.error = e),
    complete: () => (out.completed = true),
  });
  return { out, subscription };
}

const deferred = () => {
  let resolve!: (v?: unknown) => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
};

describe('retry', () => {
  const handler = () => undefined;
  const publish = () => Promise.resolve();
  it.each([
    [{ retry: 5 }, TypeError, /consumeJetStream: retry must be an object \(\{ backoff, maxAttempts, deadLetter\? \}\), got 5/],
    [{ retry: { backoff: [], maxAttempts: 3 } }, TypeError, /retry.backoff must be a non-empty array of delays in ms, got an array/],
    [
      { retry: { backoff: [100, -1], maxAttempts: 3 } },
      RangeError,
      /retry.backoff\[1\] must be a finite number of milliseconds ≥ 0, got -1/,
    ],
    [{ retry: { backoff: [100], maxAttempts: 0 } }, RangeError, /retry.maxAttempts must be an integer ≥ 1, got 0/],
    [
      { retry: { backoff: [100], maxAttempts: 3, maxAttempt: 2 } },
      TypeError,
      /consumeJetStream: retry: unknown option "maxAttempt"; did you mean "maxAttempts"\?/,
    ],
    [
      { retry: { backoff: [100], maxAttempts: 3, deadLetter: { subject: '', publish } } },
      TypeError,
      /retry.deadLetter.subject must be a non-empty string or a function, got ""/,
    ],
    [
      { retry: { backoff: [100], maxAttempts: 3, deadLetter: { subject: 'dlq' } } },
      TypeError,
      /retry.deadLetter.publish must be a function, got undefined/,
    ],
    [
      { retry: { backoff: [100], maxAttempts: 3, deadLetter: { subject: 'dlq', publish, header: 1 } } },
      TypeError,
      /retry.deadLetter: unknown option "header"/,
    ],
    [{ retry: { backoff: [100], maxAttempts: 3 }, onError: 'term' }, TypeError, /pass either onError or retry, not both/],
  ])('%p throws when called', (extra, type, message) => {
    const call = () => consumeJetStream(new FakeConsumer(), { parallelism: 2, handler, ...(extra as object) } as never);
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });

  it('retryDecision: backoff[deliveryCount - 1], the last delay repeats, give up from maxAttempts on', () => {
    const policy = readRetry('t', { backoff: [100, 500], maxAttempts: 4 });
    expect([1, 2, 3, 4, 5].map((n) => retryDecision(policy, n))).toEqual([{ nak: 100 }, { nak: 500 }, { nak: 500 }, 'give-up', 'give-up']);
    expect(retryDecision(readRetry('t', { backoff: [0], maxAttempts: 1 }), 1)).toBe('give-up');
  });

  it('naks with the schedule, then dead-letters (term only once the dead letter is stored); a failed publish naks again and says so', async () => {
    const consumer = new FakeConsumer();
    const published: { subject: string; data: string; headers: ReadonlyArray<readonly [string, string]> }[] = [];
    const stores: ReturnType<typeof deferred>[] = [];
    const { out, subscription } = collect(
      consumeJetStream(consumer, {
        parallelism: 2,
        retry: {
          backoff: [100, 500],
          maxAttempts: 3,
          deadLetter: {
            subject: (m) => `dlq.${m.subject}`,
            publish: (subject, data, headers) => {
              published.push({ subject, data: new TextDecoder().decode(data), headers });
              const store = deferred();
              stores.push(store);
              return store.promise;
            },
          },
        },
        handler: (d) => {
          throw new Error(`fail ${d.info.deliveryCount}`);
        },
      }),
    );
    await settle();
    consumer.deliver(1, () => 'orders.a');
    await settle();
    consumer.redeliver(1);
    await settle();
    expect(consumer.delivered.map((m) => m.log)).toEqual([[{ kind: 'nak', delay: 100 }], [{ kind: 'nak', delay: 500 }]]);
    consumer.redeliver(1);
    await settle();
    expect(published).toHaveLength(1);
    expect(consumer.delivered[2]!.log).toEqual([]); // not terminated before the dead letter is stored
    expect(published[0]!.subject).toBe('dlq.orders.a');
    expect(published[0]!.data).toBe('{"seq":1}');
    expect(published[0]!.headers).toEqual([
      ['Lanes-Subject', 'orders.a'],
      ['Lanes-Stream', 'S'],
      ['Lanes-Consumer', 'C'],
      ['Lanes-Stream-Sequence', '1'],
      ['Lanes-Attempts', '3'],
      ['Lanes-Error', 'Error: fail 3'],
    ]);
    stores[0]!.resolve();
    await settle();
    expect(consumer.delivered[2]!.log).toEqual([{ kind: 'term' }]);
    expect(out.values.map((s: JetStreamSettlement<string>) => [s.outcome, String(s.error)])).toEqual([
      [{ nak: 100 }, 'Error: fail 1'],
      [{ nak: 500 }, 'Error: fail 2'],
      ['term', 'Error: fail 3'],
    ]);
    // A dead letter that cannot be stored: nak'd with the last delay, the settlement carries why.
    consumer.redeliver(1);
    await settle();
    stores[1]!.reject(new Error('no stream'));
    await settle();
    expect(consumer.delivered[3]!.log).toEqual([{ kind: 'nak', delay: 500 }]);
    const last = out.values.at(-1)!;
    expect(String(last.error)).toMatch(/the dead letter could not be published \(nak'd to try again\): Error: no stream/);
    expect((last.error as Error).cause).toEqual(new Error('fail 4'));
    expect(out.error).toBeUndefined();
    subscription.unsubscribe();
  });

  it('without deadLetter, gives up with term; fails at start when max_deliver would drop the message first', async () => {
    const consumer = new FakeConsumer();
    const { out, subscription } = collect(
      consumeJetStream(consumer, {
        parallelism: 1,
        retry: { backoff: [10], maxAttempts: 2 },
        handler: () => Promise.reject(new Error('x')),
      }),
    );
    await settle();
    consumer.deliver(1);
    await settle();
    consumer.redeliver(1);
    await settle();
    expect(consumer.delivered.map((m) => m.log)).toEqual([[{ kind: 'nak', delay: 10 }], [{ kind: 'term' }]]);
    expect(out.values.map((s) => s.outcome)).toEqual([{ nak: 10 }, 'term']);
    subscription.unsubscribe();

    const short = collect(
      consumeJetStream(new FakeConsumer({ maxDeliver: 2 }), {
        parallelism: 1,
        retry: { backoff: [10], maxAttempts: 3 },
        handler: () => undefined,
      }),
    );
    await settle();
    expect(short.out.error).toEqual(
      new RangeError(
        "consumeJetStream: retry.maxAttempts (3) must be at most the consumer's max_deliver (2), or the server stops delivering a failing message before it is dead-lettered",
      ),
    );
  });

  it('deadLetterHeaders keeps the message headers first (every value) and makes the error one line', () => {
    const values: Record<string, string[]> = { 'Trace-Id': ['a'], Tag: ['x', 'y'] };
    const message = {
      subject: 's',
      headers: { keys: () => Object.keys(values), values: (k: string) => values[k]!, get: () => '', has: () => true },
      info: { stream: 'S', consumer: 'C', streamSequence: 7, deliveryCount: 2 },
    };
    expect(deadLetterHeaders(message as never, 'line 1\r\nline 2')).toEqual([
      ['Trace-Id', 'a'],
      ['Tag', 'x'],
      ['Tag', 'y'],
      ['Lanes-Subject', 's'],
      ['Lanes-Stream', 'S'],
      ['Lanes-Consumer', 'C'],
      ['Lanes-Stream-Sequence', '7'],
      ['Lanes-Attempts', '2'],
      ['Lanes-Error', 'line 1 line 2'],
    ]);
  });
});

describe('group (pinned-client priority groups)', () => {
  const pinned = {
    priorityPolicy: 'pinned_client',
    priorityGroups: ['owners'],
    maxAckPending: 4,
    ackWaitMs: 2000,
    priorityTimeoutMs: 4000,
  };

  it.each([
    [{ group: '' }, TypeError, /fromJetStream: group must be 1–16 characters of A-Z a-z 0-9 - _ \/ =, got ""/],
    [{ group: 'a.b' }, TypeError, /group must be 1–16 characters/],
    [{ group: 'g', minPull: 2 }, TypeError, /fromJetStream: minPull does not apply with group/],
    [{ group: 'g', awaitPending: true }, TypeError, /awaitPending does not apply with group/],
  ])('%p throws when called', (extra, type, message) => {
    const call = () => fromJetStream(new FakeConsumer(), { window: 4, ...(extra as object) } as never);
    expect(call).toThrow(type);
    expect(call).toThrow(message);
  });

  it('needs a consumer with consume()', () => {
    const consumer = new FakeConsumer();
    const bare = { info: () => consumer.info(), fetch: consumer.fetch.bind(consumer) };
    expect(() => fromJetStream(bare, { window: 4, group: 'g' })).toThrow(/with group, consumer must have consume\(\)/);
  });

  it.each([
    [
      { ...pinned, priorityPolicy: undefined },
      /with group, the consumer must have priority_policy "pinned_client" \(nats-server ≥ 2.11\), got undefined/,
    ],
    [{ ...pinned, priorityGroups: ['other'] }, /group "owners" is not one of the consumer's priority_groups \(other\)/],
    [{ ...pinned, maxAckPending: 8 }, /max_ack_pending must be between 1 and window \(4\): it is the bound the server enforces, got 8/],
    [
      { ...pinned, priorityTimeoutMs: 3000 },
      /priority_timeout \(3000 ms\) must be at least ack_wait \(or the longest backoff\) \+ expires \+ 500 ms = 3500 ms/,
    ],
  ])('fails at start when the consumer does not fit: %p', async (options, message) => {
    const { out } = collect(fromJetStream(new FakeConsumer(options), { window: 4, group: 'owners', expires: 1000 }));
    await settle();
    expect(out.error).toBeInstanceOf(RangeError);
    expect(String(out.error)).toMatch(message);
  });

  it('keeps one long-lived consume() with the group, never fetches; a drain closes it and completes', async () => {
    const consumer = new FakeConsumer(pinned);
    const stop = new Subject<void>();
    const statuses: string[] = [];
    const { out } = collect(
      fromJetStream(consumer, { window: 4, group: 'owners', expires: 1000, stop, onStatus: (s) => statuses.push(s) }),
    );
    await settle();
    expect(consumer.consumes).toEqual([{ max_messages: 4, expires: 1000, group: 'owners' }]);
    expect(statuses).toEqual(['starting', 'consuming']); // no awaiting-redelivery: the pin orders handovers
    consumer.deliver(3);
    await settle();
    expect(out.values.map((d) => d.seq)).toEqual([1, 2, 3]);
    out.values.forEach((d) => d.ack());
    await settle();
    expect(consumer.pulls).toHaveLength(1); // settling does not open more pulls
    stop.next();
    await settle();
    expect(consumer.openPulls).toHaveLength(0);
    expect(out.completed).toBe(true);
    expect(statuses.slice(2)).toEqual(['draining', 'drained']);
  });

  it('an end of the long-lived pull that was not asked for fails the output', async () => {
    const consumer = new FakeConsumer(pinned);
    const { out } = collect(fromJetStream(consumer, { window: 4, group: 'owners', expires: 1000 }));
    await settle();
    consumer.expire(0);
    await settle();
    expect(String(out.error)).toMatch(/fromJetStream: the pull of group "owners" ended \(connection closed\?\)/);
  });
});
