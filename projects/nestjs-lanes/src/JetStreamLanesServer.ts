import type { MessageHandler } from '@nestjs/microservices';
import { BaseRpcContext } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import {
  consumeJetStream,
  type ConsumeJetStreamOptions,
  type JetStreamConsumerStatus,
  type JetStreamDelivery,
  type JetStreamHeaders,
  type JetStreamPullConsumer,
  type JetStreamSettlement,
} from 'rxjs-lanes/jetstream';
import { LanesServer, splitOptions, type LanesRun, type LanesServerCommonOptions } from './LanesServer.js';
import { describe } from './outcomes.js';
import { SubjectPattern, subjectPatternProblem } from './subjects.js';

/**
 * The default transport id of {@link JetStreamLanesServer}: `@EventPattern('orders.*', JETSTREAM_LANES)`
 * binds a handler to it only (when an application runs other transports too).
 * @public
 */
export const JETSTREAM_LANES: unique symbol = Symbol.for('@rxjs-lanes/nestjs:jetstream');

/**
 * What `@Ctx()` receives from {@link JetStreamLanesServer}.
 * @public
 */
export class JetStreamLanesContext<K = string> extends BaseRpcContext<[JetStreamDelivery, K, AbortSignal]> {
  /** The delivery: `subject`, `data`, `headers`, `info` (stream sequence, delivery count…), `working()`. Settle through the return value, not here. */
  getDelivery(): JetStreamDelivery {
    return this.args[0];
  }
  getSubject(): string {
    return this.args[0].subject;
  }
  getHeaders(): JetStreamHeaders | undefined {
    return this.args[0].headers;
  }
  /** The delivery's key (its lane). */
  getKey(): K {
    return this.args[1];
  }
  /** Aborted when the run is torn down before the handler finished (a failure elsewhere, a cut-short drain). */
  getSignal(): AbortSignal {
    return this.args[2];
  }
}

/**
 * Options of {@link JetStreamLanesServer}: the consumer, the common options and those of
 * `consumeJetStream` (`parallelism`, `perKey`, `key`, `onError` or `retry`, `keepAlive`, `window`,
 * `group`, `awaitPending`, `expires`, …) except `handler`, `stop` and `onStatus`, which the server owns.
 * @public
 */
export interface JetStreamLanesOptions<K = string>
  extends Omit<ConsumeJetStreamOptions<K>, 'handler' | 'stop' | 'onStatus'>, LanesServerCommonOptions<JetStreamDelivery> {
  /**
   * The durable pull consumer, or a function that gets it (`() => js.consumers.get(stream, name)`),
   * called at start and again for each restart; while it fails or has not resolved the status is
   * `'connecting'` (retried with the restart delays). `signal` aborts when the server drains.
   */
  consumer: JetStreamPullConsumer | ((signal: AbortSignal) => JetStreamPullConsumer | PromiseLike<JetStreamPullConsumer>);
}

const OWNER = 'JetStreamLanesServer';

/** A stand-in consumer for checking options at construction: never subscribed, so never called. */
const PROBE: JetStreamPullConsumer = {
  info: () => Promise.reject(new Error('probe')),
  fetch: () => Promise.reject(new Error('probe')),
  consume: () => Promise.reject(new Error('probe')),
};

function decodeJson(delivery: JetStreamDelivery): unknown {
  return delivery.data.length === 0 ? undefined : JSON.parse(delivery.string());
}

