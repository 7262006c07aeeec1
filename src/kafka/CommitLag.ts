import type { RunProbe } from '../internal/monitor/MonitorHub.js';
import { Queue } from '../internal/Queue.js';
import type { LanesAckLag } from '../types.js';

/**
 * The commit lag of one monitored `consumeKafka` subscription: per partition, the offsets received and
 * not yet covered by a successful commit, with their receive times, in offset order (a partition
 * delivers in ascending order, so a commit of offset n drops a prefix). Exists only when monitored.
 * @internal
 */
export class CommitLag {
  private readonly partitions = new Map<string, { offsets: Queue<number>; times: Queue<number> }>();
  private pendingCount = 0;
  private receivedCount = 0;
  private committedCount = 0;
  probe: RunProbe | null = null;

  constructor(private readonly now: () => number) {}

  /** A first delivery of `offset` (redeliveries are not counted again). */
  received(topic: string, partition: number, offset: number): void {
    const key = `${partition}:${topic}`;
    let state = this.partitions.get(key);
    if (state === undefined) this.partitions.set(key, (state = { offsets: new Queue(), times: new Queue() }));
    state.offsets.push(offset);
    state.times.push(this.now());
    this.pendingCount++;
    this.receivedCount++;
  }

  /** A commit of `offset` (the next offset to read) succeeded: everything below it is committed. */
  committed(topic: string, partition: number, offset: number): void {
    const state = this.partitions.get(`${partition}:${topic}`);
    if (state === undefined) return;
    let count = 0;
    let oldest = NaN;
    while (state.offsets.size > 0 && state.offsets.peek()! < offset) {
      state.offsets.shift();
      const at = state.times.shift()!;
      if (count++ === 0) oldest = at;
    }
    if (count === 0) return;
    this.pendingCount -= count;
    this.committedCount += count;
    const probe = this.probe;
    if (probe !== null && probe.listening) {
      const now = this.now();
      probe.emit('acked', undefined, count, now, now - oldest, 0, 0);
    }
  }

  /** The partition is no longer ours: its uncommitted offsets leave the lag (another member takes them). */
  revoke(topic: string, partition: number): void {
    const key = `${partition}:${topic}`;
    const state = this.partitions.get(key);
    if (state === undefined) return;
    this.pendingCount -= state.offsets.size;
    this.partitions.delete(key);
  }

  revokeAll(): void {
    this.partitions.clear();
    this.pendingCount = 0;
  }

  state(): LanesAckLag {
    let oldest = Infinity;
    for (const { times } of this.partitions.values()) if (times.size > 0 && times.peek()! < oldest) oldest = times.peek()!;
    const oldestMs = oldest === Infinity ? 0 : this.now() - oldest;
    return { pending: this.pendingCount, oldestMs, received: this.receivedCount, acked: this.committedCount };
  }
}
