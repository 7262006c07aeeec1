import { OPERATOR } from './options.js';
import { partitionKeyOf } from './InFlight.js';

/**
 * One `AbortController` per assigned partition and generation: the `signal` of every handler running
 * for a delivery of that partition. It is aborted when the partition is revoked (a rebalance), since
 * the handler's result no longer counts then.
 */
export class PartitionSignals {
  private readonly controllers = new Map<string, { topic: string; partition: number; controller: AbortController }>();

  /** A new generation of the partition: the previous one's handlers are aborted. */
  assign(topic: string, partition: number): void {
    const partitionKey = partitionKeyOf(topic, partition);
    this.controllers.get(partitionKey)?.controller.abort(revoked(topic, partition));
    this.controllers.set(partitionKey, { topic, partition, controller: new AbortController() });
  }

  /** The signal of an assigned partition. */
  signal(partitionKey: string): AbortSignal {
    return this.controllers.get(partitionKey)!.controller.signal;
  }

  /** One partition is revoked: aborts its handlers and forgets it. */
  revoke(topic: string, partition: number): void {
    const partitionKey = partitionKeyOf(topic, partition);
    this.controllers.get(partitionKey)?.controller.abort(revoked(topic, partition));
    this.controllers.delete(partitionKey);
  }

  /** Every partition is revoked: aborts all handlers and forgets the partitions. */
  revokeAll(): void {
    for (const { topic, partition, controller } of this.controllers.values()) controller.abort(revoked(topic, partition));
    this.controllers.clear();
  }

  /** The run ends: aborts all handlers with `reason` (the partitions are forgotten by {@link PartitionSignals.clear}). */
  abortAll(reason: unknown): void {
    for (const { controller } of this.controllers.values()) controller.abort(reason);
  }

  clear(): void {
    this.controllers.clear();
  }
}

const revoked = (topic: string, partition: number): Error => new Error(`${OPERATOR}: partition ${topic}[${partition}] was revoked`);
