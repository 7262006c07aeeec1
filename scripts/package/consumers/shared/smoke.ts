// One small pipeline per entry, written as a user would: copied into every consumer project (Node ESM, Node
// CommonJS, bundler), type-checked there against the installed tarball and run. Throws on a wrong result.
import { Subject, from, lastValueFrom, toArray } from 'rxjs';
import { QueueOverflowError, Valve, batchByLane, boundedOrdering, mapAsync, mapAsyncPartitioned, pullFrom } from 'rxjs-lanes';
import { Valve as JetStreamValve, consumeJetStream } from 'rxjs-lanes/jetstream';
import { CommitTracker, consumeKafka } from 'rxjs-lanes/kafka';

export async function smoke(): Promise<string[]> {
  const passed: string[] = [];
  const equal = (name: string, actual: unknown, expected: unknown): void => {
    if (JSON.stringify(actual) !== JSON.stringify(expected)) {
      throw new Error(`${name}: got ${JSON.stringify(actual)}, expected ${JSON.stringify(expected)}`);
    }
    passed.push(name);
  };
  const thrown = (fn: () => unknown): unknown => {
    try {
      fn();
    } catch (error) {
      return error;
    }
    return undefined;
  };

  // rxjs-lanes
  const valve = new Valve();
  const tenfold = pullFrom([3, 1, 2], valve).pipe(mapAsync({ parallelism: 2, project: async (n: number) => n * 10, valve }), toArray());
  equal('mapAsync over pullFrom, in input order', await lastValueFrom(tenfold), [30, 10, 20]);

  const upper = from(['a1', 'b1', 'a2']).pipe(
    mapAsyncPartitioned({ parallelism: 2, perKey: 1, key: (s: string) => s[0], project: async (s: string) => s.toUpperCase() }),
    toArray(),
  );
  equal('mapAsyncPartitioned, in input order', await lastValueFrom(upper), ['A1', 'B1', 'A2']);

  const batches = from([1, 2, 3, 4]).pipe(
    batchByLane({ key: (n: number) => n % 2, size: 2 }, (batch: readonly number[]) => batch.map((n) => n * n)),
    toArray(),
  );
  equal(
    'batchByLane, one result per message',
    (await lastValueFrom(batches)).map((s) => (s.ok ? s.result : 'missing')),
    [1, 4, 9, 16],
  );

  const ordered = from([{ id: 1 }, { id: 0 }, { id: 2 }]).pipe(
    boundedOrdering({ maxBounded: 4, initialId: 0, nextId: (id: number) => id + 1, getId: (m: { id: number }) => m.id }),
    toArray(),
  );
  equal(
    'boundedOrdering restores id order',
    (await lastValueFrom(ordered)).map((m) => m.id),
    [0, 1, 2],
  );

  const flood = new Subject<number>();
  const overflow = lastValueFrom(
    flood.pipe(mapAsync({ parallelism: 1, maxQueued: 1, project: () => new Promise<number>(() => undefined) })),
  ).catch((error: unknown) => error);
  for (let i = 0; i < 3; i++) flood.next(i);
  equal('maxQueued fails with QueueOverflowError', (await overflow) instanceof QueueOverflowError, true);

  // rxjs-lanes/jetstream (no NATS client installed in these projects)
  equal("rxjs-lanes/jetstream's Valve is the main entry's", JetStreamValve === Valve, true);
  const badWindow = thrown(() =>
    consumeJetStream({ fetch: () => never(), info: () => never() } as never, { parallelism: 0, handler: () => 'ack' }),
  );
  equal('consumeJetStream validates when created', badWindow instanceof RangeError && /^consumeJetStream: /.test(badWindow.message), true);

  // rxjs-lanes/kafka (no kafkajs installed)
  const tracker = new CommitTracker();
  tracker.assign('orders', 0);
  const first = tracker.deliver('orders', 0, 0)!;
  const second = tracker.deliver('orders', 0, 1)!;
  tracker.settle(second, 'ack');
  equal('CommitTracker holds the commit behind an unsettled offset', tracker.committable()[0]?.offset === 2, false);
  tracker.settle(first, 'ack');
  equal('CommitTracker commits past settled offsets', tracker.committable()[0]?.offset, 2);
  const badConsumer = thrown(() => consumeKafka({} as never, { parallelism: 1, handler: () => 'ack' }));
  equal('consumeKafka validates when created', badConsumer instanceof TypeError && /^consumeKafka: /.test(badConsumer.message), true);
  return passed;
}

function never(): Promise<never> {
  return new Promise<never>(() => undefined);
}
