/**
 * A fake JetStream pull consumer for the unit tests: `info()` gives an explicit-ack consumer;
 * `fetch({ max_messages, callback })` opens a pull that receives queued messages (FIFO) until it got
 * `max_messages`; an open pull with nothing to receive stays open until the test expires it (as a server's
 * pull does until `expires`), so a drain ends exactly when the test says. Settle calls are recorded.
 */
import type { JetStreamMessage, JetStreamMessages, JetStreamPullConsumer, JetStreamPullOptions } from 'rxjs-lanes/jetstream';

export interface FakeMessage {
  readonly seq: number;
  readonly subject: string;
  /** Settle calls, in order: 'ack', 'nak', 'nak 5000', 'term', 'working'. */
  readonly log: string[];
}

interface Pull {
  asked: number;
  received: number;
  open: boolean;
  callback: (message: JetStreamMessage) => void;
  end: (error?: Error) => void;
}

export class FakeJetStream implements JetStreamPullConsumer {
  /** Every fake made and not yet forgotten (so a test's cleanup can end their pulls). */
  static readonly all = new Set<FakeJetStream>();
  readonly messages: FakeMessage[] = [];
  private readonly queue: { seq: number; subject: string; data: Uint8Array }[] = [];
  private readonly pulls: Pull[] = [];
  private seq = 0;
  /** Every fetch call, for "no fetch after the stop" checks. */
  fetches = 0;
  /** When set, the next fetch rejects with it (once). */
  fetchError: Error | undefined;

  constructor() {
    FakeJetStream.all.add(this);
  }

  info() {
    return Promise.resolve({ config: { ack_policy: 'explicit', ack_wait: 30e9, max_ack_pending: 1000 }, num_ack_pending: 0 });
  }

  fetch(options: JetStreamPullOptions): Promise<JetStreamMessages> {
    this.fetches++;
    if (this.fetchError) {
      const error = this.fetchError;
      this.fetchError = undefined;
      return Promise.reject(error);
    }
    let resolveClosed!: (value: void | Error) => void;
    const closed = new Promise<void | Error>((resolve) => (resolveClosed = resolve));
    const pull: Pull = {
      asked: options.max_messages,
      received: 0,
      open: true,
      callback: options.callback,
      end: (error) => {
        if (!pull.open) return;
        pull.open = false;
        resolveClosed(error);
      },
    };
    this.pulls.push(pull);
    queueMicrotask(() => this.flush());
    return Promise.resolve({
      closed: () => closed,
      close: () => {
        pull.end();
        return closed;
      },
      [Symbol.asyncIterator]: () => {
        throw new Error('the fake delivers through callback');
      },
    });
  }

  /** Queues a message (delivered to an open pull at once if there is one). */
  publish(subject: string, payload: unknown, raw?: string): FakeMessage {
    const seq = ++this.seq;
    const data = new TextEncoder().encode(raw ?? JSON.stringify(payload));
    this.queue.push({ seq, subject, data });
    const message: FakeMessage = { seq, subject, log: [] };
    this.messages.push(message);
    this.flush();
    return message;
  }

  /** Ends every open pull the way an expired request ends (no error). */
  expirePulls(): void {
    for (const pull of this.pulls) pull.end();
  }

  /** Ends the open pulls with an error (a deleted consumer, a closed connection). */
  failPulls(error: Error): void {
    for (const pull of this.pulls) pull.end(error);
  }

  get openPulls(): number {
    return this.pulls.filter((p) => p.open).length;
  }

  private flush(): void {
    for (;;) {
      const pull = this.pulls.find((p) => p.open && p.received < p.asked);
      const next = this.queue[0];
      if (pull === undefined || next === undefined) return;
      this.queue.shift();
      pull.received++;
      pull.callback(this.toMessage(next));
      if (pull.received >= pull.asked) pull.end();
    }
  }

  private toMessage({ seq, subject, data }: { seq: number; subject: string; data: Uint8Array }): JetStreamMessage {
    const log = this.messages.find((m) => m.seq === seq)!.log;
    const text = new TextDecoder().decode(data);
    return {
      subject,
      data,
      headers: undefined,
      seq,
      redelivered: false,
      sid: 1,
      time: new Date(0),
      timestamp: new Date(0).toISOString(),
      timestampNanos: 0n,
      info: { domain: '', stream: 'S', consumer: 'C', deliveryCount: 1, streamSequence: seq, deliverySequence: seq, timestampNanos: 0, pending: 0 },
      ack: () => void log.push('ack'),
      nak: (delay?: number) => void log.push(delay === undefined ? 'nak' : `nak ${delay}`),
      term: () => void log.push('term'),
      working: () => void log.push('working'),
      ackAck: () => {
        log.push('ack');
        return Promise.resolve(true);
      },
      json: <T>() => JSON.parse(text) as T,
      string: () => text,
    };
  }
}

/** A promise with its resolve / reject outside. */
export function deferred<T = void>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => ((resolve = res), (reject = rej)));
  return { promise, resolve, reject };
}

/** Lets pending promise callbacks run. */
export async function flush(rounds = 10): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** Waits until `condition()` holds (polled every millisecond); a guard of 10 s fails a hung test, it is not a timing assertion. */
export async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`never happened: ${what}`);
    await new Promise<void>((resolve) => setTimeout(resolve, 1));
  }
}
