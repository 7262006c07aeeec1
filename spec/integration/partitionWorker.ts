/**
 * One process of the scale-out suite (scaleOut.spec.ts): consumes every partition consumer of a
 * subject-partitioned stream through the pinned priority group, so the server decides which process owns
 * which partition. Appends what it does to a shared log, one line per event, written synchronously with
 * O_APPEND so that the file's order is the order the events happened in across processes:
 *
 *   recv <pid> <seq> <key> <dc> <pin>   the client received the message (recorded below the adapter), with
 *                                       its delivery count and the pin id the server stamped on it
 *   start <pid> <seq> <key> <n>         the handler started (n = the message's position among its key's)
 *   done <pid> <seq>                    the handler finished
 *   ack <pid> <seq>                     the ack is handed to the client (recorded below the adapter)
 *
 * Configured by env: NATS_URL, STREAM, PARTITIONS, GROUP, LOG. SIGTERM drains gracefully; SIGKILL is the crash.
 */
import { jetstream, type Consumer, type JsMsg } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { closeSync, openSync, writeSync } from 'node:fs';
import { merge } from 'rxjs';
import { consumeJetStream, type JetStreamPullConsumer } from '../../src/jetstream/index';

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`partitionWorker: ${name} is not set`);
  return value;
};
const log = openSync(env('LOG'), 'a');
const write = (line: string): void => void writeSync(log, `${line}\n`);
const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Records each message as the client hands it over and each ack as it is handed to the client, below the adapter. */
function recordWire(consumer: Consumer): JetStreamPullConsumer {
  const wrap = (opts: unknown): never => {
    const options = { ...(opts as object) } as { callback?: (m: JsMsg) => void };
    const callback = options.callback!;
    options.callback = (m: JsMsg) => {
      const key = m.subject.slice(m.subject.lastIndexOf('.') + 1);
      write(`recv ${process.pid} ${m.seq} ${key} ${m.info.deliveryCount} ${m.headers?.get('Nats-Pin-Id') || '-'}`);
      const ack = m.ack.bind(m);
      m.ack = () => {
        write(`ack ${process.pid} ${m.seq}`);
        ack();
      };
      callback(m);
    };
    return options as never;
  };
  return {
    info: (cached?: boolean) => consumer.info(cached),
    fetch: (o) => consumer.fetch(wrap(o)),
    consume: (o) => consumer.consume(wrap(o)),
  };
}

async function main(): Promise<void> {
  const stream = env('STREAM');
  const partitions = Number(env('PARTITIONS'));
  const group = env('GROUP');
  const nc = await connect({ servers: env('NATS_URL'), reconnect: false });
  const js = jetstream(nc);
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  const consumers = await Promise.all(
    Array.from({ length: partitions }, (_, p) => js.consumers.get(stream, `${stream.toLowerCase()}-${p}`)),
  );
  write(`up ${process.pid}`);
  merge(
    ...consumers.map((consumer) =>
      consumeJetStream(recordWire(consumer), {
        parallelism: 4,
        group,
        expires: 1000,
        stop: stop.signal,
        handler: async (d) => {
          const { key, n } = d.json<{ key: string; n: number }>();
          write(`start ${process.pid} ${d.seq} ${key} ${n}`);
          await sleep(1 + (d.seq % 3));
          write(`done ${process.pid} ${d.seq}`);
        },
      }),
    ),
  ).subscribe({
    error: (error: unknown) => {
      write(`error ${process.pid} ${String(error)}`);
      process.exit(1);
    },
    complete: () => {
      void nc.drain().then(() => {
        closeSync(log);
        process.exit(0);
      });
    },
  });
}

main().catch((error: unknown) => {
  write(`error ${process.pid} ${String(error)}`);
  process.exit(1);
});
