import type { SchedulerAction, SchedulerLike, Subscription } from 'rxjs';
import { checkOutcome, type Outcome } from '../broker/Outcome.js';
import type { JetStreamDeliveryInfo, JetStreamHeaders, JetStreamMessage } from './types.js';
import { checkDuration, checkKnownOptions, checkOptions, describeValue, type KnownOptions } from '../internal/validate.js';

/**
 * Options of {@link JetStreamDelivery.keepAlive}.
 * @public
 */
export interface KeepAliveOptions {
  /**
   * Milliseconds between two `working()` signals (scheduler time). Default: half the consumer's
   * `ack_wait`. A finite number \> 0.
   */
  interval?: number;
  /** Stops the keep-alive when aborted (pass the `signal` your handler receives). */
  signal?: AbortSignal;
}

const KEEP_ALIVE_OPTIONS = { interval: true, signal: true } as const satisfies Record<keyof KeepAliveOptions, true> & KnownOptions;

/**
 * One message delivered by {@link fromJetStream}: a `JsMsg` (subject, data, headers, info…) whose
 * settle calls are counted by the adapter's window.
 *
 * @remarks
 * - **Exactly once.** The first of `ack()`, `ackAck()`, `nak()`, `term()` or `settle()` settles the
 *   delivery: it is sent to the server and frees one slot of the window. Every later settle call is a
 *   no-op that returns `false` and is reported to the `onDiagnostic` option (`{ kind: 'duplicateSettle' }`).
 * - **In progress.** `working()` tells the server the handler is still busy (the ack deadline restarts);
 *   it does not settle. `keepAlive()` sends it periodically until the delivery settles.
 * - **Always settle.** A delivery that is never settled keeps its slot for the rest of the subscription
 *   (the server redelivers the message after `ack_wait` as a new delivery). Unsettled deliveries of a
 *   subscription that was unsubscribed are left to that redelivery.
 * @public
 */
export interface JetStreamDelivery extends JetStreamMessage {
  /** The client's message, for APIs that need the original object. Settle through the delivery instead. */
  readonly message: JetStreamMessage;
  /** The outcome the delivery was settled with, or `undefined` while unsettled. */
  readonly outcome: Outcome | undefined;
  /** `true` once settled. */
  readonly settled: boolean;
  /** Acknowledges: processed. Returns `true` if this call settled the delivery. */
  ack(): boolean;
  /**
   * Acknowledges and waits for the server to confirm it (a "double ack"). Settles like `ack()`; the
   * Promise resolves `true` when confirmed (`false` if the delivery was already settled) and rejects on
   * timeout. Use it when an ack lost with the connection must not lead to reprocessing.
   */
  ackAck(opts?: Partial<{ timeout: number }>): Promise<boolean>;
  /**
   * Negative acknowledgement: deliver again, now or after `delay` milliseconds. Returns `true` if
   * this call settled the delivery.
   */
  nak(delay?: number): boolean;
  /**
   * Terminates: never deliver again (dead-letter). No reason is sent (nats-server 2.9 ignores a
   * `+TERM` with a reason and redelivers); an argument is accepted for `JsMsg` compatibility and
   * dropped. Returns `true` if this call settled the delivery.
   */
  term(reason?: string): boolean;
  /** Settles with an outcome: `'ack'`, `'nak'`, `{ nak: delay }` or `'term'`. Returns `true` if this call settled it. */
  settle(outcome: Outcome): boolean;
  /** In progress: restarts the server's ack deadline. Returns `false` (and sends nothing) once settled. */
  working(): boolean;
  /** Not supported (an ack that also pulls would fetch outside the window): always throws. */
  next(subject?: string, options?: unknown): never;
  /**
   * Sends `working()` every `interval` ms (default: half the consumer's `ack_wait`) until the delivery
   * settles, `signal` aborts, the returned function is called, or the subscription is unsubscribed.
   * @returns a function that stops the keep-alive.
   */
  keepAlive(options?: KeepAliveOptions): () => void;
}

/** What a delivery needs from the subscription that received it. @internal */
export interface DeliveryHost {
  readonly scheduler: SchedulerLike;
  /** Default keep-alive interval in ms. */
  readonly keepAliveMs: number;
  /** Keep-alives running, cancelled when the subscription is aborted. */
  readonly keepAlives: Set<Subscription>;
  /** A delivery settled (before its message was sent to the server). */
  onSettle(delivery: Delivery): void;
  /** A settle call on an already settled delivery. */
  onDuplicate(delivery: Delivery, attempted: Outcome): void;
}

