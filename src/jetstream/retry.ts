import { checkDuration, checkFunction, checkKnownOptions, checkPositiveInteger, describeValue } from '../internal/validate.js';
import type { JetStreamMessage } from './types.js';

/**
 * Where {@link RetryOptions.deadLetter} sends a message that failed `maxAttempts` times.
 * @public
 */
export interface DeadLetterOptions {
  /** The subject to publish to: a string, or a function of the failed message (e.g. `dlq.${d.subject}`). */
  subject: string | ((message: JetStreamMessage) => string);
  /**
   * Publishes one dead letter and resolves once it is stored — e.g. with `js.publish` of a stream that
   * captures the subject. `headers` are the message's own headers followed by the `Lanes-*` headers that
   * say where it came from and why it failed; apply them in order (`append`), e.g.
   * `(subject, data, hs) => { const h = headers(); for (const [k, v] of hs) h.append(k, v); return js.publish(subject, data, { headers: h }); }`.
   * A rejection leaves the message unsettled with a nak (the last backoff delay): it comes back and is
   * dead-lettered on a later delivery. Nothing is terminated before its dead letter is stored.
   */
  publish: (subject: string, data: Uint8Array, headers: ReadonlyArray<readonly [string, string]>) => PromiseLike<unknown>;
}

/**
 * The retry policy of {@link consumeJetStream} (option `retry`, instead of `onError`): nak a failing message
 * with growing delays, and give up after `maxAttempts` deliveries — dead-letter it, then terminate it.
 * @public
 */
export interface RetryOptions {
  /**
   * The nak delays in ms: the n-th failed delivery of a message (its delivery count n) is nak'd with
   * `backoff[n - 1]`; past the end, the last delay repeats. Non-empty; each a finite number ≥ 0.
   */
  backoff: readonly number[];
  /**
   * The delivery on which a failing message is given up on: when its handler fails on delivery
   * `maxAttempts` (or later), the message is dead-lettered (if `deadLetter` is set) and terminated
   * instead of nak'd. An integer ≥ 1. The consumer's own `max_deliver`, if set, must be larger, or the
   * server would drop the message first; the consumer checks it when it starts.
   */
  maxAttempts: number;
  /** Publish a given-up message here before terminating it. Default: terminate only (the server's `MSG_TERMINATED` advisory reports it). */
  deadLetter?: DeadLetterOptions;
}

/** A checked copy of {@link RetryOptions}. @internal */
export interface RetryPolicy {
  readonly backoff: readonly number[];
  readonly maxAttempts: number;
  readonly deadLetter: DeadLetterOptions | undefined;
}

const KNOWN = { backoff: true, maxAttempts: true, deadLetter: true } as const satisfies Record<keyof RetryOptions, true>;
const KNOWN_DEAD_LETTER = { subject: true, publish: true } as const satisfies Record<keyof DeadLetterOptions, true>;

/** Checks `retry` when the operator is created; throws a TypeError/RangeError naming `operator`. @internal */
export function readRetry(operator: string, retry: unknown): RetryPolicy {
  if (typeof retry !== 'object' || retry === null || Array.isArray(retry)) {
    throw new TypeError(`${operator}: retry must be an object ({ backoff, maxAttempts, deadLetter? }), got ${describeValue(retry)}`);
  }
  checkKnownOptions(`${operator}: retry`, retry, KNOWN);
  const { backoff, maxAttempts, deadLetter } = retry as Partial<RetryOptions>;
  if (!Array.isArray(backoff) || backoff.length === 0) {
    throw new TypeError(`${operator}: retry.backoff must be a non-empty array of delays in ms, got ${describeValue(backoff)}`);
  }
  backoff.forEach((delay, i) => checkDuration(operator, `retry.backoff[${i}]`, delay));
  checkPositiveInteger(operator, 'retry.maxAttempts', maxAttempts);
  if (deadLetter !== undefined) {
    if (typeof deadLetter !== 'object' || deadLetter === null) {
      throw new TypeError(`${operator}: retry.deadLetter must be an object ({ subject, publish }), got ${describeValue(deadLetter)}`);
    }
    checkKnownOptions(`${operator}: retry.deadLetter`, deadLetter, KNOWN_DEAD_LETTER);
    const { subject, publish } = deadLetter;
    if (typeof subject !== 'function' && !(typeof subject === 'string' && subject !== '')) {
      throw new TypeError(`${operator}: retry.deadLetter.subject must be a non-empty string or a function, got ${describeValue(subject)}`);
    }
    checkFunction(operator, 'retry.deadLetter.publish', publish);
  }
  return { backoff: [...backoff], maxAttempts: maxAttempts!, deadLetter: deadLetter && { ...deadLetter } };
}

/** What to do with a message whose handler failed on delivery `deliveryCount`. @internal */
export function retryDecision(policy: RetryPolicy, deliveryCount: number): { nak: number } | 'give-up' {
  if (deliveryCount >= policy.maxAttempts) return 'give-up';
  const { backoff } = policy;
  return { nak: backoff[Math.min(Math.max(deliveryCount, 1), backoff.length) - 1]! };
}

/** The nak delay after a dead letter could not be published: the longest wait of the schedule. @internal */
export function retryAfterPublishFailure(policy: RetryPolicy): number {
  return policy.backoff[policy.backoff.length - 1]!;
}

/** A readable message of anything thrown, for a header. */
function errorText(error: unknown): string {
  const text = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  // Header values are one line of printable text.
  return text.replace(/[\r\n]+/g, ' ').slice(0, 1024);
}

/**
 * The dead letter's headers: the message's own, then where it came from and why it failed.
 * @internal
 */
export function deadLetterHeaders(message: JetStreamMessage, error: unknown): [string, string][] {
  const headers: [string, string][] = [];
  const own = message.headers;
  if (own !== undefined) {
    for (const name of own.keys()) for (const value of own.values(name)) headers.push([name, value]);
  }
  const { info } = message;
  headers.push(
    ['Lanes-Subject', message.subject],
    ['Lanes-Stream', info.stream],
    ['Lanes-Consumer', info.consumer],
    ['Lanes-Stream-Sequence', String(info.streamSequence)],
    ['Lanes-Attempts', String(info.deliveryCount)],
    ['Lanes-Error', errorText(error)],
  );
  return headers;
}
