import { Queue } from '../Queue.js';

interface Partition<J> {
  running: number;
  /** Jobs of this key waiting for a free slot, in arrival order; allocated only when one has to wait. */
  waiting: Queue<J> | null;
}

/**
 * Per-key admission for `mapAsyncPartitioned`: at most `perKey` jobs of one key run at once, the
 * rest wait in arrival order, and a key's entry exists only while it has running or waiting jobs.
 *
 * A plain data structure (no RxJS): the operator asks {@link PartitionTable.arrive} whether a job may
 * start, and {@link PartitionTable.finish} which waiting job of the same key starts next when one ends.
 * @internal
 */
export class PartitionTable<K, J> {
  private readonly partitions = new Map<K, Partition<J>>();

  constructor(private readonly perKey: number) {}

  /** Number of keys with running or waiting jobs (the per-key state that exists now). */
  get size(): number {
    return this.partitions.size;
  }

  /** A job of `key` arrives: returns `true` if it may start now (and counts it as running), else queues it. */
  arrive(key: K, job: J): boolean {
    const partition = this.partitions.get(key);
    if (partition === undefined) {
      this.partitions.set(key, { running: 1, waiting: null });
      return true;
    }
    if (partition.running < this.perKey) {
      partition.running++;
      return true;
    }
    (partition.waiting ??= new Queue<J>(4)).push(job);
    return false;
  }

  /**
   * A running job of `key` finished (completed, not merely emitted: a waiting job starts as soon as a
   * slot frees). Returns the next waiting job of that key, now counted as running, or `undefined`.
   * Frees the key's entry when nothing of it runs or waits.
   */
  finish(key: K): J | undefined {
    const partition = this.partitions.get(key);
    if (partition === undefined) return undefined;
    const waiting = partition.waiting;
    if (waiting !== null && waiting.size > 0) return waiting.shift(); // running count unchanged: one out, one in
    if (--partition.running === 0) this.partitions.delete(key);
    return undefined;
  }

  /** Running and waiting counts of one key (for tests and diagnostics). */
  inspect(key: K): { running: number; waiting: number } | undefined {
    const partition = this.partitions.get(key);
    return partition && { running: partition.running, waiting: partition.waiting?.size ?? 0 };
  }

  clear(): void {
    this.partitions.clear();
  }
}
