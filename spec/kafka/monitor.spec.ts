/** The monitor on consumeKafka: the commit lag (received, not yet committed), `acked` events per commit, teardown. */
import { Subject } from 'rxjs';
import { lanesMonitor, type LanesEvent } from '../../src/index';
import { consumeKafka } from '../../src/kafka';
import { FakeBroker } from './fakeKafka';

jest.setTimeout(20000);

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
async function until(condition: () => boolean, what: string, timeoutMs = 4000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for: ${what}`);
    await sleep(2);
  }
}

test('consumeKafka with a monitor: counts, commit lag until the commit, acked events, nothing left after the drain', async () => {
  const broker = new FakeBroker();
  broker.createTopic('t', 1);
  for (let i = 0; i < 6; i++) broker.produceKeyed('t', `key-${i % 2}`, `value-${i}`);
  const consumer = broker.consumer({ groupId: 'g', topics: ['t'] });
  const events: LanesEvent[] = [];
  const monitor = lanesMonitor({ onEvent: (e) => events.push(e) });
  const releases: (() => void)[] = [];
  const stop = new Subject<void>();
  let done = false;
  const subscription = consumeKafka(consumer, {
    parallelism: 4,
    commitInterval: 10,
    heartbeatInterval: 5,
    stop,
    handler: () => new Promise<void>((resolve) => releases.push(resolve)),
    monitor,
  }).subscribe({ complete: () => (done = true), error: () => (done = true) });
  try {
    await until(() => releases.length === 2, 'two handlers (one per key)');
    await until(() => monitor.snapshot().runs[0]?.ack?.received === 4, 'four received');
    let run = monitor.snapshot().runs[0]!;
    expect(run).toMatchObject({ operator: 'consumeKafka', running: 2, waiting: 2, held: 0, queued: 0, bound: 4 });
    expect(run.ack).toMatchObject({ pending: 4, received: 4, acked: 0 });
    releases[0]!(); // offset 0 settles: the watermark moves to 1, committed on the next tick
    await until(() => monitor.snapshot().runs[0]!.ack!.acked === 1, 'offset 0 committed');
    run = monitor.snapshot().runs[0]!;
    expect(run.ack!.pending).toBe(run.ack!.received - 1);
    expect(events.filter((e) => e.type === 'acked').map((e) => [e.operator, e.count])).toEqual([['consumeKafka', 1]]);
    // release everything, then drain
    const free = setInterval(() => releases.splice(0).forEach((r) => r()), 2);
    await until(() => monitor.snapshot().runs[0]!.ack!.acked === 6, 'all committed');
    clearInterval(free);
    stop.next();
    await until(() => done, 'drained');
  } finally {
    subscription.unsubscribe();
    await Promise.all(broker.consumers.map((c) => c.stop()));
  }
  expect(monitor.snapshot().runs).toEqual([]);
});

test('consumeKafka rejects a monitor not made by lanesMonitor', () => {
  const broker = new FakeBroker();
  broker.createTopic('t', 1);
  const consumer = broker.consumer({ groupId: 'g', topics: ['t'] });
  expect(() => consumeKafka(consumer, { parallelism: 2, handler: () => undefined, monitor: 5 as never })).toThrow(
    'consumeKafka: monitor must be made by lanesMonitor(), got 5',
  );
});
