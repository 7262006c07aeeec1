/** Helpers shared by the integration suites: what went over the wire, deterministic randomness, durations. */
import type { Consumer, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import type { JetStreamPullConsumer } from '../../src/jetstream/index';

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
export const ms = (n: number) => n * 1_000_000; // consumer durations are nanoseconds

/** A small deterministic PRNG, so a failure can be replayed. */
export function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

export type Kind = 'ack' | 'nak' | 'term' | 'working';

/** What went over the wire for one consumer, recorded below the adapter. */
export class Wire {
  /** Every message received, in arrival order. */
  readonly received: JsMsg[] = [];
  /** Every settle/working call sent: [kind, stream sequence, message]. */
  readonly sent: [Kind, number, JsMsg][] = [];
  /** Received and not yet settled (ack/nak/term) — the bound under test. */
  unsettled = 0;
  maxUnsettled = 0;
  /** Called before each ack reaches the client: throw to fail the test from inside the pipeline. */
  beforeAck: ((m: JsMsg) => void) | undefined;
  readonly problems: string[] = [];

  wrap(consumer: Consumer): JetStreamPullConsumer {
    return {
      info: (cached?: boolean) => consumer.info(cached),
      fetch: (opts?: Parameters<Consumer['fetch']>[0]) => consumer.fetch(this.intercept(opts) as never),
      consume: (opts?: Parameters<Consumer['consume']>[0]) => consumer.consume(this.intercept(opts) as never),
    };
  }

  /** The options with their callback recording every message (the adapter always passes one). */
  private intercept(opts: unknown): object {
    const options = { ...(opts as object) } as { callback?: (m: JsMsg) => void };
    const callback = options.callback;
    if (callback) options.callback = (m: JsMsg) => callback(this.record(m));
    return options;
  }

  settled(kind: Kind): number[] {
    return this.sent.filter(([k]) => k === kind).map(([, seq]) => seq);
  }

  private record(m: JsMsg): JsMsg {
    this.received.push(m);
    this.unsettled++;
    this.maxUnsettled = Math.max(this.maxUnsettled, this.unsettled);
    let settled = false;
    for (const kind of ['ack', 'nak', 'term', 'working'] as const) {
      const original = (m[kind] as (...args: unknown[]) => void).bind(m);
      (m as unknown as Record<Kind, (...args: unknown[]) => void>)[kind] = (...args: unknown[]) => {
        if (kind === 'ack') {
          try {
            this.beforeAck?.(m);
          } catch (error) {
            this.problems.push(String(error));
          }
        }
        if (kind !== 'working') {
          if (settled) this.problems.push(`stream sequence ${m.seq} settled twice (${kind})`);
          settled = true;
          this.unsettled--;
        }
        this.sent.push([kind, m.seq, m]);
        original(...args);
      };
    }
    return m;
  }
}

/** Samples the server's view of the consumer every 25 ms until stopped. */
export function sampleAckPending(jsm: JetStreamManager, stream: string, name: string): { stop: () => Promise<number> } {
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const info = await jsm.consumers.info(stream, name);
      max = Math.max(max, info.num_ack_pending);
      await sleep(25);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return max;
    },
  };
}

export interface Published {
  seq: number;
  key: string;
  /** Position of the message among its key's messages. */
  n: number;
}
