/** consumeJetStream with `perKey` as a function of the key: each key handled up to its own bound. */
import { consumeJetStream } from '../../src/jetstream/index';
import { FakeConsumer, settle } from './fakeConsumer';

describe('consumeJetStream perKey as a function of the key', () => {
  it('runs up to perKey(key) deliveries of each key at once; a bad result errors the output naming perKey', async () => {
    const consumer = new FakeConsumer();
    const started: number[] = [];
    const resolvers = new Map<number, () => void>();
    const subscription = consumeJetStream(consumer, {
      parallelism: 8,
      key: (d) => d.subject,
      perKey: (subject) => (subject === 'bulk' ? 3 : 1),
      handler: (d) =>
        new Promise<undefined>((resolve) => {
          started.push(d.seq);
          resolvers.set(d.seq, () => resolve(undefined));
        }),
    }).subscribe();
    await settle();
    consumer.deliver(6, (seq) => (seq <= 4 ? 'bulk' : 'one')); // 1..4 bulk, 5..6 one
    await settle();
    expect(started).toEqual([1, 2, 3, 5]); // bulk: 3 at once; one: 1 at once
    resolvers.get(1)!();
    resolvers.get(5)!();
    await settle();
    expect(started).toEqual([1, 2, 3, 5, 4, 6]);
    subscription.unsubscribe();
  });

  it('a perKey function returning 0 errors the output with a RangeError naming perKey, the key and the value', async () => {
    const consumer = new FakeConsumer();
    let error: unknown;
    consumeJetStream(consumer, { parallelism: 4, key: (d) => d.subject, perKey: () => 0, handler: () => undefined }).subscribe({
      error: (e: unknown) => (error = e),
    });
    await settle();
    consumer.deliver(1, () => 'k');
    await settle();
    expect(error).toBeInstanceOf(RangeError);
    expect((error as Error).message).toBe('consumeJetStream: perKey("k") must return an integer ≥ 1, got 0');
  });
});