const NOOP = (): void => undefined;

/** The implementation of {@link JetStreamDelivery}. @internal */
export class Delivery implements JetStreamDelivery {
  outcome: Outcome | undefined = undefined;
  private stops: (() => void)[] | null = null;

  constructor(
    readonly message: JetStreamMessage,
    private readonly host: DeliveryHost,
  ) {}

  get settled(): boolean {
    return this.outcome !== undefined;
  }

  // --- JsMsg, delegated ---
  get redelivered(): boolean {
    return this.message.redelivered;
  }
  get info(): JetStreamDeliveryInfo {
    return this.message.info;
  }
  get seq(): number {
    return this.message.seq;
  }
  get headers(): JetStreamHeaders | undefined {
    return this.message.headers;
  }
  get data(): Uint8Array {
    return this.message.data;
  }
  get subject(): string {
    return this.message.subject;
  }
  get sid(): number {
    return this.message.sid;
  }
  get time(): Date {
    return this.message.time;
  }
  get timestamp(): string {
    return this.message.timestamp;
  }
  get timestampNanos(): bigint {
    return this.message.timestampNanos;
  }
  json<T>(): T {
    return this.message.json<T>();
  }
  string(): string {
    return this.message.string();
  }

  // --- settling ---
  ack(): boolean {
    if (!this.begin('ack')) return false;
    this.message.ack();
    return true;
  }

  ackAck(opts?: Partial<{ timeout: number }>): Promise<boolean> {
    if (!this.begin('ack')) return Promise.resolve(false);
    return this.message.ackAck(opts);
  }

  nak(delay?: number): boolean {
    if (delay !== undefined) checkDuration('JetStreamDelivery.nak', 'delay', delay);
    if (!this.begin(delay === undefined ? 'nak' : { nak: delay })) return false;
    this.message.nak(delay);
    return true;
  }

  term(_reason?: string): boolean {
    if (!this.begin('term')) return false;
    this.message.term();
    return true;
  }

  settle(outcome: Outcome): boolean {
    checkOutcome('JetStreamDelivery.settle', 'outcome', outcome);
    if (outcome === 'ack') return this.ack();
    if (outcome === 'term') return this.term();
    return this.nak(outcome === 'nak' ? undefined : outcome.nak);
  }

  working(): boolean {
    if (this.settled) return false;
    this.message.working();
    return true;
  }

  next(): never {
    throw new Error('JetStreamDelivery.next: not supported — it would pull outside the adapter window; settle with ack() instead');
  }

  keepAlive(options: KeepAliveOptions = {}): () => void {
    checkOptions('JetStreamDelivery.keepAlive', options);
    checkKnownOptions('JetStreamDelivery.keepAlive', options, KEEP_ALIVE_OPTIONS);
    const { interval = this.host.keepAliveMs, signal } = options;
    if (typeof interval !== 'number' || !(interval > 0) || interval === Infinity) {
      throw new RangeError(
        `JetStreamDelivery.keepAlive: interval must be a finite number of milliseconds > 0, got ${describeValue(interval)}`,
      );
    }
    if (this.settled || signal?.aborted) return NOOP;
    const { keepAlives } = this.host;
    const message = this.message;
    let stopped = false;
    const action = this.host.scheduler.schedule(function (this: SchedulerAction<undefined>) {
      try {
        message.working();
      } catch {
        stop(); // the connection is gone: the server will redeliver; nothing more to keep alive
        return;
      }
      this.schedule(undefined, interval);
    }, interval);
    const stop = (): void => {
      if (stopped) return;
      stopped = true;
      action.unsubscribe();
      keepAlives.delete(action);
      signal?.removeEventListener('abort', stop);
    };
    keepAlives.add(action);
    signal?.addEventListener('abort', stop, { once: true });
    (this.stops ??= []).push(stop);
    return stop;
  }

  /** Marks the delivery settled with `outcome` (state first, then the window), or reports a duplicate. */
  private begin(outcome: Outcome): boolean {
    if (this.outcome !== undefined) {
      this.host.onDuplicate(this, outcome);
      return false;
    }
    this.outcome = outcome;
    const stops = this.stops;
    if (stops !== null) {
      this.stops = null;
      for (const stop of stops) stop();
    }
    this.host.onSettle(this);
    return true;
  }
}
