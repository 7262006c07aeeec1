import { partitionKeyOf } from './InFlight.js';

/** A seek of a partition back to an offset. */
export interface Seek {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
}

/** Partitions we sought back (to redeliver a nak) whose seek kafkajs may not have applied yet. */
export class PendingSeeks {
  private readonly seeks = new Map<string, Seek>();

  /**
   * Records a seek of the partition to `offset` and returns `true` when it must be issued. A seek not
   * yet applied at or below this offset will fetch it again anyway (kafkajs keeps only the latest seek
   * per partition, so never replace a lower one with a higher one): then `false`.
   */
  request(topic: string, partition: number, offset: number): boolean {
    const partitionKey = partitionKeyOf(topic, partition);
    const pending = this.seeks.get(partitionKey);
    if (pending !== undefined && pending.offset <= offset) return false;
    this.seeks.set(partitionKey, { topic, partition, offset });
    return true;
  }

  /** kafkajs fetched the partition after our seek: it was applied. */
  applied(partitionKey: string): void {
    this.seeks.delete(partitionKey);
  }

  /** Forgets the partition's pending seek (the partition was revoked). */
  forget(partitionKey: string): void {
    this.seeks.delete(partitionKey);
  }

  /** Forgets every pending seek and returns them. */
  takeAll(): Seek[] {
    const seeks = [...this.seeks.values()];
    this.seeks.clear();
    return seeks;
  }

  clear(): void {
    this.seeks.clear();
  }
}
