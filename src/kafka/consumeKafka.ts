import { Observable } from 'rxjs';
import { KafkaRun } from './KafkaRun.js';
import { readConsumeKafkaOptions } from './options.js';
import type { KafkaConsumerLike } from './client.js';
import type { ConsumeKafkaOptions, KafkaKey, KafkaSettlement } from './types.js';

/**
 * Consumes Kafka topics through a kafkajs consumer, or a consumer of \@confluentinc/kafka-javascript's
 * KafkaJS-compatible API, with a handler per message: in parallel across
 * keys, in order within a key (inside each partition), with the commit offset of each partition kept
 * at the highest offset below which every message is settled.
 *
 * ```text
 * partition 0:  a1 b1 a2 c1 ...      (letter = key, parallelism 4, perKey 1)
 * handlers:     a1, b1, c1 run at once; a2 starts when a1 is settled
 * commit:       0 until a1 settles, then past every settled message up to the first unsettled one
 * output:       one settlement per message as it settles
 * ```
 *
 * @remarks
 * - **Order and bounds.** At most `parallelism` deliveries are held (waiting for their key or being
 *   handled), at most `perKey` per key run at once; a key's deliveries start in offset order. The
 *   lanes are per topic-partition: a key's messages are all in one partition when the producer keys
 *   them, so this is the key's order.
 * - **Flow control.** While the pipeline is full the adapter holds the client's `eachBatch` call
 *   (sending kafkajs's group heartbeat; librdkafka heartbeats on its own), so the client hands over
 *   nothing more and exactly `parallelism` messages are held; reading resumes when a slot frees. The
 *   confluent client serves a rebalance only when it polls librdkafka, which it does with no batch
 *   pending and its message cache empty: a batch that waited for room across a whole `heartbeatInterval`
 *   is handed back (what was not passed on is fetched again), so a rebalance waits about one interval per
 *   partition it had cached.
 * - **Settling.** A message is settled only after its handler finished: with the outcome the handler
 *   returned (`undefined` = `'ack'`), or by `onError` (default `{ nak: 1000 }`). Each settled delivery
 *   is emitted as a {@link KafkaSettlement}, as it settles.
 * - **Commits.** Each partition's commit offset is tracked by a {@link CommitTracker}: one past the
 *   highest offset below which every message is acked or terminated. A running or nak'd message holds
 *   it. It is committed every `commitInterval`, when the group starts a rebalance, at the end of a drain,
 *   and (best effort) on an abrupt stop. At-least-once: nothing is committed before it was handled.
 * - **Nak** holds the commit offset and delivers the message again after its delay by seeking the
 *   partition back; messages after it that were settled meanwhile are not handled again. A nak'd
 *   message gives up its place in its key's order: the key's next message starts at once. Retry inside
 *   the handler when the order must hold.
 * - **Term** writes the dead letter (if `deadLetter` is set: a `{ producer, topic }` dead-letter topic,
 *   with headers naming the origin, the attempts and the error, or a function) in the message's lane, then
 *   counts the message as settled. `maxAttempts` turns a message's last allowed nak into a term.
 * - **`recordFinished`** writes the finished offsets above each commit offset into the commit metadata
 *   (bounded to 4000 characters) and skips them when a partition is assigned again.
 * - **`onError: 'fail'`** leaves the message unsettled (the commit offset stays below it), aborts
 *   the other handlers (`context.signal`), commits what was settled, stops the consumer and errors the
 *   output.
 * - **Rebalance.** When the group starts rebalancing (kafkajs), the commit offsets are committed and every
 *   partition is fenced (the confluent client reports no rebalance: its assignment is read back before each
 *   batch and commit, and partitions gone from it are fenced): outcomes of handlers still running no longer count (their `signal` aborts; they
 *   are emitted with `fenced: true`), and those messages are delivered again from the committed offset
 *   to the partition's new owner.
 * - **Drain.** On `stop`: no new deliveries, running handlers finish and settle, the commit offsets are
 *   committed, the consumer is stopped (kafkajs: `consumer.stop()`; confluent: `consumer.disconnect()`),
 *   then the output completes; the status becomes `'drained'`.
 * - **Teardown.** Unsubscribing aborts running handlers, frees every timer, subscription and listener of
 *   the run at once (whatever the client's phase), commits what was settled (best effort) and stops the
 *   consumer (kafkajs once `run()` settled: it ignores a `stop()` while it joins the group).
 *
 * Use a consumer for one subscription at a time, and do not call `run`, `seek` or `commitOffsets` on
 * it yourself.
 *
 * @example
 * ```ts
 * const consumer = kafka.consumer({ groupId: 'billing' });
 * await consumer.connect();
 * await consumer.subscribe({ topics: ['orders'] });
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * consumeKafka(consumer, {
 *   parallelism: 64,
 *   handler: async (d, { signal }) => { await bill(JSON.parse(d.message.value!.toString()), { signal }); },
 *   onError: { nak: 1000 },
 *   maxAttempts: 5,
 *   deadLetter: { producer, topic: 'orders.dlq' },
 *   stop: stop.signal,
 *   onStatus: (s) => health.set(s === 'consuming'),
 * }).subscribe({ complete: () => consumer.disconnect() });
 * ```
 * @param consumer - a kafkajs consumer, or a confluent KafkaJS-API consumer created with
 *   `kafkaJS: { autoCommit: false }`; connected and subscribed, not yet running.
 * @param options - `parallelism`, `handler`, and optionally `perKey`, `key`, `onError`, `deadLetter`,
 *   `maxAttempts`, `recordFinished`, `readCommitted`, `stop`, `onStatus`, `onCommit`, `commitInterval`,
 *   `heartbeatInterval`, `scheduler`; validated when called.
 * @returns an Observable of one {@link KafkaSettlement} per handled message; subscribing runs the
 *   consumer; it completes after a drain.
 * @public
 */
export function consumeKafka<K extends KafkaKey = string | null>(
  consumer: KafkaConsumerLike,
  options: ConsumeKafkaOptions<K>,
): Observable<KafkaSettlement<K>> {
  const config = readConsumeKafkaOptions(consumer, options);
  return new Observable<KafkaSettlement<K>>((subscriber) => new KafkaRun(consumer, config, subscriber).start());
}
