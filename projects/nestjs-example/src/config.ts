/** The service's settings, read once from the environment at start-up (bad values fail the start). */
export interface OrdersConfig {
  /** NATS server URL(s), comma-separated. `NATS_URL`, default `nats://127.0.0.1:4222`. */
  readonly natsUrl: string[];
  /** The JetStream stream. `ORDERS_STREAM`, default `ORDERS`. */
  readonly stream: string;
  /** The durable pull consumer (created by the operator of the stream, not by this service; waited for until it exists). `ORDERS_CONSUMER`, default `orders-processor`. */
  readonly consumer: string;
  /** HTTP address for /health. `HTTP_HOST` (default `0.0.0.0`: every interface, so a container's probes reach it), `HTTP_PORT` (default 3000; 0 = any free port). */
  readonly httpHost: string;
  readonly httpPort: number;
  /** Where the bulk step records what was processed (JSON lines). `LEDGER_FILE`, default `./orders-ledger.jsonl`. */
  readonly ledgerFile: string;
  /** Order events handled at once across all orders (per order: one at a time). `PARALLELISM`, default 16. */
  readonly parallelism: number;
  /** Deliveries fetched and not yet settled (handled, waiting for their order, or fetched ahead). `WINDOW`, default 4 × PARALLELISM. */
  readonly window: number;
  /** Shards of the ledger (the bulk step's lanes; an order's events all go to one shard). `SHARDS`, default 8. */
  readonly shards: number;
  /** Most events of one shard written in one bulk write. `BATCH_SIZE`, default 20. */
  readonly batchSize: number;
  /** Longest wait (ms) before a partial batch is written. `BATCH_MAX_WAIT_MS`, default 10. */
  readonly batchMaxWaitMs: number;
  /** Bulk writes running at once (one per shard at most). `BATCH_CONCURRENCY`, default 4. */
  readonly batchConcurrency: number;
  /** Simulated latency of the per-event step, uniform in [min, max] ms. `WORK_MS`, default `1-5`. */
  readonly workMs: readonly [number, number];
  /** Simulated latency of one bulk write (a database round trip), uniform in [min, max] ms. `WRITE_MS`, default `5-15`. */
  readonly writeMs: readonly [number, number];
}

export const ORDERS_CONFIG = Symbol('ORDERS_CONFIG');

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) throw new RangeError(`${name} must be an integer ≥ ${min}, got ${JSON.stringify(raw)}`);
  return value;
}

function range(env: NodeJS.ProcessEnv, name: string, fallback: string): [number, number] {
  const raw = env[name] || fallback;
  const parts = raw.split('-').map(Number);
  const [min = NaN, max = min] = parts;
  if (parts.length > 2 || !(min >= 0) || !(max >= min)) throw new RangeError(`${name} must be "min-max" or "ms", got ${JSON.stringify(raw)}`);
  return [min, max];
}

export function readConfig(env: NodeJS.ProcessEnv = process.env): OrdersConfig {
  const parallelism = integer(env, 'PARALLELISM', 16, 1);
  const window = integer(env, 'WINDOW', 4 * parallelism, parallelism);
  return {
    natsUrl: (env.NATS_URL ?? 'nats://127.0.0.1:4222').split(',').map((s) => s.trim()),
    stream: env.ORDERS_STREAM || 'ORDERS',
    consumer: env.ORDERS_CONSUMER || 'orders-processor',
    httpHost: env.HTTP_HOST || '0.0.0.0',
    httpPort: integer(env, 'HTTP_PORT', 3000, 0),
    ledgerFile: env.LEDGER_FILE || './orders-ledger.jsonl',
    parallelism,
    window,
    shards: integer(env, 'SHARDS', 8, 1),
    batchSize: integer(env, 'BATCH_SIZE', 20, 1),
    batchMaxWaitMs: integer(env, 'BATCH_MAX_WAIT_MS', 10, 0),
    batchConcurrency: integer(env, 'BATCH_CONCURRENCY', 4, 1),
    workMs: range(env, 'WORK_MS', '1-5'),
    writeMs: range(env, 'WRITE_MS', '5-15'),
  };
}
