import { asyncScheduler, isObservable, Observable, type Subscription } from 'rxjs';
import { Valve } from '../flow/Valve.js';
import { checkParallelismAndPerKey } from '../broker/checkPerKey.js';
import { isPromiseLike } from '../internal/isPromiseLike.js';
import { applyFailurePolicy, checkFailurePolicy, outcomeProblem, type Outcome } from '../broker/Outcome.js';
import {
  checkedLimit,
  checkFunction,
  checkKnownOptions,
  checkOptions,
  checkPositiveInteger,
  describeValue,
  type KnownOptions,
} from '../internal/validate.js';
import { mapAsyncPartitionedUnordered } from '../mapAsyncPartitionedUnordered.js';
import { fromJetStream, type FromJetStreamOptions, type JetStreamConsumerStatus, type JetStreamPullConsumer } from './fromJetStream.js';
import type { JetStreamDelivery } from './JetStreamDelivery.js';
import { deadLetterHeaders, readRetry, retryAfterPublishFailure, retryDecision, type RetryOptions, type RetryPolicy } from './retry.js';
import { ACK_LAG, CHECK_INFO } from './fromJetStream.js';
import { AckLag } from '../internal/monitor/AckLag.js';
import { readMonitor, ScopedHub } from '../internal/monitor/MonitorHub.js';
import type { JetStreamConsumerInfo } from './types.js';

/**
 * What a {@link consumeJetStream} handler receives besides the delivery.
 * @public
 */
export interface JetStreamHandlerContext<K> {
  /** The delivery's key (its lane). */
  readonly key: K;
  /** Aborted when the pipeline is torn down before the handler finished (unsubscribe, or a failure elsewhere). */
  readonly signal: AbortSignal;
}

/**
 * Handles one delivery. Returns (or resolves to, or emits last) the outcome to settle it with;
 * `undefined` means `'ack'`. A handler that settles the delivery itself is left alone. Throwing,
 * rejecting or erroring applies the failure policy (`onError`).
 * @public
 */
export type JetStreamHandler<K> = (
  delivery: JetStreamDelivery,
  context: JetStreamHandlerContext<K>,
) => Outcome | void | PromiseLike<Outcome | void> | Observable<Outcome | void>;

/**
 * What happens to a delivery whose handler failed: an outcome to settle it with, `'fail'` (nak it for
 * immediate redelivery and fail the output with the handler's error), or a function choosing one of
 * these per error.
 * @public
 */
export type JetStreamFailurePolicy = Outcome | 'fail' | ((error: unknown, delivery: JetStreamDelivery) => Outcome | 'fail');

/**
 * One settled delivery, as emitted by {@link consumeJetStream} and {@link settleBatchResults}.
 * @public
 */
export interface JetStreamSettlement<K> {
  /** The settled delivery (its message: `subject`, `data`, `info`…). */
  readonly delivery: JetStreamDelivery;
  /** The delivery's key (its lane). */
  readonly key: K;
  /** The outcome the delivery was settled with. */
  readonly outcome: Outcome;
  /** The handler's error when the outcome came from the failure policy; otherwise `undefined`. */
  readonly error: unknown;
}

/**
 * Options of {@link consumeJetStream}: those of {@link fromJetStream} except the `valve` (made
 * internally), with `window` optional, plus the handler and its bounds.
 * @public
 */
export interface ConsumeJetStreamOptions<K> extends Omit<FromJetStreamOptions, 'window' | 'valve'> {
  /** Most deliveries being handled or waiting for their key at once. An integer ≥ 1. */
  parallelism: number;
  /**
   * Most deliveries of one key handled at once. Default 1 (strict per-key order). An integer ≥ 1, \< `parallelism` unless both are 1;
   * or a function of the key, asked when a key without work gets a delivery (a result that is not an integer ≥ 1 errors the output).
   */
  perKey?: number | ((key: K) => number);
  /** The key of a delivery (compared with `Map` key equality). Default: its subject. */
  key?: (delivery: JetStreamDelivery) => K;
  /** Handles one delivery; see {@link JetStreamHandler}. */
  handler: JetStreamHandler<K>;
  /** The failure policy. Default `{ nak: 1000 }`: redeliver after one second. Not with `retry`. */
  onError?: JetStreamFailurePolicy;
  /**
   * Retries with a backoff schedule, then dead letters — instead of `onError`: a failing message is nak'd
   * with `backoff[deliveryCount - 1]` (the last delay repeats) until its delivery `maxAttempts`, where it
   * is published to `deadLetter` (if set) and then terminated. See {@link RetryOptions}.
   */
  retry?: RetryOptions;
  /**
   * Keep the server from redelivering a slow delivery while its handler runs: `true` sends `working()`
   * every half `ack_wait`, a number every that many ms. Default `false`.
   */
  keepAlive?: boolean | number;
  /**
   * Most deliveries unsettled at once (fetched and not yet settled, plus asked for and not yet received),
   * capped by the consumer's `max_ack_pending`. At least `parallelism`; default `2 × parallelism`: the
   * deliveries beyond `parallelism` wait in memory, so that the next messages are already there when a
   * handler finishes (the fetch round trip is hidden). `parallelism` itself fetches only for free handler
   * slots.
   */
  window?: number;
}

