import type { KafkaCommittedOffset } from './client.js';

/**
 * The part of a kafkajs `Admin` that {@link committedFromAdmin} uses.
 * @public
 */
export interface KafkaAdminLike {
  fetchOffsets(options: {
    groupId: string;
    topics: string[];
  }): Promise<{ topic: string; partitions: { partition: number; offset: string; metadata: string | null }[] }[]>;
}

/**
 * A `readCommitted` for {@link ConsumeKafkaOptions.recordFinished} with kafkajs, whose consumer cannot
 * read committed offsets: reads them (with their metadata) through a connected kafkajs admin client.
 *
 * @example
 * ```ts
 * const admin = kafka.admin();
 * await admin.connect();
 * consumeKafka(consumer, { parallelism: 64, handler, recordFinished: true, readCommitted: committedFromAdmin(admin, 'billing') });
 * ```
 * @param admin - a connected kafkajs admin (or anything with the same `fetchOffsets`).
 * @param groupId - the consumer's group.
 * @returns a function reading the committed offsets of the partitions it is given.
 * @public
 */
export function committedFromAdmin(
  admin: KafkaAdminLike,
  groupId: string,
): (partitions: readonly { readonly topic: string; readonly partition: number }[]) => Promise<KafkaCommittedOffset[]> {
  if (typeof admin !== 'object' || admin === null || typeof admin.fetchOffsets !== 'function') {
    throw new TypeError(`committedFromAdmin: admin must have fetchOffsets(), got ${String(admin)}`);
  }
  if (typeof groupId !== 'string' || groupId.length === 0) {
    throw new TypeError(`committedFromAdmin: groupId must be a non-empty string, got ${JSON.stringify(groupId)}`);
  }
  return async (partitions) => {
    const wanted = new Set(partitions.map(({ topic, partition }) => `${partition}\u0000${topic}`));
    const topics = [...new Set(partitions.map((p) => p.topic))];
    if (topics.length === 0) return [];
    const result: KafkaCommittedOffset[] = [];
    for (const { topic, partitions: offsets } of await admin.fetchOffsets({ groupId, topics })) {
      for (const { partition, offset, metadata } of offsets) {
        if (wanted.has(`${partition}\u0000${topic}`)) result.push({ topic, partition, offset, metadata });
      }
    }
    return result;
  };
}
