/**
 * fromJetStream's `group` mode when the pin moves to this process: the server hands the previous owner's
 * pending deliveries over first, but in rotated order (see src/jetstream/RedeliveryOrder.ts); the adapter
 * emits them in stream order. On the fake consumer: the pin is the `Nats-Pin-Id` header it stamps, the
 * heartbeats are its status() notifications.
 */
import { Subject } from 'rxjs';
import { consumeJetStream, fromJetStream, type JetStreamDelivery } from '../../src/jetstream/index';
import { FakeConsumer, settle } from './fakeConsumer';

const pinned = { priorityPolicy: 'pinned_client', priorityGroups: ['owners'], maxAckPending: 4, ackWaitMs: 2000, priorityTimeoutMs: 4000 };

function start(consumer: FakeConsumer, stop?: Subject<void>) {
  const out = { values: [] as JetStreamDelivery[], error: undefined as unknown, completed: false };
  const subscription = fromJetStream(consumer, { window: 4, group: 'owners', expires: 1000, stop }).subscribe({
    next: (d) => out.values.push(d),
    error: (e: unknown) => (out.error = e),
    complete: () => (out.completed = true),
  });
  return { out, subscription };
}
const seqs = (deliveries: readonly JetStreamDelivery[]) => deliveries.map((d) => d.seq);

describe('group: handing over to a new owner', () => {
  it('emits the previous owner’s redeliveries in stream order, before the first new message', async () => {
    const consumer = new FakeConsumer(pinned);
    const { out } = start(consumer);
    await settle();
    consumer.pin = 'A';
    consumer.redeliver(7);
    consumer.redeliver(3);
    consumer.redeliver(5);
    await settle();
    expect(out.values).toEqual([]); // held: more of the batch may follow
    consumer.skipTo(9);
    consumer.deliver(2);
    expect(seqs(out.values)).toEqual([3, 5, 7, 9, 10]);
    expect(out.values.map((d) => d.info.deliveryCount)).toEqual([2, 2, 2, 1, 1]);
  });

  it('releases the batch on an idle heartbeat sent after its last delivery, not on an older one', async () => {
    const consumer = new FakeConsumer(pinned);
    const { out } = start(consumer);
    await settle();
    consumer.pin = 'A';
    consumer.redeliver(6);
    const afterFirst = consumer.lastDeliverySequence;
    consumer.redeliver(2);
    consumer.notify({ type: 'heartbeat', lastConsumerSequence: afterFirst });
    consumer.notify({ type: 'next' });
    await settle();
    expect(out.values).toEqual([]);
    consumer.heartbeat();
    await settle();
    expect(seqs(out.values)).toEqual([2, 6]);
  });

  it('releases the batch once it holds max_ack_pending deliveries (no previous owner can have more pending)', async () => {
    const consumer = new FakeConsumer(pinned);
    const { out } = start(consumer);
    await settle();
    consumer.pin = 'A';
    for (const seq of [8, 2, 5]) consumer.redeliver(seq);
    expect(out.values).toEqual([]);
    consumer.redeliver(4);
    expect(seqs(out.values)).toEqual([2, 4, 5, 8]);
  });

  it('holds nothing once the batch is in: later redeliveries (naks, own timeouts) pass straight through', async () => {
    const consumer = new FakeConsumer(pinned);
    const { out } = start(consumer);
    await settle();
    consumer.pin = 'A';
    consumer.deliver(2); // the previous owner left nothing pending: new messages come at once
    expect(seqs(out.values)).toEqual([1, 2]);
    out.values[0]!.nak();
    consumer.redeliver(1);
    expect(seqs(out.values)).toEqual([1, 2, 1]);
  });

  it('a new pin id starts a new handover; the first pin of a subscription is one too', async () => {
    const consumer = new FakeConsumer(pinned);
    const { out } = start(consumer);
    await settle();
    consumer.pin = 'A';
    consumer.redeliver(5);
    consumer.deliver(1); // seq 1: releases [5], then 1
    expect(seqs(out.values)).toEqual([5, 1]);
    consumer.pin = 'B'; // lost the pin and got it back (or a new one after a reconnect)
    consumer.redeliver(9);
    consumer.redeliver(4);
    consumer.skipTo(20);
    consumer.deliver(1);
    expect(seqs(out.values)).toEqual([5, 1, 4, 9, 20]);
  });

  it('a drain emits what it holds before completing; an unsubscribe leaves it unsettled for redelivery', async () => {
    const consumer = new FakeConsumer(pinned);
    const stop = new Subject<void>();
    const { out } = start(consumer, stop);
    await settle();
    consumer.pin = 'A';
    consumer.redeliver(3);
    consumer.redeliver(1);
    stop.next();
    await settle();
    expect(seqs(out.values)).toEqual([1, 3]);
    expect(out.completed).toBe(true);

    const other = new FakeConsumer(pinned);
    const second = start(other);
    await settle();
    other.pin = 'A';
    other.redeliver(3);
    second.subscription.unsubscribe();
    await settle();
    expect(second.out.values).toEqual([]);
    expect(other.unsettled).toBe(1);
  });

  it('fails when the client’s pull has no status() (the heartbeats are needed)', async () => {
    const consumer = new FakeConsumer(pinned);
    consumer.withStatus = false;
    const { out } = start(consumer);
    await settle();
    expect(out.error).toBeInstanceOf(TypeError);
    expect(String(out.error)).toMatch(/fromJetStream: with group, consume\(\) must return a pull with status\(\)/);
    expect(consumer.openPulls).toHaveLength(0);
  });

  it('consumeJetStream: the handlers of one key start in stream order across the handover', async () => {
    const consumer = new FakeConsumer(pinned);
    const started: number[] = [];
    consumeJetStream(consumer, {
      parallelism: 4,
      group: 'owners',
      expires: 1000,
      key: () => 'k',
      handler: (d) => void started.push(d.seq),
    }).subscribe();
    await settle();
    consumer.pin = 'A';
    for (const seq of [3, 1, 2]) consumer.redeliver(seq);
    consumer.skipTo(4);
    consumer.deliver(1);
    await settle();
    expect(started).toEqual([1, 2, 3, 4]);
  });
});
