import { Queue } from '../Queue.js';

interface Partition<J> {
  running: number;
  /** This key's bound: `perKey`, or what the `perKey` function returned when the entry was created. */
  limit: number;
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

  /**
   * @param perKey - the bound of every key, or a function giving a key's bound (`limitOf`).
   * @param limitOf - reads and validates a key's bound (it may throw); called once per entry, when a key
   *   without running or waiting jobs gets one, so the bound of a key is fixed while it has work.
   */
  constructor(
    private readonly perKey: number,
    private readonly limitOf: ((key: K) => number) | null = null,
  ) {}

  /** Number of keys with running or waiting jobs (the per-key state that exists now). */
  get size(): number {
    return this.partitions.size;
  }

  /**
   * A job of `key` arrives: returns `true` if it may start now (and counts it as running), else queues it.
   * Throws what `limitOf` throws (nothing is recorded then).
   */
  arrive(key: K, job: J): boolean {
    const partition = this.partitions.get(key);
    if (partition === undefined) {
      const limit = this.limitOf === null ? this.perKey : this.limitOf(key);
      this.partitions.set(key, { running: 1, limit, waiting: null });
      return true;
    }
    if (partition.running < partition.limit) {
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

  /** Latest-wins: the oldest job of `key` waiting for a slot, if any. */
  waitingOf(key: K): J | undefined {
    return this.partitions.get(key)?.waiting?.peek();
  }

  /**
   * Latest-wins: `job` takes the place of the job of `key` waiting for a slot (there is one, see
   * {@link PartitionTable.waitingOf}; with latest-wins there is never more than one). Returns the replaced job.
   */
  replaceWaiting(key: K, job: J): J {
    const waiting = this.partitions.get(key)!.waiting!;
    const replaced = waiting.shift() as J;
    waiting.push(job);
    return replaced;
  }

  /** Running and waiting counts of one key (for tests and diagnostics). */
  inspect(key: K): { running: number; waiting: number } | undefined {
    const partition = this.partitions.get(key);
    return partition && { running: partition.running, waiting: partition.waiting?.size ?? 0 };
  }

  /** Visits every key with its running and waiting counts and its first waiting job (for the monitor; O(keys)). */
  forEach(visit: (key: K, running: number, waiting: number, firstWaiting: J | undefined) => void): void {
    for (const [key, partition] of this.partitions) visit(key, partition.running, partition.waiting?.size ?? 0, partition.waiting?.peek());
  }

  clear(): void {
    this.partitions.clear();
  }
}
