/** What {@link RedeliveryOrder} reads of a delivery. @internal */
export interface Ordered {
  readonly info: { readonly deliveryCount: number; readonly streamSequence: number; readonly deliverySequence: number };
}

/**
 * Puts back in stream order the redeliveries a new owner of a pinned priority group receives first.
 *
 * Why (`loopAndGatherMsgs` in nats-server's `server/consumer.go`, the same in 2.11.0 and 2.15.3): while
 * the pin is held by a process that died, the dead owner's deliveries fall due and wait in the consumer's
 * redelivery queue. Each time the delivery loop wakes up (every standby's pull request wakes it) it takes
 * the head of that queue, finds no request it may deliver to (the standbys do not carry the pin) and
 * appends the message back at the *tail*: the queue rotates. When the pin moves, the new owner receives
 * those redeliveries first (the server serves its redelivery queue before any new message) but in rotated
 * order — two messages of one key in it arrive newest first. This structure holds them back and releases
 * them sorted by stream sequence once the batch is provably complete:
 *
 * - a first delivery (`deliveryCount` 1) arrives: the server sends none while redeliveries are queued;
 * - `limit` redeliveries are held: the consumer never has more than `max_ack_pending` deliveries pending;
 * - the server reports idle (a heartbeat whose last delivery sequence is at least the newest held one):
 *   it had nothing more to send to the owner;
 * - `flush()` (drain) or a new ownership (`begin()`).
 *
 * A plain data structure (no RxJS, no NATS): items in, items to emit out. Invariants (property-tested):
 * every item offered comes out exactly once unless `clear()` drops it; the held items of one ownership come
 * out in ascending stream sequence, before any first delivery of that ownership; nothing is held after a
 * release signal.
 * @internal
 */
export class RedeliveryOrder<T extends Ordered> {
  private held: T[] = [];
  /** `true` from `begin()` until the ownership's first batch of redeliveries is complete. */
  private gathering = false;

  constructor(private readonly limit: number) {}

  /** Items held back now. */
  get size(): number {
    return this.held.length;
  }

  /** A new ownership starts (the pin moved to this process): releases what an earlier one held, gathers anew. */
  begin(): T[] {
    const released = this.release();
    this.gathering = true;
    return released;
  }

  /** One item received: returns the items to emit now, in order (possibly none). */
  offer(item: T): T[] {
    if (!this.gathering) return [item];
    if (item.info.deliveryCount <= 1) {
      const released = this.release();
      released.push(item);
      return released;
    }
    this.held.push(item);
    return this.held.length >= this.limit ? this.release() : [];
  }

  /** The server was idle after delivery sequence `lastDeliverySequence`: releases if that covers every held item. */
  idle(lastDeliverySequence: number): T[] {
    if (!this.gathering) return [];
    for (const item of this.held) if (item.info.deliverySequence > lastDeliverySequence) return [];
    return this.release();
  }

  /** Releases everything held and stops gathering (drain). */
  flush(): T[] {
    return this.release();
  }

  /** Drops everything held (teardown: the server redelivers those messages). */
  clear(): void {
    this.held = [];
    this.gathering = false;
  }

  private release(): T[] {
    this.gathering = false;
    const released = this.held;
    this.held = [];
    return released.sort((a, b) => a.info.streamSequence - b.info.streamSequence);
  }
}
