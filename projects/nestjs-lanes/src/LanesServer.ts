import { Logger, type BeforeApplicationShutdown } from '@nestjs/common';
import { Server, type BaseRpcContext, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import { lastValueFrom, type Observable, type Subscription } from 'rxjs';
import type { Outcome } from 'rxjs-lanes/jetstream';
import { checkOutcome, combineResults, describe, formatOutcome } from './outcomes.js';
import { pause, readRestart, restartDelay, unlessAborted, type RestartOptions, type RestartPolicy } from './restart.js';

/**
 * The life cycle of a lanes server, reported by `status` (an Observable, as Nest's own transports do) and
 * by {@link LanesServer.currentStatus}:
 *
 * - `'idle'`: not listening yet (`app.startAllMicroservices()` not called).
 * - `'connecting'`: waiting for the consumer (its factory has not resolved yet: the broker is not
 *   reachable, the consumer does not exist yet).
 * - the adapter's statuses while a run consumes: `'starting'`, `'awaiting-redelivery'` (JetStream),
 *   `'consuming'` (the readiness signal), `'rebalancing'` (Kafka), `'draining'`, `'drained'`.
 * - `'restarting'`: the run failed (`'failed'` first) and a new one starts after the restart delay.
 * - `'failed'`: the run failed and no restart follows (`restart: false`, or an option the adapter
 *   rejected).
 * - `'stopped'`: the drain was cut short by `drainTimeout`; unsettled deliveries go back to the broker.
 * @public
 */
export type LanesStatus =
  | 'idle'
  | 'connecting'
  | 'starting'
  | 'awaiting-redelivery'
  | 'consuming'
  | 'rebalancing'
  | 'draining'
  | 'drained'
  | 'restarting'
  | 'failed'
  | 'stopped';

/**
 * Counters of a lanes server since it started listening (for a health report or metrics).
 * @public
 */
export interface LanesServerStats {
  readonly status: LanesStatus;
  /** Deliveries settled, by outcome (a nak with a delay counts as `nak`). */
  readonly settled: { readonly ack: number; readonly nak: number; readonly term: number };
  /** Deliveries no `@EventPattern` matched (settled with `onUnhandled`). */
  readonly unhandled: number;
  /** Deliveries whose payload `decode` rejected (settled with `onUndecodable`). */
  readonly undecodable: number;
  /** Runs started after a failure. */
  readonly restarts: number;
}

/**
 * Options every lanes server takes, besides its adapter's.
 * @public
 */
export interface LanesServerCommonOptions<D> {
  /** Names the server in logs, in the health report and in the module's injection token. Default `'lanes'`. */
  name?: string;
  /**
   * The transport id: `@EventPattern(pattern, transportId)` binds a handler to this server only. Default: a
   * symbol per server class ({@link JETSTREAM_LANES}, {@link KAFKA_LANES}).
   */
  transportId?: symbol;
  /** Restart after a failed run (see {@link RestartOptions}), or `false` to stay `'failed'`. Default `{ delay: 500, maxDelay: 30000 }`. */
  restart?: RestartOptions | false;
  /**
   * The longest a drain may take, in ms: after it the run is unsubscribed (running handlers are
   * aborted through their signal; their messages go back to the broker). Default `Infinity`: the
   * orchestrator's grace period is the bound.
   */
  drainTimeout?: number;
  /** Turns a delivery into the handler's payload (`@Payload()`). Default: its data parsed as JSON (`undefined` when empty). */
  decode?: (delivery: D) => unknown;
  /** The outcome of a delivery no `@EventPattern` matches (logged as an error). Default `'term'`. */
  onUnhandled?: Outcome;
  /** The outcome of a delivery `decode` throws for (logged as an error): a poison message. Default `'term'`. */
  onUndecodable?: Outcome;
}

/** What a subclass hands the base class to run one consuming session. */
export interface LanesRun<S> {
  readonly signal: AbortSignal;
  readonly onStatus: (status: S) => void;
}

/** A settlement of either adapter, as far as the base class reads it. */
interface AnySettlement {
  readonly outcome: Outcome;
}

const COMMON_OPTIONS = ['name', 'transportId', 'restart', 'drainTimeout', 'decode', 'onUnhandled', 'onUndecodable'] as const;

/** Splits a server's options into the common ones (checked) and the rest (for the adapter). */
export function splitOptions<D>(
  owner: string,
  options: object,
  own: readonly string[],
): { common: Required<Omit<LanesServerCommonOptions<D>, 'transportId' | 'restart'>> & { transportId?: symbol; restart: RestartPolicy | false }; rest: Record<string, unknown> } {
  if (typeof options !== 'object' || options === null) throw new TypeError(`${owner}: options must be an object, got ${describe(options)}`);
  const source = options as Record<string, unknown>;
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(source)) {
    if (!(COMMON_OPTIONS as readonly string[]).includes(name) && !own.includes(name)) rest[name] = value;
  }
  const { name = 'lanes', transportId, restart, drainTimeout = Infinity, decode, onUnhandled = 'term', onUndecodable = 'term' } = source as LanesServerCommonOptions<D>;
  if (typeof name !== 'string' || name === '') throw new TypeError(`${owner}: name must be a non-empty string, got ${describe(name)}`);
  if (transportId !== undefined && typeof transportId !== 'symbol') throw new TypeError(`${owner}: transportId must be a symbol, got ${describe(transportId)}`);
  if (typeof drainTimeout !== 'number' || !(drainTimeout > 0)) {
    throw new RangeError(`${owner}: drainTimeout must be a number > 0 (ms) or Infinity, got ${describe(drainTimeout)}`);
  }
  if (decode !== undefined && typeof decode !== 'function') throw new TypeError(`${owner}: decode must be a function, got ${describe(decode)}`);
  return {
    common: {
      name,
      transportId,
      restart: readRestart(owner, restart),
      drainTimeout,
      decode: decode as (delivery: D) => unknown,
      onUnhandled: checkOutcome(owner, 'onUnhandled', onUnhandled),
      onUndecodable: checkOutcome(owner, 'onUndecodable', onUndecodable),
    },
    rest,
  };
}

