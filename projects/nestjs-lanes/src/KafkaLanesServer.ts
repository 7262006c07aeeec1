import type { MessageHandler } from '@nestjs/microservices';
import { BaseRpcContext } from '@nestjs/microservices';
import type { Observable } from 'rxjs';
import {
  consumeKafka,
  type ConsumeKafkaOptions,
  type KafkaConsumerLike,
  type KafkaConsumerStatus,
  type KafkaDelivery,
  type KafkaKey,
  type KafkaMessageLike,
  type KafkaSettlement,
} from 'rxjs-lanes/kafka';
import { LanesServer, splitOptions, type LanesRun, type LanesServerCommonOptions } from './LanesServer.js';
import { describe } from './outcomes.js';

/**
 * The default transport id of {@link KafkaLanesServer}: `@EventPattern('orders', KAFKA_LANES)` binds a
 * handler to it only.
 * @public
 */
export const KAFKA_LANES: unique symbol = Symbol.for('@rxjs-lanes/nestjs:kafka');

/**
 * What `@Ctx()` receives from {@link KafkaLanesServer}.
 * @public
 */
export class KafkaLanesContext<K extends KafkaKey = string | null> extends BaseRpcContext<[KafkaDelivery, K, AbortSignal]> {
  /** The delivery: `topic`, `partition`, `message`, `attempt`. */
  getDelivery(): KafkaDelivery {
    return this.args[0];
  }
  getTopic(): string {
    return this.args[0].topic;
  }
  getPartition(): number {
    return this.args[0].partition;
  }
  /** The client's message: `key`, `value`, `headers`, `offset`, `timestamp`. */
  getMessage(): KafkaMessageLike {
    return this.args[0].message;
  }
  /** 1 on the first delivery, 2 after one nak… (counted in memory per assignment). */
  getAttempt(): number {
    return this.args[0].attempt;
  }
  /** The delivery's key (its lane within the partition). */
  getKey(): K {
    return this.args[1];
  }
  /** Aborted when the outcome no longer counts: the partition was revoked, or the run was torn down. */
  getSignal(): AbortSignal {
    return this.args[2];
  }
}

/**
 * Options of {@link KafkaLanesServer}: the consumer, the common options and those of `consumeKafka`
 * (`parallelism`, `perKey`, `key`, `onError`, `deadLetter`, `maxAttempts`, `recordFinished`,
 * `readCommitted`, `onCommit`, `commitInterval`, …) except `handler`, `stop` and `onStatus`.
 * @public
 */
export interface KafkaLanesOptions<K extends KafkaKey = string | null>
  extends Omit<ConsumeKafkaOptions<K>, 'handler' | 'stop' | 'onStatus'>, LanesServerCommonOptions<KafkaDelivery> {
  /**
   * A kafkajs consumer (or a confluent KafkaJS-API consumer created with `kafkaJS: { autoCommit: false }`),
   * connected and subscribed to the topics of the `@EventPattern`s, not running — or a function that
   * returns one, called at start and again for each restart (the adapter stops the consumer when a run
   * ends; kafkajs's can run again). While it fails or has not resolved the status is `'connecting'`.
   */
  consumer: KafkaConsumerLike | ((signal: AbortSignal) => KafkaConsumerLike | PromiseLike<KafkaConsumerLike>);
}

const OWNER = 'KafkaLanesServer';
const reject = (): Promise<never> => Promise.reject(new Error('probe'));
/** Stand-in consumers for checking options at construction: never run. */
const KAFKAJS_PROBE = { run: reject, stop: reject, seek: () => undefined, commitOffsets: reject, on: () => () => undefined, events: {} };
const CONFLUENT_PROBE = { run: reject, seek: () => undefined, commitOffsets: reject, assignment: () => [], committed: reject, disconnect: reject };

function decodeJson(delivery: KafkaDelivery): unknown {
  const { value } = delivery.message;
  return value === null || value === undefined ? value : value.length === 0 ? undefined : JSON.parse(value.toString('utf8'));
}

