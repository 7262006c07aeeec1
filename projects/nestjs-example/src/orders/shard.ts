/** The ledger shard of an order: a stable hash (FNV-1a) of its id modulo the shard count. */
export function shardOf(orderId: string, shards: number): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < orderId.length; i++) hash = Math.imul(hash ^ orderId.charCodeAt(i), 0x01000193);
  return (hash >>> 0) % shards;
}
