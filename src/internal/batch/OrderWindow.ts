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
  private mask = 15;
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
    if (this.count > this.mask) this.grow();
    this.ring[(this.head + this.count) & this.mask] = batch.slot;
    this.count++;
  }

  /** The batch of the oldest message; `undefined` when the window is empty. */
  peek(): B | undefined {
    return this.count === 0 ? undefined : this.batches[this.ring[this.head]];
  }

  /** Drops the oldest message (call only when the window is not empty). */
  shift(): void {
    this.head = (this.head + 1) & this.mask;
    this.count--;
  }

  /** The batch of each message, oldest first. */
  *[Symbol.iterator](): IterableIterator<B> {
    for (let i = 0; i < this.count; i++) yield this.batches[this.ring[(this.head + i) & this.mask]] as B;
  }

  clear(): void {
    this.ring = new Int32Array(16);
    this.head = 0;
    this.count = 0;
    this.mask = 15;
    this.batches.length = 0;
    this.free.length = 0;
  }

  private grow(): void {
    const old = this.ring;
    const next = new Int32Array(old.length * 2);
    // Unwrapped: the oldest entry moves to index 0.
    next.set(old.subarray(this.head));
    next.set(old.subarray(0, this.head), old.length - this.head);
    this.ring = next;
    this.head = 0;
    this.mask = next.length - 1;
  }
}