/**
 * The base of the lanes transports: a Nest `Server` (a `CustomTransportStrategy`) whose `@EventPattern`
 * handlers are called from an rxjs-lanes broker adapter, one delivery at a time per key.
 *
 * @remarks
 * - **Dispatch.** Each delivery goes to every `@EventPattern` handler whose pattern matches its route
 *   (the subject or topic), with its decoded payload and a transport context. The delivery is settled
 *   when every handler finished (a returned Promise resolved, a returned Observable completed): with the
 *   outcome they returned (nothing = `'ack'`; see `combineResults`), or, when one threw or errored, by
 *   the adapter's failure policy — with the error Nest's exception filters produced (by default
 *   `{ status: 'error', message }`; the original error is logged by Nest).
 * - **Bounds and order** are the adapter's: `parallelism` deliveries at once, `perKey` per key, a key's
 *   deliveries started in delivery order, settled only after their handlers finished.
 * - **Start.** `listen()` calls back at once (so the HTTP server of a hybrid app comes up and can answer
 *   "not ready") and consumes in the background: the consumer factory is awaited (`'connecting'`), then
 *   the adapter runs. A failed factory call is retried with the restart delays.
 * - **Failure.** A run that fails is logged and, unless `restart: false`, replaced by a new one after the
 *   restart delay (`'restarting'`): the process survives a broker restart; the adapter leaves what was
 *   not settled to the broker's redelivery (at-least-once).
 * - **Drain.** `beforeApplicationShutdown` (Nest calls it while the HTTP server and the connections are
 *   still open) and `close()` abort the stop signal: no new deliveries, running handlers finish and are
 *   settled, then the run completes (`'drained'`). Both resolve when the drain ended; calling them again
 *   waits for the same drain.
 * - **Request-response** (`@MessagePattern`) has no reply path on a broker consumer: `listen()` fails.
 * @public
 */
