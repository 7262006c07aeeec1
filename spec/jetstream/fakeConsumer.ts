/**
 * A fake JetStream pull consumer honouring what fromJetStream relies on in @nats-io/jetstream 3.x:
 * `info()` returns the consumer's config and counters; `fetch({ max_messages, expires, callback })`
 * opens a pull request and resolves to its messages handle (`noIterator: true`, `closed()`, `close()`);
 * messages go to open requests in the order they were opened (FIFO), each request ends once it got
 * `max_messages` or when the test expires or fails it. Settle calls are recorded. `consume()` (group mode)
 * is one pull that never ends by itself, with `status()` notifications the test sends (`notify`), and
 * every message stamped with the current `pin` (the `Nats-Pin-Id` header) when one is set.
 */
import type { ConsumerInfo, ConsumerMessages, JsMsg } from '@nats-io/jetstream';

export type Settle = 'ack' | 'nak' | 'term' | 'working';

export interface FakeMsg {
  seq: number;
  subject: string;
  delivery: number;
  log: { kind: Settle; delay?: number }[];
  msg: JsMsg;
}

export interface FakePull {
  id: number;
  asked: number;
  received: number;
  expires: number;
  open: boolean;
  callback: ((m: JsMsg) => void) | undefined;
  handle: FakeMessages;
}

export interface FakeMessages {
  noIterator: boolean;
  closed(): Promise<void | Error>;
  close(): Promise<void | Error>;
  stop(err?: Error): void;
  [Symbol.asyncIterator](): AsyncIterator<JsMsg>;
  status?(): AsyncIterable<{ type: string; lastConsumerSequence?: number }>;
}

export interface FakeOptions {
  ackPolicy?: string;
  maxAckPending?: number;
  ackWaitMs?: number;
  numAckPending?: number;
  /** false: ignore `callback` and hand messages out through the async iterator (a client without callback fetch). */
  callbacks?: boolean;
  infoError?: Error;
  maxDeliver?: number;
  priorityPolicy?: string;
  priorityGroups?: string[];
  priorityTimeoutMs?: number;
}

export class FakeConsumer {
  readonly pulls: FakePull[] = [];
  readonly delivered: FakeMsg[] = [];
  readonly events: string[] = [];
  private nextSeq = 1;
  private deliverySeq = 0;
  fetchError: Error | undefined;
  /** The pin id stamped on each delivery (`Nats-Pin-Id`), as a pinned-client server does; none when undefined. */
  pin: string | undefined;
  /** `false`: consume() returns a pull without status(). */
  withStatus = true;
  private readonly listeners: { push: (n: { type: string; lastConsumerSequence?: number }) => void; end: () => void }[] = [];

  /** The consumer's last delivery sequence (what a server heartbeat reports). */
  get lastDeliverySequence(): number {
    return this.deliverySeq;
  }

  /** Sends a notification to every status() iterator (e.g. `{ type: 'heartbeat', lastConsumerSequence }`). */
  notify(notification: { type: string; lastConsumerSequence?: number }): void {
    for (const listener of this.listeners) listener.push(notification);
  }

  /** A server idle heartbeat reporting the current last delivery sequence. */
  heartbeat(): void {
    this.notify({ type: 'heartbeat', lastConsumerSequence: this.deliverySeq });
  }

  constructor(readonly options: FakeOptions = {}) {}

  get openPulls(): FakePull[] {
    return this.pulls.filter((p) => p.open);
  }

  /** Messages asked for by open requests and not delivered yet. */
  get outstanding(): number {
    return this.openPulls.reduce((sum, p) => sum + p.asked - p.received, 0);
  }

  /** Deliveries not settled (ack/nak/term) yet. */
  get unsettled(): number {
    return this.delivered.filter((m) => !m.log.some((e) => e.kind !== 'working')).length;
  }

  info(): Promise<ConsumerInfo> {
    const o = this.options;
    if (o.infoError) return Promise.reject(o.infoError);
    return Promise.resolve({
      config: {
        ack_policy: o.ackPolicy ?? 'explicit',
        max_ack_pending: o.maxAckPending ?? 1000,
        ack_wait: (o.ackWaitMs ?? 30_000) * 1e6,
        max_deliver: o.maxDeliver ?? -1,
        priority_policy: o.priorityPolicy,
        priority_groups: o.priorityGroups,
        priority_timeout: o.priorityTimeoutMs === undefined ? undefined : o.priorityTimeoutMs * 1e6,
      },
      num_ack_pending: o.numAckPending ?? 0,
    } as unknown as ConsumerInfo);
  }

  /** Options of each `consume()` call (group mode): one long-lived pull that never ends by itself. */
  readonly consumes: { max_messages?: number; expires?: number; group?: string }[] = [];

  consume(opts: { max_messages?: number; expires?: number; group?: string; callback?: (m: JsMsg) => void }): Promise<ConsumerMessages> {
    const { callback: _callback, ...rest } = opts;
    this.consumes.push(rest);
    const opened = this.fetch({ ...opts, max_messages: Infinity });
    if (!this.withStatus) return opened;
    const pull = this.pulls.at(-1)!;
    const queue: { type: string; lastConsumerSequence?: number }[] = [];
    let wake: (() => void) | undefined;
    const listener = {
      push: (n: { type: string; lastConsumerSequence?: number }) => {
        queue.push(n);
        wake?.();
      },
      end: () => wake?.(),
    };
    this.listeners.push(listener);
    void pull.handle.closed().then(() => {
      this.listeners.splice(this.listeners.indexOf(listener), 1);
      listener.end();
    });
    pull.handle.status = () => ({
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<{ type: string; lastConsumerSequence?: number }>> => {
          for (;;) {
            if (queue.length > 0) return { value: queue.shift()!, done: false };
            if (!pull.open) return { value: undefined, done: true };
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
      }),
    });
    return opened;
  }