const OPERATOR = 'consumeJetStream';
const OWN_OPTIONS = ['parallelism', 'perKey', 'key', 'handler', 'onError', 'retry', 'keepAlive', 'window', 'monitor'];
const CONSUME_JETSTREAM_OPTIONS = {
  parallelism: true,
  perKey: true,
  key: true,
  handler: true,
  onError: true,
  keepAlive: true,
  window: true,
  stop: true,
  onStatus: true,
  onDiagnostic: true,
  awaitPending: true,
  expires: true,
  minPull: true,
  maxPull: true,
  scheduler: true,
  group: true,
  retry: true,
  monitor: true,
} as const satisfies Record<keyof ConsumeJetStreamOptions<unknown>, true> & KnownOptions;

function explainValve(name: string): string | undefined {
  return name === 'valve' ? 'consumeJetStream makes its valve internally, one per subscription' : undefined;
}
const DEFAULT_FAILURE: Outcome = { nak: 1000 };

const subjectKey = (delivery: JetStreamDelivery): string => delivery.subject;

/**
 * Consumes a durable JetStream pull consumer with a handler per message: in parallel across keys, in
 * order within a key, each message settled from the handler's result or error, with graceful drain.
 *
 * ```text
 * server:   a1 a2 b1 b2 ...        (letter = key, parallelism 4, perKey 1)
 * handler:  a1 and b1 run; a2 starts when a1 settled; b2 when b1 settled
 * output:   settlement of each message as it settles
 * ```
 *
 * @remarks
 * `fromJetStream` piped into `mapAsyncPartitionedUnordered` with a shared `Valve`, and the settling
 * done for you:
 * - **Order and bounds.** At most `window` deliveries (default `2 × parallelism`, capped by the
 *   consumer's `max_ack_pending`) are unsettled at once, counting those asked for and not yet received:
 *   the consumer is fetched only for free slots. Of these, at most `parallelism` are in the handler stage
 *   (waiting for their key or being handled) and the rest wait in delivery order; at most `perKey` per
 *   key are handled at once; a key's deliveries start in delivery order.
 * - **Settling.** A message is settled only after its handler finished: with the outcome the handler
 *   returned (`undefined` = `'ack'`), or, if the handler throws, rejects or returns something that is
 *   not an outcome, by `onError` (default `{ nak: 1000 }`). A handler that settles the delivery itself
 *   is left alone. Each settled delivery is emitted as a {@link JetStreamSettlement}.
 * - **Order after a failure.** A nak'd or terminated message gives up its place in its key's order:
 *   the next message of the key starts at once and the nak'd one comes back later. Retry inside the
 *   handler when the order must hold.
 * - **`onError: 'fail'`** naks the message (immediate redelivery) and errors the output; the other
 *   running handlers are aborted (`context.signal`) and their messages left unsettled for redelivery
 *   after `ack_wait` — nothing is acked that was not processed.
 * - **Drain.** On `stop`: no new fetches, running handlers finish and settle, then the output
 *   completes; the status becomes `'drained'`.
 * - **Teardown.** Unsubscribing aborts running handlers (`context.signal`); their messages are not
 *   settled and come back after `ack_wait`.
 *
 * @example
 * ```ts
 * const stop = new AbortController();
 * process.once('SIGTERM', () => stop.abort());
 * consumeJetStream(await js.consumers.get('ORDERS', 'billing'), {
 *   parallelism: 32,
 *   key: (d) => d.subject,              // e.g. orders.<customer>
 *   handler: async (d, { signal }) => { await bill(d.json(), { signal }); },   // ack on success
 *   onError: { nak: 5_000 },
 *   stop: stop.signal,
 *   onStatus: (s) => health.set(s === 'consuming'),
 * }).subscribe({ complete: () => nc.drain() });
 * ```
 * @param consumer - a durable pull consumer with `ack_policy: explicit`.
 * @param options - `parallelism`, `handler`, and optionally `perKey`, `key`, `onError`, `keepAlive`,
 *   `window` and the {@link FromJetStreamOptions} (`stop`, `onStatus`, …); validated when called.
 * @returns an Observable of one {@link JetStreamSettlement} per settled message; it completes after a drain.
 * @public
 */
