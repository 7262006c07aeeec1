/**
 * The arrival order of the messages an ordered `batchByLane` holds: for each unemitted message, oldest
 * first, the batch it belongs to.
 *
 * The entries are batch *slots* (small integers) in an `Int32Array` ring, not references to the batches: a
 * reference stored per message into a long-lived array costs a write barrier (a remembered-set entry while
 * the batch is young, a marking step while the GC marks) and is visited again by every collection; an
 * integer in a typed array costs neither, and the ring is 4 bytes per message instead of 8. Each batch
 * holds one slot of a small table (about one per lane) from {@link register} to {@link release}; released
 * slots are reused.
 * @internal
 */
export class OrderWindow<B extends { slot: number }> {
  private ring = new Int32Array(16);
  private head = 0;
  private count = 0;
  /** The batches by slot; `undefined` for a free slot. */
  private readonly batches: (B | undefined)[] = [];
  private readonly free: number[] = [];

  /** Number of messages in the window. */
  get size(): number {
    return this.count;
  }

  /** Gives `batch` a slot: call once, before its first {@link push}. */
  register(batch: B): void {
    const slot = this.free.length > 0 ? (this.free.pop() as number) : this.batches.length;
    this.batches[slot] = batch;
    batch.slot = slot;
  }

  /** Frees `batch`'s slot: call once its last message has left the window. */
  release(batch: B): void {
    this.batches[batch.slot] = undefined;
    this.free.push(batch.slot);
    batch.slot = -1;
  }

  /** Appends a message of `batch` (registered). */
  push(batch: B): void {
    if (this.count === this.ring.length) this.grow(); // out of line: push stays small enough to inline
    this.ring[(this.head + this.count++) & (this.ring.length - 1)] = batch.slot;
  }

  /** The batch of the message `index` places behind the oldest (0: the oldest); `undefined` past the end. */
  at(index: number): B | undefined {
    return index < this.count ? this.batches[this.ring[(this.head + index) & (this.ring.length - 1)]] : undefined;
  }

  /** Drops the oldest message (call only when the window is not empty). */
  shift(): void {
    this.head = (this.head + 1) & (this.ring.length - 1);
    this.count--;
  }

  clear(): void {
    this.head = this.count = 0;
    this.batches.length = this.free.length = 0;
  }

  /** Doubles the full ring, unwrapped (the oldest entry moves to index 0). */
  private grow(): void {
    const ring = this.ring;
    const next = new Int32Array(ring.length * 2);
    next.set(ring.subarray(this.head));
    next.set(ring.subarray(0, this.head), ring.length - this.head);
    this.ring = next;
    this.head = 0;
  }
}