  fetch(opts: { max_messages?: number; expires?: number; callback?: (m: JsMsg) => void }): Promise<ConsumerMessages> {
    if (this.fetchError) {
      const error = this.fetchError;
      return Promise.reject(error);
    }
    const callbacks = this.options.callbacks !== false;
    let resolveClosed!: (value: void | Error) => void;
    const closed = new Promise<void | Error>((resolve) => (resolveClosed = resolve));
    const queue: JsMsg[] = [];
    let wake: (() => void) | undefined;
    const pull: FakePull = {
      id: this.pulls.length,
      asked: opts.max_messages ?? 100,
      received: 0,
      expires: opts.expires ?? 30_000,
      open: true,
      callback: callbacks ? opts.callback : undefined,
      handle: undefined as unknown as FakeMessages,
    };
    const stop = (err?: Error): void => {
      if (!pull.open) return;
      pull.open = false;
      this.events.push(`end ${pull.id}${err ? ` ${err.message}` : ''}`);
      resolveClosed(err);
      wake?.();
    };
    pull.handle = {
      noIterator: callbacks,
      closed: () => closed,
      close: () => {
        stop();
        return closed;
      },
      stop,
      [Symbol.asyncIterator]: () => ({
        next: async (): Promise<IteratorResult<JsMsg>> => {
          for (;;) {
            if (queue.length > 0) return { value: queue.shift()!, done: false };
            if (!pull.open) return { value: undefined, done: true };
            await new Promise<void>((resolve) => (wake = resolve));
          }
        },
      }),
    };
    (pull as unknown as { queue: JsMsg[]; wake: () => void }).queue = queue;
    Object.defineProperty(pull, 'push', {
      value: (m: JsMsg) => {
        queue.push(m);
        wake?.();
      },
    });
    this.pulls.push(pull);
    this.events.push(`pull ${pull.id} ${pull.asked}`);
    return Promise.resolve(pull.handle as unknown as ConsumerMessages);
  }

  /** Delivers up to `count` new messages (subjects from `subject(seq)`) to open requests, FIFO. Returns how many went out. */
  deliver(count: number, subject: (seq: number) => string = (seq) => `s.${seq}`): number {
    let sent = 0;
    while (sent < count) {
      const pull = this.openPulls[0];
      if (!pull) break;
      const seq = this.nextSeq++;
      this.send(pull, seq, subject(seq), 1);
      sent++;
    }
    return sent;
  }

  /**
   * Redelivers message `seq` (delivery count + 1) to the first open request. A message this fake never
   * delivered counts as delivered once elsewhere (to a previous owner), with subject `subject(seq)`.
   */
  redeliver(seq: number, subject: (seq: number) => string = (s) => `s.${s}`): boolean {
    const pull = this.openPulls[0];
    const previous = [...this.delivered].reverse().find((m) => m.seq === seq);
    if (!pull) return false;
    this.send(pull, seq, previous?.subject ?? subject(seq), (previous?.delivery ?? 1) + 1);
    return true;
  }

  /** The next new message gets stream sequence `seq` (earlier ones went to someone else). */
  skipTo(seq: number): void {
    this.nextSeq = seq;
  }

  /** Ends request `id` the way a server's 408 does (no error). */
  expire(id: number): void {
    this.pulls[id]!.handle.stop();
  }

  /** Ends request `id` with an error. */
  failPull(id: number, error: Error): void {
    this.pulls[id]!.handle.stop(error);
  }

  private send(pull: FakePull, seq: number, subject: string, delivery: number): void {
    const log: FakeMsg['log'] = [];
    const deliverySequence = ++this.deliverySeq;
    const msg = {
      seq,
      subject,
      data: new TextEncoder().encode(JSON.stringify({ seq })),
      headers: pinHeaders(this.pin),
      redelivered: delivery > 1,
      sid: 1,
      time: new Date(0),
      timestamp: new Date(0).toISOString(),
      timestampNanos: 0n,
      info: {
        streamSequence: seq,
        deliverySequence,
        deliveryCount: delivery,
        redelivered: delivery > 1,
        stream: 'S',
        consumer: 'C',
        domain: '',
        timestampNanos: 0,
        pending: 0,
      },
      ack: () => log.push({ kind: 'ack' }),
      nak: (delay?: number) => log.push(delay === undefined ? { kind: 'nak' } : { kind: 'nak', delay }),
      term: (reason?: string) => {
        if (reason !== undefined) throw new Error('term(reason) must not be sent to a 2.9 server');
        log.push({ kind: 'term' });
      },
      working: () => log.push({ kind: 'working' }),
      ackAck: () => {
        log.push({ kind: 'ack' });
        return Promise.resolve(true);
      },
      next: () => undefined,
      json: () => ({ seq }),
      string: () => JSON.stringify({ seq }),
    } as unknown as JsMsg;
    this.delivered.push({ seq, subject, delivery, log, msg });
    pull.received++;
    if (pull.callback) pull.callback(msg);
    else (pull as unknown as { push: (m: JsMsg) => void }).push(msg);
    if (pull.received >= pull.asked) pull.handle.stop();
  }
}

function pinHeaders(pin: string | undefined): unknown {
  if (pin === undefined) return undefined;
  const get = (name: string): string => (name === 'Nats-Pin-Id' ? pin : '');
  return {
    get,
    has: (name: string) => get(name) !== '',
    keys: () => ['Nats-Pin-Id'],
    values: (name: string) => [get(name)].filter(Boolean),
  };
}

/** Lets pending promise callbacks and microtasks run. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}
