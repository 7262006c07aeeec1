/** The monitor on the JetStream adapters: the ack lag, the `acked` events, and nothing left at teardown. */
import { type Subscription } from 'rxjs';
import { lanesMonitor, type LanesEvent } from '../../src/index';
import { consumeJetStream, fromJetStream, type JetStreamDelivery } from '../../src/jetstream/index';
import { FakeConsumer, settle } from './fakeConsumer';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((res) => (resolve = res));
  return { promise, resolve };
}

describe('consumeJetStream with a monitor', () => {
  it('reports one consumeJetStream run: the operator counts plus the ack lag, and an acked event per settled delivery', async () => {
    const consumer = new FakeConsumer();
    const events: LanesEvent[] = [];
    const monitor = lanesMonitor({ onEvent: (e) => events.push(e) });
    const jobs = new Map<number, ReturnType<typeof deferred>>();
    let subscription: Subscription | undefined;
    try {
      subscription = consumeJetStream(consumer, {
        parallelism: 3,
        key: (d) => d.subject,
        handler: (d) => {
          const job = deferred();
          jobs.set(d.seq, job);
          return job.promise;
        },
        monitor,
      }).subscribe();
      await settle();
      consumer.deliver(4, (seq) => (seq <= 2 ? 'k.a' : `k.${seq}`)); // 1 and 2 share a key
      await settle();
      let run = monitor.snapshot().runs[0]!;
      expect(run).toMatchObject({ operator: 'consumeJetStream', running: 2, waiting: 1, queued: 1, held: 0, bound: 3 });
      expect(run.ack).toMatchObject({ pending: 4, received: 4, acked: 0 });
      expect(run.ack!.oldestMs).toBeGreaterThanOrEqual(0);
      jobs.get(1)!.resolve();
      await settle();
      run = monitor.snapshot().runs[0]!;
      expect(run.ack).toMatchObject({ pending: 3, received: 4, acked: 1 });
      expect(events.filter((e) => e.type === 'acked').map((e) => [e.operator, e.count])).toEqual([['consumeJetStream', 1]]);
      expect(events.filter((e) => e.type === 'started').map((e) => e.key)).toEqual(['k.a', 'k.3', 'k.a', 'k.4']); // 4 was admitted when 1 left
    } finally {
      subscription?.unsubscribe();
    }
    expect(monitor.snapshot().runs).toEqual([]);
  });

  it('rejects a monitor not made by lanesMonitor', () => {
    expect(() => consumeJetStream(new FakeConsumer(), { parallelism: 2, handler: () => undefined, monitor: {} as never })).toThrow(
      /consumeJetStream: monitor must be made by lanesMonitor\(\)/,
    );
  });
});

describe('fromJetStream with a monitor', () => {
  it('reports the deliveries emitted and not yet settled', async () => {
    const consumer = new FakeConsumer();
    const monitor = lanesMonitor();
    const deliveries: JetStreamDelivery[] = [];
    const subscription = fromJetStream(consumer, { window: 8, monitor, onDiagnostic: () => undefined }).subscribe((d) =>
      deliveries.push(d),
    );
    try {
      await settle();
      consumer.deliver(3);
      await settle();
      expect(monitor.snapshot().runs.map((r) => [r.operator, r.bound, r.ack?.pending, r.ack?.received])).toEqual([
        ['fromJetStream', 8, 3, 3],
      ]);
      deliveries[1]!.ack();
      deliveries[1]!.ack(); // a second settle call is not a second ack
      deliveries[0]!.term();
      expect(monitor.snapshot().runs[0]!.ack).toMatchObject({ pending: 1, received: 3, acked: 2 });
    } finally {
      subscription.unsubscribe();
    }
    expect(monitor.snapshot().runs).toEqual([]);
    expect(() => fromJetStream(consumer, { monitor: null as never })).toThrow(
      /fromJetStream: monitor must be made by lanesMonitor\(\), got null/,
    );
  });
});