/**
 * A Nest transport strategy that consumes a JetStream durable pull consumer with rxjs-lanes'
 * `consumeJetStream` and calls the `@EventPattern` handlers whose pattern matches each message's subject
 * (NATS wildcards: `orders.*`, `orders.>`).
 *
 * ```ts
 * const app = await NestFactory.create(AppModule);
 * app.connectMicroservice({ strategy: new JetStreamLanesServer({
 *   consumer: () => jetstream(nc).consumers.get('ORDERS', 'orders-processor'),
 *   parallelism: 32,
 *   key: (d) => d.subject,             // orders.<orderId>: one lane per order (the default)
 * }) });
 * await app.startAllMicroservices();
 *
 * @Controller() class Orders {
 *   @EventPattern('orders.*') async apply(@Payload() event: OrderEvent, @Ctx() ctx: JetStreamLanesContext) {
 *     await this.ledger.apply(event, ctx.getSignal());   // resolves → ack; throws → onError
 *   }
 * }
 * ```
 *
 * @remarks
 * See {@link LanesServer} for dispatch, start, restart and drain. JetStream specifics:
 * - **Order and bounds**: `consumeJetStream`'s (`parallelism`, `perKey`, `window`); a message is acked,
 *   nak'd or terminated only after its handlers finished; a nak'd message gives up its place in its key's
 *   order (it comes back later).
 * - **Outcomes**: a handler may return `'ack'`, `'nak'`, `{ nak: delay }` or `'term'`; an error goes to
 *   `onError` (default `{ nak: 1000 }`) or `retry`.
 * - **Patterns** must be subjects or subject wildcards; a message matching no pattern is settled with
 *   `onUnhandled` (default `'term'`, logged as an error).
 * - **Options** are checked when the server is constructed (a `TypeError` / `RangeError` from
 *   `consumeJetStream` naming the option).
 * @public
 */
export class JetStreamLanesServer<K = string> extends LanesServer<JetStreamDelivery, JetStreamConsumerStatus> {
  private readonly consumerSource: JetStreamLanesOptions<K>['consumer'];
  private readonly adapterOptions: Omit<ConsumeJetStreamOptions<K>, 'handler' | 'stop' | 'onStatus'>;
  private routes: { pattern: SubjectPattern; handler: MessageHandler }[] = [];

  constructor(options: JetStreamLanesOptions<K>) {
    const { common, rest } = splitOptions<JetStreamDelivery>(OWNER, options, ['consumer']);
    super(OWNER, common, JETSTREAM_LANES, decodeJson);
    const { consumer } = options;
    const c = consumer as Partial<JetStreamPullConsumer> | null | undefined;
    if (typeof consumer !== 'function' && (typeof c !== 'object' || c === null || typeof c.fetch !== 'function' || typeof c.info !== 'function')) {
      throw new TypeError(`${OWNER}: consumer must be a JetStream pull consumer or a function returning one, got ${describe(consumer)}`);
    }
    for (const name of ['handler', 'stop', 'onStatus']) {
      if (name in rest) throw new TypeError(`${OWNER}: ${name} is the server's own (handlers are the @EventPattern methods; drain with close(); status is the status Observable)`);
    }
    this.consumerSource = consumer;
    this.adapterOptions = rest as unknown as typeof this.adapterOptions;
    // The adapter checks its options when called; its Observable is cold, so this probe reads nothing.
    consumeJetStream(typeof consumer === 'function' ? PROBE : consumer, { ...this.adapterOptions, handler: () => undefined });
  }

  protected compileRoutes(patterns: readonly string[]): void {
    this.routes = patterns.map((pattern) => {
      const problem = subjectPatternProblem(pattern);
      if (problem !== undefined) throw new TypeError(`${OWNER}: @EventPattern(${JSON.stringify(pattern)}) is not a NATS subject pattern: it ${problem}`);
      return { pattern: new SubjectPattern(pattern), handler: this.messageHandlers.get(pattern)! };
    });
  }

  protected handlersFor(subject: string): MessageHandler[] {
    return this.routes.filter((route) => route.pattern.matches(subject)).map((route) => route.handler);
  }

  protected async connect(signal: AbortSignal): Promise<unknown> {
    const source = this.consumerSource;
    return typeof source === 'function' ? await source(signal) : source;
  }

  protected consume(consumer: unknown, run: LanesRun<JetStreamConsumerStatus>): Observable<JetStreamSettlement<K>> {
    return consumeJetStream(consumer as JetStreamPullConsumer, {
      ...this.adapterOptions,
      stop: run.signal,
      onStatus: run.onStatus,
      handler: (delivery, { key, signal }) => this.dispatch(delivery, delivery.subject, new JetStreamLanesContext<K>([delivery, key, signal])),
    });
  }

  protected describeDelivery(delivery: JetStreamDelivery): string {
    const { info } = delivery;
    return `subject ${delivery.subject}, stream ${info.stream} sequence ${info.streamSequence}, delivery ${info.deliveryCount}`;
  }
}