export abstract class LanesServer<D = unknown, S extends string = string>
  extends Server<Record<string, Function>, LanesStatus>
  implements CustomTransportStrategy, BeforeApplicationShutdown
{
  /** Errors of event handlers reach this server (it applies the failure policy); Nest does not log them a second time. */
  override readonly propagatesEventHandlerErrors = true;
  /** Names the server in logs and health reports. */
  readonly name: string;
  protected override readonly logger: Logger;
  protected readonly owner: string;
  protected readonly decodeDelivery: (delivery: D) => unknown;
  private readonly restartPolicy: RestartPolicy | false;
  private readonly drainTimeout: number;
  private readonly onUnhandled: Outcome;
  private readonly onUndecodable: Outcome;
  private readonly stopController = new AbortController();
  private running: Promise<void> | undefined;
  private draining: Promise<void> | undefined;
  private subscription: Subscription | undefined;
  private endRun: ((error: unknown) => void) | undefined;
  private current: LanesStatus = 'idle';
  private readonly counts = { ack: 0, nak: 0, term: 0 };
  private unhandled = 0;
  private undecodable = 0;
  private restarts = 0;
  private cutShort = false;

  protected constructor(owner: string, common: ReturnType<typeof splitOptions<D>>['common'], defaultTransportId: symbol, defaultDecode: (delivery: D) => unknown) {
    super();
    this.owner = owner;
    this.name = common.name;
    this.transportId = common.transportId ?? defaultTransportId;
    this.restartPolicy = common.restart;
    this.drainTimeout = common.drainTimeout;
    this.decodeDelivery = common.decode ?? defaultDecode;
    this.onUnhandled = common.onUnhandled;
    this.onUndecodable = common.onUndecodable;
    this.logger = new Logger(common.name === 'lanes' ? owner : `${owner}:${common.name}`);
    this._status$.next('idle');
  }

  /** The current status (see {@link LanesStatus}). */
  get currentStatus(): LanesStatus {
    return this.current;
  }

  /** `true` while the adapter reports `'consuming'`: the readiness signal. */
  get ready(): boolean {
    return this.current === 'consuming';
  }

  stats(): LanesServerStats {
    return {
      status: this.current,
      settled: { ...this.counts },
      unhandled: this.unhandled,
      undecodable: this.undecodable,
      restarts: this.restarts,
    };
  }

  // --- CustomTransportStrategy ---

  listen(callback: (...optionalParams: unknown[]) => unknown): void {
    for (const [pattern, handler] of this.messageHandlers) {
      if (!handler.isEventHandler) {
        callback(new TypeError(`${this.owner}: @MessagePattern(${JSON.stringify(pattern)}) needs a reply, which a broker consumer has no way to send: use @EventPattern`));
        return;
      }
    }
    try {
      this.compileRoutes([...this.messageHandlers.keys()]);
    } catch (error) {
      callback(error);
      return;
    }
    if (this.running === undefined && !this.stopController.signal.aborted) {
      this.running = this.run().catch((error: unknown) => {
        // run() handles its own failures; this is a bug guard, never a crash
        this.logger.error(`unexpected failure: ${errorText(error)}`);
        this.setStatus('failed');
      });
    }
    callback();
  }

  /** Drains (see the class remarks); resolves when the run ended. */
  close(): Promise<void> {
    return this.drain();
  }

  /** Nest calls it before it closes the HTTP server and the connections: drains there. */
  beforeApplicationShutdown(): Promise<void> {
    return this.drain();
  }

  /** Starts the drain once; every call resolves when it ended. */
  drain(): Promise<void> {
    if (this.draining !== undefined) return this.draining;
    const running = this.running;
    if (running !== undefined) this.logger.log('draining');
    this.stopController.abort();
    if (running === undefined) {
      this.draining = Promise.resolve();
      return this.draining;
    }
    this.draining = this.withDrainTimeout(running).then(() => this.logger.log(`${this.current}: settled ${JSON.stringify(this.counts)}`));
    return this.draining;
  }

  /** Not supported: the status is the `status` Observable. */
  on(event: string): never {
    throw new Error(`${this.owner}: on(${JSON.stringify(event)}) is not supported; subscribe to status`);
  }

  /** The consumer of the current run (`undefined` while connecting). */
  unwrap<T>(): T {
    return this.consumer as T;
  }

  // --- for subclasses ---

  /** The consumer of the current run. */
  protected consumer: unknown;

  /** Checks and compiles the handlers' patterns (throws on a pattern the transport cannot match). */
  protected abstract compileRoutes(patterns: readonly string[]): void;

  /** The handlers whose pattern matches `route`. */
  protected abstract handlersFor(route: string): MessageHandler[];

  /** Gets the consumer for a run (the factory, or the consumer given). */
  protected abstract connect(signal: AbortSignal): Promise<unknown>;

  /** Creates the adapter's Observable for one run (throws synchronously on options the adapter rejects). */
  protected abstract consume(consumer: unknown, run: LanesRun<S>): Observable<AnySettlement>;

  /** Describes a delivery in a log line (where it came from). */
  protected abstract describeDelivery(delivery: D): string;

  /**
   * The adapter's handler: routes, decodes and calls the `@EventPattern` handlers; resolves to the
   * outcome, rejects when a handler failed (the adapter then applies the failure policy).
   */
  protected async dispatch(delivery: D, route: string, context: BaseRpcContext): Promise<Outcome> {
    const handlers = this.handlersFor(route);
    if (handlers.length === 0) {
      this.unhandled++;
      this.logger.error(`no @EventPattern matches ${JSON.stringify(route)} (${this.describeDelivery(delivery)}): settled with ${formatOutcome(this.onUnhandled)} (onUnhandled)`);
      return this.onUnhandled;
    }
    let data: unknown;
    try {
      data = this.decodeDelivery(delivery);
    } catch (error) {
      this.undecodable++;
      this.logger.error(`undecodable payload (${this.describeDelivery(delivery)}): ${errorText(error)}: settled with ${formatOutcome(this.onUndecodable)} (onUndecodable)`);
      return this.onUndecodable;
    }
    const results = await Promise.allSettled(handlers.map((handler) => this.invoke(handler, data, context)));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed !== undefined) throw failed.reason;
    return combineResults(this.owner, results.map((r) => (r as PromiseFulfilledResult<unknown>).value));
  }

  // --- the run loop ---

  private async run(): Promise<void> {
    const signal = this.stopController.signal;
    let attempt = 0;
    let lastReason: string | undefined;
    while (!signal.aborted) {
      this.setStatus('connecting');
      let consumer: unknown;
      try {
        consumer = await unlessAborted(this.connect(signal), signal);
      } catch (error) {
        // Expected while the broker or the consumer is not there yet: one line per new reason, no stack.
        attempt++;
        const reason = error instanceof Error ? `${error.name}: ${error.message}` : describe(error);
        if (!(await this.afterFailure(`the consumer could not be had: ${reason}`, attempt, reason === lastReason ? 'quiet' : 'warn'))) return;
        lastReason = reason;
        continue;
      }
      lastReason = undefined;
      if (signal.aborted) break;
      let consumingSince: number | undefined;
      let source: Observable<AnySettlement>;
      try {
        this.consumer = consumer;
        source = this.consume(consumer, {
          signal,
          onStatus: (status) => {
            if (status === 'consuming') consumingSince ??= Date.now();
            this.setStatus(status as LanesStatus);
          },
        });
      } catch (error) {
        // The adapter rejected its options or the consumer: a new run would be rejected the same way.
        this.logger.error(`the adapter rejected the consumer or its options (no restart): ${errorText(error)}`);
        this.setStatus('failed');
        return;
      }
      const error = await this.consumeOnce(source);
      this.consumer = undefined;
      if (error === undefined) {
        if (signal.aborted) break;
        // Completed without a drain (e.g. the Kafka consumer was stopped from outside): run again.
        attempt++;
        if (!(await this.afterFailure('the consumer stopped without a drain', attempt))) return;
        continue;
      }
      const policy = this.restartPolicy;
      if (policy !== false && consumingSince !== undefined && Date.now() - consumingSince >= policy.maxDelay) attempt = 0;
      attempt++;
      if (!(await this.afterFailure(`consuming failed: ${errorText(error)}`, attempt))) return;
    }
    if (this.current !== 'drained' && this.current !== 'stopped') this.setStatus('drained');
  }

  /** Subscribes to one run; resolves with its error, or `undefined` when it completed. */
  private consumeOnce(source: Observable<AnySettlement>): Promise<unknown> {
    return new Promise<unknown>((resolve) => {
      this.endRun = resolve;
      this.subscription = source.subscribe({
        next: (settlement) => this.count(settlement.outcome),
        error: (error: unknown) => resolve(error ?? new Error('the adapter failed with no error')),
        complete: () => resolve(undefined),
      });
    }).finally(() => {
      this.subscription = undefined;
      this.endRun = undefined;
    });
  }

  /** Logs a failure and waits for the restart; `false` when no restart follows. */
  private async afterFailure(what: string, attempt: number, level: 'error' | 'warn' | 'quiet' = 'error'): Promise<boolean> {
    const signal = this.stopController.signal;
    if (signal.aborted) {
      this.logger.warn(`${what} (while draining)`);
      return false;
    }
    const policy = this.restartPolicy;
    if (policy === false) {
      this.logger.error(`${what} (restart: false)`);
      this.setStatus('failed');
      return false;
    }
    const delay = restartDelay(policy, attempt);
    if (level === 'error') this.logger.error(`${what}; restarting in ${delay} ms`);
    else if (level === 'warn') this.logger.warn(`${what}; retrying (again every ${delay} ms at most ${policy.maxDelay} ms)`);
    this.setStatus('restarting');
    await pause(delay, signal);
    if (signal.aborted) return false;
    this.restarts++;
    return true;
  }

  private async withDrainTimeout(running: Promise<void>): Promise<void> {
    if (this.drainTimeout === Infinity) return running;
    let timer: NodeJS.Timeout | undefined;
    const timedOut = new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), this.drainTimeout)));
    const result = await Promise.race([running, timedOut]);
    clearTimeout(timer);
    if (result === 'timeout') {
      this.logger.warn(`the drain took longer than drainTimeout (${this.drainTimeout} ms): unsubscribing; unsettled deliveries go back to the broker`);
      this.setStatus('stopped');
      this.cutShort = true;
      this.subscription?.unsubscribe();
      this.endRun?.(undefined); // an unsubscribed run neither completes nor errors
      await running;
    }
  }

  private count(outcome: Outcome): void {
    this.counts[typeof outcome === 'object' ? 'nak' : outcome]++;
  }

  private setStatus(status: LanesStatus): void {
    if (this.current === status) return;
    // After a cut-short drain, keep the server's own verdict over what the adapter reports next.
    if (this.cutShort && status !== 'stopped') return;
    this.current = status;
    this.logger.log(`status: ${status}`);
    this._status$.next(status);
  }

  /** Calls one Nest handler (guards, pipes, interceptors, filters included) and waits for its result. */
  private invoke(handler: MessageHandler, data: unknown, context: BaseRpcContext): Promise<unknown> {
    return new Promise<unknown>((resolve, reject) => {
      const started = this.runWithProcessingHooks(context, async (end) => {
        try {
          const result: unknown = await handler(data, context);
          resolve(await lastValueFrom(this.transformToObservable(result), { defaultValue: undefined }));
        } catch (error) {
          reject(error);
        } finally {
          end();
        }
      });
      Promise.resolve(started).catch(reject);
    });
  }
}

/**
 * A lanes server of either transport (what the module, the registry and the health indicator hold).
 * @public
 */
export type AnyLanesServer = LanesServer<any, any>;

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.stack ?? `${error.name}: ${error.message}`;
  return describe(error);
}
