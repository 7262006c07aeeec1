/**
 * One member of the consumer group of group.spec.ts, in a process of its own (run with
 * `node --require tsx/cjs`). Consumes TOPIC in GROUP with consumeKafka and writes one JSON line per event
 * to the file EVENTS, with writeSync: a line is in the file before the handler goes on, so nothing written is
 * lost when the process is SIGKILLed (stdout would not do: Node writes to a pipe asynchronously, and what a
 * slow reader has not taken yet dies with the process):
 *
 *   {"e":"start"|"done","p":partition,"o":offset,"k":key,"t":ns}   a handler started / finished
 *   {"e":"commit","offsets":[[p,o],...],"t":ns}                    a commit, when it is sent (the broker may apply
 *                                                                  the last one of a SIGKILLed member, whose answer
 *                                                                  never arrives: it is checked too)
 *   {"e":"status","s":status,"t":ns}
 *
 * `t` is process.hrtime.bigint() (CLOCK_MONOTONIC: one clock for every process of the machine).
 * SIGTERM drains: running handlers finish, the offsets are committed, the process exits 0.
 */
import { openSync, writeSync } from 'node:fs';
import { consumeKafka } from '../../../src/kafka';
import { confluentBed, kafkajsBed } from '../../support/kafkaTestBeds';

const { TOPIC, GROUP, CLIENT, RECORD_FINISHED, HANDLER_MS } = process.env;
const now = () => process.hrtime.bigint().toString();
const events = openSync(process.env.EVENTS!, 'a');
const emit = (event: Record<string, unknown>) => writeSync(events, `${JSON.stringify({ ...event, t: now() })}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

async function main(): Promise<void> {
  // First: a SIGTERM while still connecting (a loaded machine) must drain too, not kill the process
  const stop = new AbortController();
  process.once('SIGTERM', () => stop.abort());
  const bed = CLIENT === 'confluent' ? await confluentBed() : await kafkajsBed();
  const consumer = await bed.consumer(GROUP!, TOPIC!, { sessionTimeout: 3000 });
  const commitOffsets = consumer.commitOffsets.bind(consumer);
  consumer.commitOffsets = (offsets) => {
    emit({ e: 'commit', offsets: offsets.map((o) => [o.partition, Number(o.offset)]) });
    return commitOffsets(offsets);
  };
  const recordFinished = RECORD_FINISHED === '1';
  const handlerMs = Number(HANDLER_MS ?? 2);
  await new Promise<void>((resolve, reject) =>
    consumeKafka(consumer, {
      parallelism: 32,
      commitInterval: 200,
      heartbeatInterval: 200,
      recordFinished,
      readCommitted: recordFinished ? bed.readCommitted(GROUP!) : undefined,
      stop: stop.signal,
      onStatus: (s) => emit({ e: 'status', s }),
      handler: async (d) => {
        const event = { p: d.partition, o: Number(d.message.offset), k: d.message.key?.toString() ?? null };
        emit({ e: 'start', ...event });
        // about one message in a hundred is slow: it holds its partition's commit offset while the
        // messages after it finish (the work recordFinished records)
        await sleep(event.o % 97 === 13 ? 40 * handlerMs : handlerMs * (0.5 + Math.random()));
        emit({ e: 'done', ...event });
      },
    }).subscribe({ error: reject, complete: resolve }),
  );
  await bed.close();
}

main().then(
  () => process.exit(0),
  (error: unknown) => {
    process.stderr.write(`worker failed: ${String((error as Error)?.stack ?? error)}\n`);
    process.exit(1);
  },
);