/**
 * A Nest transport strategy that consumes Kafka topics with rxjs-lanes' `consumeKafka` and calls the
 * `@EventPattern(topic)` handlers of each message's topic.
 *
 * ```ts
 * const consumer = kafka.consumer({ groupId: 'billing' });
 * await consumer.connect();
 * await consumer.subscribe({ topics: ['orders'] });
 * app.connectMicroservice({ strategy: new KafkaLanesServer({ consumer, parallelism: 64 }) });
 *
 * @EventPattern('orders') bill(@Payload() order: Order, @Ctx() ctx: KafkaLanesContext) { ... }
 * ```
 *
 * @remarks
 * See {@link LanesServer} for dispatch, start, restart and drain. Kafka specifics:
 * - **Order and bounds**: `consumeKafka`'s — lanes per key within a partition (default key: the message
 *   key), `parallelism` messages held at once, the commit offset of a partition only past messages whose
 *   handlers finished (committed every `commitInterval`, on a rebalance and at the end of the drain).
 * - **Outcomes**: `'ack'`, `'nak'` / `{ nak: delay }` (seek back), `'term'` (to `deadLetter` if set);
 *   errors go to `onError` (default `{ nak: 1000 }`); `maxAttempts` bounds the naks.
 * - **Patterns** are topic names, matched exactly; a message of another topic is settled with
 *   `onUnhandled` (default `'term'`, logged as an error).
 * - **Payload**: the value parsed as JSON (`null` for a tombstone), or `decode`'s result.
 * @public
 */
export class KafkaLanesServer<K extends KafkaKey = string | null> extends LanesServer<KafkaDelivery, KafkaConsumerStatus> {
  private readonly consumerSource: KafkaLanesOptions<K>['consumer'];
  private readonly adapterOptions: Omit<ConsumeKafkaOptions<K>, 'handler' | 'stop' | 'onStatus'>;

  constructor(options: KafkaLanesOptions<K>) {
    const { common, rest } = splitOptions<KafkaDelivery>(OWNER, options, ['consumer']);
    super(OWNER, common, KAFKA_LANES, decodeJson);
    const { consumer } = options;
    if (typeof consumer !== 'function' && (typeof consumer !== 'object' || consumer === null)) {
      throw new TypeError(`${OWNER}: consumer must be a Kafka consumer or a function returning one, got ${describe(consumer)}`);
    }
    for (const name of ['handler', 'stop', 'onStatus']) {
      if (name in rest) throw new TypeError(`${OWNER}: ${name} is the server's own (handlers are the @EventPattern methods; drain with close(); status is the status Observable)`);
    }
    this.consumerSource = consumer;
    this.adapterOptions = rest as unknown as typeof this.adapterOptions;
    // The adapter checks its options (and a consumer given as is) when called; nothing runs before subscribe.
    const probe = typeof consumer !== 'function' ? consumer : rest.recordFinished === true && rest.readCommitted === undefined ? CONFLUENT_PROBE : KAFKAJS_PROBE;
    consumeKafka(probe as unknown as KafkaConsumerLike, { ...this.adapterOptions, handler: () => undefined });
  }

  protected compileRoutes(patterns: readonly string[]): void {
    for (const pattern of patterns) {
      if (pattern === '' || /[\s*>]/.test(pattern)) {
        throw new TypeError(`${OWNER}: @EventPattern(${JSON.stringify(pattern)}) is not a topic name (patterns are matched exactly)`);
      }
    }
  }

  protected handlersFor(topic: string): MessageHandler[] {
    const handler = this.messageHandlers.get(topic);
    return handler === undefined ? [] : [handler];
  }

  protected async connect(signal: AbortSignal): Promise<unknown> {
    const source = this.consumerSource;
    return typeof source === 'function' ? await source(signal) : source;
  }

  protected consume(consumer: unknown, run: LanesRun<KafkaConsumerStatus>): Observable<KafkaSettlement<K>> {
    return consumeKafka<K>(consumer as KafkaConsumerLike, {
      ...this.adapterOptions,
      stop: run.signal,
      onStatus: run.onStatus,
      handler: (delivery, { key, signal }) => this.dispatch(delivery, delivery.topic, new KafkaLanesContext<K>([delivery, key, signal])),
    });
  }

  protected describeDelivery(delivery: KafkaDelivery): string {
    return `topic ${delivery.topic}, partition ${delivery.partition}, offset ${delivery.message.offset}, attempt ${delivery.attempt}`;
  }
}
