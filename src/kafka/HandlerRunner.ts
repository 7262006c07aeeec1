import { from, isObservable, Observable, type ObservableInput, type Subscription } from 'rxjs';
import { isPromiseLike } from '../internal/isPromiseLike.js';
import { applyFailurePolicy, nakDelay, outcomeProblem, type Outcome } from '../broker/Outcome.js';
import { settlement, type InFlight } from './InFlight.js';
import { OPERATOR, type KafkaRunConfig } from './options.js';
import type { KafkaHandler, KafkaSettlement } from './types.js';

/** What the handler runner needs of the run it belongs to. */
export interface SettlingHost<K> {
  /** Set when the pipeline is torn down early: late handler results have no effect then. */
  readonly tornDown: boolean;
  /** Whether the item's partition was revoked since it was delivered. */
  isFenced(item: InFlight<K>): boolean;
  /** Records the outcome in the commit tracker (a nak once its delay is over) and makes the settlement. */
  record(item: InFlight<K>, outcome: Outcome, error: unknown): KafkaSettlement<K>;
}

/**
 * Runs the handler for a delivery and turns what it returned, threw, resolved or emitted into the
 * delivery's outcome: the handler's own, or the failure policy's (`onError`), with `deadLetter` run
 * first for a `'term'`.
 */
export class HandlerRunner<K> {
  /** `deadLetter` Observables running; unsubscribed on teardown. */
  private readonly deadLetters = new Set<Subscription>();

  constructor(
    private readonly config: Pick<KafkaRunConfig<K>, 'handler' | 'onError' | 'deadLetter' | 'maxAttempts'>,
    private readonly host: SettlingHost<K>,
  ) {}

  /**
   * Runs the handler for one delivery and settles it. Returns the settlement as a Promise (the
   * operator's fast path) unless the handler returned an Observable, which is then unsubscribed on
   * teardown. Rejects (fails the pipeline) only for the `'fail'` policy or a failing `deadLetter`.
   */
  handle(item: InFlight<K>): ObservableInput<KafkaSettlement<K>> {
    // Its partition was revoked while it waited for its key: its new owner handles it (from the committed
    // offset); starting it here would only make a duplicate.
    if (this.host.tornDown || this.host.isFenced(item)) return Promise.resolve(settlement(item, 'nak', undefined, true));
    let result: ReturnType<KafkaHandler<K>>;
    try {
      result = this.config.handler(item.delivery, item);
    } catch (error) {
      return this.settled(() => this.failed(item, error));
    }
    if (isPromiseLike(result)) {
      return Promise.resolve(result).then(
        (value) => this.finished(item, value),
        (error: unknown) => this.failed(item, error),
      );
    }
    if (!isObservable(result)) return this.settled(() => this.finished(item, result));
    const observable = result;
    return new Observable<KafkaSettlement<K>>((subscriber) => {
      let last: unknown;
      const deliver = (outcome: () => KafkaSettlement<K> | PromiseLike<KafkaSettlement<K>>): void => {
        this.settled(outcome).then(
          (settlement) => {
            subscriber.next(settlement);
            subscriber.complete();
          },
          (error: unknown) => subscriber.error(error),
        );
      };
      return observable.subscribe({
        next: (value) => (last = value),
        error: (error: unknown) => deliver(() => this.failed(item, error)),
        complete: () => deliver(() => this.finished(item, last)),
      });
    });
  }

  /** Unsubscribes the running `deadLetter` Observables (the run is torn down). */
  cancelDeadLetters(): void {
    for (const subscription of this.deadLetters) subscription.unsubscribe();
    this.deadLetters.clear();
  }

  /** Runs a settling step now and hands its result (or its throw) over as a Promise. */
  private settled(step: () => KafkaSettlement<K> | PromiseLike<KafkaSettlement<K>>): Promise<KafkaSettlement<K>> {
    try {
      return Promise.resolve(step());
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /** The handler finished with `value`: an outcome, or `undefined` for `'ack'`. */
  private finished(item: InFlight<K>, value: unknown): KafkaSettlement<K> | PromiseLike<KafkaSettlement<K>> {
    if (value !== undefined) {
      const problem = outcomeProblem(value);
      if (problem !== null) return this.failed(item, new TypeError(`${OPERATOR}: the handler's result is not an outcome: ${problem}`));
    }
    return this.settleWith(item, (value as Outcome | undefined) ?? 'ack', undefined);
  }

  /** The handler failed: applies the failure policy; throws (fails the pipeline) for `'fail'`. */
  private failed(item: InFlight<K>, error: unknown): KafkaSettlement<K> | PromiseLike<KafkaSettlement<K>> {
    if (this.host.tornDown || this.host.isFenced(item)) {
      return settlement(item, 'nak', error, true); // it comes again from the committed offset
    }
    const policy = applyFailurePolicy(OPERATOR, this.config.onError, error, item.delivery);
    if (policy === 'fail') throw error; // the message stays unsettled: the commit offset stays below it
    return this.settleWith(item, policy, error);
  }

  /** Settles with `outcome` (a nak on the last allowed attempt becomes `'term'`), running `deadLetter` first for a `'term'`. */
  private settleWith(item: InFlight<K>, outcome: Outcome, error: unknown): KafkaSettlement<K> | PromiseLike<KafkaSettlement<K>> {
    const { deadLetter, maxAttempts } = this.config;
    if (item.delivery.attempt >= maxAttempts && nakDelay(outcome) !== undefined) outcome = 'term';
    const { host } = this;
    if (outcome !== 'term' || deadLetter === undefined || host.tornDown || host.isFenced(item)) return host.record(item, outcome, error);
    const input = deadLetter(item.delivery, error);
    if (input === undefined || input === null) return host.record(item, outcome, error);
    if (isPromiseLike(input)) return Promise.resolve(input).then(() => host.record(item, outcome, error));
    return new Promise<KafkaSettlement<K>>((resolve, reject) => {
      let subscription: Subscription | undefined;
      let ended = false;
      subscription = from(input).subscribe({
        error: (deadLetterError: unknown) => {
          ended = true;
          if (subscription) this.deadLetters.delete(subscription);
          reject(deadLetterError);
        },
        complete: () => {
          ended = true;
          if (subscription) this.deadLetters.delete(subscription);
          resolve(host.record(item, outcome, error));
        },
      });
      if (!ended) this.deadLetters.add(subscription); // unsubscribed on teardown
    });
  }
}