export function consumeJetStream<K = string>(
  consumer: JetStreamPullConsumer,
  options: ConsumeJetStreamOptions<K>,
): Observable<JetStreamSettlement<K>> {
  checkOptions(OPERATOR, options);
  checkKnownOptions(OPERATOR, options, CONSUME_JETSTREAM_OPTIONS, explainValve);
  const {
    parallelism,
    perKey = 1,
    key = subjectKey as unknown as (delivery: JetStreamDelivery) => K,
    handler,
    onError = DEFAULT_FAILURE,
    retry,
    keepAlive = false,
    window = 2 * parallelism,
  } = options;
  checkParallelismAndPerKey(OPERATOR, parallelism, perKey);
  checkFunction(OPERATOR, 'key', key);
  checkFunction(OPERATOR, 'handler', handler);
  checkFailurePolicy(OPERATOR, onError);
  if (retry !== undefined && options.onError !== undefined) {
    throw new TypeError(`${OPERATOR}: pass either onError or retry, not both (retry is the failure policy)`);
  }
  const retryPolicy = retry === undefined ? undefined : readRetry(OPERATOR, retry);
  if (typeof keepAlive !== 'boolean' && !(typeof keepAlive === 'number' && keepAlive > 0 && keepAlive !== Infinity)) {
    throw new TypeError(`${OPERATOR}: keepAlive must be a boolean or a finite number of ms > 0, got ${describeValue(keepAlive)}`);
  }
  checkPositiveInteger(OPERATOR, 'window', window);
  if (window < parallelism) {
    throw new RangeError(`${OPERATOR}: window (${window}) must be at least parallelism (${parallelism})`);
  }
  const sourceOptions: Partial<FromJetStreamOptions> = {};
  for (const [name, value] of Object.entries(options)) {
    if (!OWN_OPTIONS.includes(name)) (sourceOptions as Record<string, unknown>)[name] = value;
  }
  const keepAliveMs = typeof keepAlive === 'number' ? keepAlive : undefined;
  if (retryPolicy !== undefined) {
    // Checked when the subscription starts: the server must not drop a message before its last delivery.
    (sourceOptions as Record<symbol, unknown>)[CHECK_INFO] = (info: JetStreamConsumerInfo) => maxDeliverProblem(info, retryPolicy);
  }
  const failure: Failure = retryPolicy ?? onError;
  // The source options are checked now, at the call site (the valve is made per subscription).
  fromJetStream(consumer, { ...sourceOptions, window, valve: new Valve() });

  const { onStatus } = options;
  const monitor = readMonitor(OPERATOR, options.monitor);

  return new Observable<JetStreamSettlement<K>>((subscriber) => {
    const valve = new Valve();
    // The source sees the output's failure as an unsubscribe; report it as what it is.
    let failed = false;
    const reportStatus = onStatus && ((status: JetStreamConsumerStatus) => onStatus(status === 'stopped' && failed ? 'failed' : status));
    // Monitored: one run named consumeJetStream, the operator's counts plus the ack lag of the deliveries.
    const ackLag = monitor === undefined ? undefined : new AckLag<JetStreamDelivery>(() => (options.scheduler ?? asyncScheduler).now());
    const scoped =
      ackLag &&
      new ScopedHub(
        monitor!,
        OPERATOR,
        () => ackLag.state(),
        (probe) => (ackLag.probe = probe),
      );
    const source = fromJetStream(consumer, {
      ...sourceOptions,
      window,
      valve,
      onStatus: reportStatus,
      ...(ackLag && { [ACK_LAG]: ackLag }),
    });
    return source
      .pipe(
        mapAsyncPartitionedUnordered({
          parallelism,
          // A function's results are checked here too, so that an error names this operator.
          perKey: typeof perKey === 'function' ? (k: K) => checkedLimit(OPERATOR, k, perKey(k)) : perKey,
          key,
          valve,
          monitor: scoped,
          project: (delivery: JetStreamDelivery, k: K, context) =>
            handle(delivery, k, context, handler, failure, keepAlive === false ? null : keepAliveMs),
        }),
      )
      .subscribe({
        next: (settlement) => subscriber.next(settlement),
        error: (error: unknown) => {
          failed = true;
          subscriber.error(error);
        },
        complete: () => subscriber.complete(),
      });
  });
}

/** The failure policy in force: `onError`, or the checked `retry`. */
type Failure = JetStreamFailurePolicy | RetryPolicy;

const isRetry = (failure: Failure): failure is RetryPolicy => typeof failure === 'object' && 'maxAttempts' in failure;

function maxDeliverProblem(info: JetStreamConsumerInfo, retry: RetryPolicy): string | undefined {
  const maxDeliver = info.config.max_deliver ?? -1;
  if (maxDeliver > 0 && maxDeliver < retry.maxAttempts) {
    return (
      `${OPERATOR}: retry.maxAttempts (${retry.maxAttempts}) must be at most the consumer's max_deliver (${maxDeliver}), ` +
      `or the server stops delivering a failing message before it is dead-lettered`
    );
  }
  return undefined;
}

