import { Observable, of, Subject, take } from 'rxjs';
import { batchByLane } from '../../src/batchByLane';
import { BatchResultCountError } from '../../src/errors';
import { Valve } from '../../src/flow/Valve';
import {
  fromJetStream,
  settleBatchResults,
  type JetStreamBatchResult,
  type JetStreamDelivery,
  type Outcome,
  type JetStreamSettlement,
} from '../../src/jetstream/index';
import { FakeConsumer, settle } from './fakeConsumer';

describe('settleBatchResults', () => {
  it('checks its options when called', () => {
    expect(() => settleBatchResults({ onMissing: 'drop' as never })).toThrow(/settleBatchResults: onMissing: an outcome must be/);
    expect(() => settleBatchResults({ onMisssing: 'term' } as never)).toThrow(/unknown option "onMisssing"/);
    expect(() => settleBatchResults(5 as never)).toThrow(/options must be an object, got 5/);
  });

  it('settles each delivery of a batchByLane pipeline positionally; missing results are terminated with their error', async () => {
    const consumer = new FakeConsumer();
    const valve = new Valve();
    const out: JetStreamSettlement<string>[] = [];
    const batches: number[][] = [];
    const subscription = fromJetStream(consumer, { window: 8, valve })
      .pipe(
        batchByLane<JetStreamDelivery, string, Outcome | undefined>(
          { key: (d) => d.subject, size: 3, maxInFlight: 8, ordered: false, valve },
          (batch) => {
            batches.push(batch.map((d) => d.seq));
            if (batch[0]!.subject === 'k.a') return ['ack', { nak: 200 }, 'term'];
            return [undefined]; // one result for a batch of two
          },
        ),
        settleBatchResults(),
      )
      .subscribe((s) => out.push(s));
    await settle();
    consumer.deliver(5, (seq) => (seq % 2 === 1 ? 'k.a' : 'k.b')); // a: 1 3 5, b: 2 4
    await settle();
    expect(batches).toEqual([[1, 3, 5]]);
    expect(consumer.delivered.filter((m) => m.subject === 'k.b').every((m) => m.log.length === 0)).toBe(true);
    subscription.unsubscribe(); // lane b has a partial batch: on completion it would flush; here it is abandoned
    expect(consumer.delivered.map((m) => m.log)).toEqual([[{ kind: 'ack' }], [], [{ kind: 'nak', delay: 200 }], [], [{ kind: 'term' }]]);
    expect(out.map((s) => [s.delivery.seq, s.key, s.outcome])).toEqual([
      [1, 'k.a', 'ack'],
      [3, 'k.a', { nak: 200 }],
      [5, 'k.a', 'term'],
    ]);

    // The partial batch flushes on drain; the missing result is terminated as poison, with its error.
    const consumer2 = new FakeConsumer();
    const stop = new Subject<void>();
    const out2: JetStreamSettlement<string>[] = [];
    let completed = false;
    fromJetStream(consumer2, { window: 8, stop })
      .pipe(
        batchByLane<JetStreamDelivery, string, Outcome | undefined>({ key: (d) => d.subject, size: 3 }, () => [undefined]),
        settleBatchResults(),
      )
      .subscribe({ next: (s) => out2.push(s), complete: () => (completed = true) });
    await settle();
    consumer2.deliver(2, () => 'k.b');
    stop.next();
    consumer2.expire(0);
    await settle();
    expect(completed).toBe(true);
    expect(consumer2.delivered.map((m) => m.log)).toEqual([[{ kind: 'ack' }], [{ kind: 'term' }]]);
    expect(out2[1]!.error).toBeInstanceOf(BatchResultCountError);
    expect(out2[0]!.error).toBeUndefined();
  });

  it('uses onMissing for missing and invalid results, and leaves deliveries the handler settled alone', async () => {
    const consumer = new FakeConsumer();
    const out: JetStreamSettlement<string>[] = [];
    const subscription = fromJetStream(consumer, { window: 8 })
      .pipe(
        batchByLane<JetStreamDelivery, string, Outcome | undefined>({ key: () => 'all', size: 3 }, (batch) => {
          batch[0]!.ack();
          return of(['term', 'maybe' as never]);
        }),
        settleBatchResults({ onMissing: { nak: 50 } }),
      )
      .subscribe((s) => out.push(s));
    await settle();
    consumer.deliver(3);
    await settle();
    expect(consumer.delivered.map((m) => m.log)).toEqual([[{ kind: 'ack' }], [{ kind: 'nak', delay: 50 }], [{ kind: 'nak', delay: 50 }]]);
    expect(out.map((s) => s.outcome)).toEqual(['ack', { nak: 50 }, { nak: 50 }]);
    expect(String(out[1]!.error)).toMatch(/TypeError: settleBatchResults: the batch handler's result for a message is not an outcome/);
    expect(out[2]!.error).toBeInstanceOf(BatchResultCountError);
    subscription.unsubscribe();
  });

  it('fails on values that are not deliveries, passes errors through, and stops a synchronous source on take(n)', () => {
    const errors: unknown[] = [];
    of({ value: 1, lane: 'x', ok: true as const, result: 'ack' as const })
      .pipe(settleBatchResults<string>() as never)
      .subscribe({ error: (e: unknown) => errors.push(e) });
    expect(String(errors[0])).toMatch(/TypeError: settleBatchResults: expected settlements of JetStream deliveries, got a value 1/);

    const failing = new Subject<never>();
    failing.pipe(settleBatchResults()).subscribe({ error: (e: unknown) => errors.push(e) });
    failing.error('upstream');
    expect(errors[1]).toBe('upstream');

    let produced = 0;
    const acks: number[] = [];
    const fake = (i: number) => ({ settled: false, outcome: undefined, settle: () => acks.push(i) }) as unknown as JetStreamDelivery;
    const firehose = new Observable<JetStreamBatchResult<string>>((subscriber) => {
      for (let i = 0; i < 1e6 && !subscriber.closed; i++) {
        produced++;
        subscriber.next({ value: fake(i), key: 'x', ok: true, result: 'ack' });
      }
    });
    firehose.pipe(settleBatchResults(), take(3)).subscribe();
    expect(acks).toEqual([0, 1, 2]);
    expect(produced).toBe(3);
  });
});
