/**
 * The NATS client as the adapter sees it: structural types that describe exactly what rxjs-lanes/jetstream
 * reads and calls, so that its declarations compile without @nats-io/* installed. The client's own types
 * (`Consumer`, `ConsumerInfo`, `JsMsg` of @nats-io/jetstream 3.x) are assignable to them: pass
 * `await js.consumers.get(stream, name)` as it is.
 */

/**
 * The headers of a message (the client's `MsgHdrs`), read-only as far as the adapter goes.
 * @public
 */
export interface JetStreamHeaders {
  /** The first value of the header, or `''`. */
  get(name: string): string;
  has(name: string): boolean;
  keys(): string[];
  values(name: string): string[];
}

/**
 * Where a delivery comes from, parsed from its ack subject (the client's `DeliveryInfo`).
 * @public
 */
export interface JetStreamDeliveryInfo {
  readonly domain: string;
  readonly stream: string;
  readonly consumer: string;
  /** How many times the message was delivered to this consumer, this delivery included (1 on the first). */
  readonly deliveryCount: number;
  readonly streamSequence: number;
  readonly deliverySequence: number;
  /** The message's time in the stream, in nanoseconds since the epoch. */
  readonly timestampNanos: number;
  /** Messages left for the consumer after this one. */
  readonly pending: number;
}

/**
 * One message received from a pull request (the client's `JsMsg`): what the adapter reads and the settle
 * calls it forwards.
 * @public
 */
export interface JetStreamMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly headers: JetStreamHeaders | undefined;
  /** The stream sequence. */
  readonly seq: number;
  readonly redelivered: boolean;
  readonly info: JetStreamDeliveryInfo;
  readonly sid: number;
  readonly time: Date;
  readonly timestamp: string;
  readonly timestampNanos: bigint;
  ack(): void;
  nak(millis?: number): void;
  working(): void;
  term(reason?: string): void;
  ackAck(opts?: Partial<{ timeout: number }>): Promise<boolean>;
  json<T>(): T;
  string(): string;
}

/**
 * The options the adapter passes to `fetch` and `consume` (a subset of the client's `FetchOptions` /
 * `ConsumeOptions`, plus `callback`, which `@nats-io/jetstream` 3.x honours for both).
 * @public
 */
export interface JetStreamPullOptions {
  max_messages: number;
  expires: number;
  callback: (message: JetStreamMessage) => void;
  /** The priority group (`group` mode only). */
  group?: string;
}

/**
 * A notification of an open pull (the client's `ConsumerNotification`): the adapter reads the server's
 * idle heartbeats (`type: 'heartbeat'`, with the consumer's last delivery sequence).
 * @public
 */
export interface JetStreamNotification {
  /** What happened: `'heartbeat'`, `'discard'`, `'consumer_unpinned'`, … (the client's names). */
  readonly type: string;
  /** On a `'heartbeat'`: the consumer's last delivery sequence when the server sent it. */
  readonly lastConsumerSequence?: number;
}

/**
 * An open pull (the client's `ConsumerMessages`).
 * @public
 */
export interface JetStreamMessages {
  close(): Promise<void | Error>;
  /** Resolves when the pull ended: with `undefined`, or the error that ended it. */
  closed(): Promise<void | Error>;
  /** The pull's notifications; read in `group` mode (required there), ending when the pull ends. */
  status?(): AsyncIterable<JetStreamNotification>;
  /** Read only when the client ignores `callback`. */
  [Symbol.asyncIterator](): AsyncIterator<JetStreamMessage>;
}

/**
 * The part of a consumer's configuration the adapter reads (the client's `ConsumerConfig`; durations in
 * nanoseconds, as the server sends them).
 * @public
 */
export interface JetStreamConsumerConfig {
  readonly ack_policy: string;
  readonly ack_wait?: number;
  readonly max_ack_pending?: number;
  readonly max_deliver?: number;
  readonly backoff?: readonly number[];
  readonly priority_policy?: string;
  readonly priority_groups?: readonly string[];
  /** The pinned-client TTL, in nanoseconds. */
  readonly priority_timeout?: number;
}

/**
 * The part of a consumer's info the adapter reads (the client's `ConsumerInfo`).
 * @public
 */
export interface JetStreamConsumerInfo {
  readonly config: JetStreamConsumerConfig;
  readonly num_ack_pending: number;
}

/**
 * What {@link fromJetStream} needs of a consumer: a durable pull consumer of `@nats-io/jetstream`
 * (`await js.consumers.get(stream, durableName)`), or anything with the same methods.
 * @public
 */
export interface JetStreamPullConsumer {
  info(cached?: boolean): Promise<JetStreamConsumerInfo>;
  fetch(options: JetStreamPullOptions): Promise<JetStreamMessages>;
  /** Used with the `group` option only (one long-lived pull that keeps the pinned-client id). */
  consume?(options: JetStreamPullOptions): Promise<JetStreamMessages>;
}