/** The handler's context; its `signal` is made only when read (an AbortController per message costs). */
class HandlerContext<K> implements JetStreamHandlerContext<K> {
  constructor(
    readonly key: K,
    private readonly source: { readonly signal: AbortSignal },
  ) {}
  get signal(): AbortSignal {
    return this.source.signal;
  }
}

/** Runs the handler for one delivery and settles it; emits one settlement, or errors with policy `'fail'`. */
function handle<K>(
  delivery: JetStreamDelivery,
  key: K,
  work: { readonly signal: AbortSignal },
  handler: JetStreamHandler<K>,
  onError: Failure,
  keepAliveMs: number | undefined | null,
): Observable<JetStreamSettlement<K>> {
  return new Observable<JetStreamSettlement<K>>((subscriber) => {
    const stopKeepAlive = keepAliveMs === null ? undefined : delivery.keepAlive({ interval: keepAliveMs, signal: work.signal });
    let inner: Subscription | undefined;

    const emit = (error: unknown): void => {
      subscriber.next({ delivery, key, outcome: delivery.outcome!, error });
      subscriber.complete();
    };

    const fail = (error: unknown): void => {
      if (subscriber.closed) return; // torn down: the message is left to redelivery
      stopKeepAlive?.();
      if (isRetry(onError)) {
        retryOrGiveUp(error, onError);
        return;
      }
      try {
        const policy = applyFailurePolicy(OPERATOR, onError, error, delivery);
        if (policy === 'fail') {
          if (!delivery.settled) delivery.nak();
          subscriber.error(error);
          return;
        }
        if (!delivery.settled) delivery.settle(policy);
      } catch (policyError) {
        subscriber.error(policyError);
        return;
      }
      emit(error);
    };

    const retryOrGiveUp = (error: unknown, retry: RetryPolicy): void => {
      if (delivery.settled) {
        emit(error);
        return;
      }
      const decision = retryDecision(retry, delivery.info.deliveryCount);
      const { deadLetter } = retry;
      if (decision !== 'give-up' || deadLetter === undefined) {
        try {
          delivery.settle(decision === 'give-up' ? 'term' : decision);
        } catch (settleError) {
          subscriber.error(settleError);
          return;
        }
        emit(error);
        return;
      }
      // Dead letter first, then term: nothing is terminated before its dead letter is stored.
      let published: PromiseLike<unknown>;
      try {
        const subject = typeof deadLetter.subject === 'function' ? deadLetter.subject(delivery) : deadLetter.subject;
        if (typeof subject !== 'string' || subject === '') {
          throw new TypeError(`${OPERATOR}: retry.deadLetter.subject returned ${describeValue(subject)}, not a subject`);
        }
        published = deadLetter.publish(subject, delivery.data, deadLetterHeaders(delivery, error));
      } catch (publishError) {
        published = Promise.reject(publishError);
      }
      Promise.resolve(published).then(
        () => {
          if (subscriber.closed) return; // torn down meanwhile: redelivered, and dead-lettered again
          if (!delivery.settled) delivery.term();
          emit(error);
        },
        (publishError: unknown) => {
          if (subscriber.closed) return;
          if (!delivery.settled) delivery.nak(retryAfterPublishFailure(retry));
          emit(
            new Error(`${OPERATOR}: the dead letter could not be published (nak'd to try again): ${String(publishError)}`, {
              cause: error,
            }),
          );
        },
      );
    };

    const finish = (value: unknown): void => {
      if (subscriber.closed) return;
      if (value !== undefined) {
        const problem = outcomeProblem(value);
        if (problem !== null) {
          fail(new TypeError(`${OPERATOR}: the handler's result is not an outcome: ${problem}`));
          return;
        }
      }
      stopKeepAlive?.();
      try {
        if (!delivery.settled) delivery.settle((value as Outcome | undefined) ?? 'ack');
      } catch (error) {
        subscriber.error(error);
        return;
      }
      emit(undefined);
    };

    let result: ReturnType<JetStreamHandler<K>>;
    try {
      result = handler(delivery, new HandlerContext(key, work));
    } catch (error) {
      fail(error);
      return undefined;
    }
    if (isObservable(result)) {
      let last: unknown;
      inner = result.subscribe({ next: (v) => (last = v), error: fail, complete: () => finish(last) });
    } else if (isPromiseLike(result)) {
      result.then(finish, fail);
    } else {
      finish(result);
    }
    return () => {
      inner?.unsubscribe();
      stopKeepAlive?.();
    };
  });
}
