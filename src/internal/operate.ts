import { config, Subscriber, UnsubscriptionError, type Observer, type Unsubscribable } from 'rxjs';

/**
 * How an operator of the pack subscribes to its source. This file is the one place that touches
 * `Subscriber` internals (RxJS 7's protected `_next`, `_error`, `_complete`): the source's subscriber
 * ({@link operate}) and an inner's ({@link InnerSubscriber}).
 * @internal
 */
export interface OperateConfig<T> {
  /** Each source value. A throw errors the output, as in RxJS's own operators. */
  next(value: T): void;
  /** The source's error. Default: the output errors with it. */
  error?(error: unknown): void;
  complete(): void;
  /**
   * The operator's teardown, run on unsubscribe, error or completion of the output, after the source was
   * unsubscribed. Run each step through `teardown` so that one that throws does not stop the others.
   */
  finalize(teardown: Teardown): void;
}

/**
 * The subscriber an operator of the pack subscribes to its source with:
 * `source.subscribe(operate(output, config))`.
 *
 * - The teardown is registered on `output` before the source is subscribed, so a synchronous source that
 *   makes a downstream `take(n)` unsubscribe mid-emission finds it already closable (the synchronous
 *   firehose).
 * - The teardown unsubscribes the source, then runs `config.finalize`. Every step runs even when an
 *   earlier one throws; the errors are then thrown as one `UnsubscriptionError`, as
 *   `Subscription.unsubscribe` does (RxJS merges it into its own, which reaches whoever unsubscribed).
 * - An error thrown while handling a source notification errors the output, as in RxJS's own operators;
 *   once the output is closed, it is reported with {@link reportUnhandledError} (RxJS would drop it).
 * @internal
 */
export function operate<T>(output: Subscriber<unknown>, config: OperateConfig<T>): Subscriber<T> {
  const upstream = new OperateSubscriber<T>(output, config);
  output.add(() => {
    const teardown = new Teardown();
    teardown.unsubscribe(upstream);
    teardown.run(() => config.finalize(teardown));
    teardown.end();
  });
  return upstream;
}

/** The source's subscriber: calls the operator's callbacks directly, with RxJS's stop-and-unsubscribe handling. */
class OperateSubscriber<T> extends Subscriber<T> {
  constructor(
    private readonly output: Subscriber<unknown>,
    private readonly config: OperateConfig<T>,
  ) {
    super(); // not `super(output)`: the output's teardown unsubscribes this one first, explicitly (operate)
  }

  protected override _next(value: T): void {
    try {
      this.config.next(value);
    } catch (error) {
      this.fail(error);
    }
  }

  protected override _error(error: unknown): void {
    try {
      if (this.config.error === undefined) this.output.error(error);
      else this.config.error(error);
    } catch (thrown) {
      this.fail(thrown);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      this.config.complete();
    } catch (error) {
      this.fail(error);
    } finally {
      this.unsubscribe();
    }
  }

  private fail(error: unknown): void {
    if (this.output.closed) reportUnhandledError(error);
    else this.output.error(error);
  }
}

/**
 * The subscriber of an inner (what `project` or a handler returned; see `runInner`). Unlike a plain
 * `Subscriber`, it runs the inner's teardown *before* passing its completion on, so the inner is
 * finalized before the operator reuses its slot or completes (RxJS: "should finalize before moving to
 * the next observable") — at no extra cost: the unsubscribe a `Subscriber` runs after `complete()`
 * anyway simply runs first. Nobody is unsubscribing then, so an error its teardown throws is reported
 * as unhandled. Values and errors pass as with a plain `Subscriber`.
 * @internal
 */
export class InnerSubscriber<R> extends Subscriber<R> {
  constructor(private readonly observer: Observer<R>) {
    super();
  }

  protected override _next(value: R): void {
    this.observer.next(value);
  }

  protected override _error(error: unknown): void {
    try {
      this.observer.error(error);
    } finally {
      this.unsubscribe();
    }
  }

  protected override _complete(): void {
    try {
      this.unsubscribe();
    } catch (error) {
      reportUnhandledError(error);
    }
    this.observer.complete();
  }
}

/**
 * One teardown in progress: runs every step even when one throws, keeps the errors, and throws them
 * together at the end (`UnsubscriptionError`, flattened, as `Subscription.unsubscribe` does).
 * @internal
 */
export class Teardown {
  private errors: unknown[] | null = null;

  /** Runs `step`; an error it throws is kept and the teardown goes on. */
  run(step: () => void): void {
    try {
      step();
    } catch (error) {
      this.keep(error);
    }
  }

  unsubscribe(subscription: Unsubscribable | null | undefined): void {
    if (subscription == null) return;
    try {
      subscription.unsubscribe();
    } catch (error) {
      this.keep(error);
    }
  }

  /** Cancels each item (an element's or a batch's work), each one even if an earlier one threw. */
  cancelEach(items: Iterable<{ cancel(): void }> | null): void {
    if (items === null) return;
    for (const item of items) {
      try {
        item.cancel();
      } catch (error) {
        this.keep(error);
      }
    }
  }

  /** Throws the kept errors, if any, as one `UnsubscriptionError`. */
  end(): void {
    if (this.errors !== null) throw new UnsubscriptionError(this.errors);
  }

  private keep(error: unknown): void {
    const errors = (this.errors ??= []);
    if (error instanceof UnsubscriptionError) errors.push(...error.errors);
    else errors.push(error);
  }
}

/**
 * Reports an error that has no subscriber to go to, the way RxJS does: `config.onUnhandledError` if set,
 * else thrown on a timer (an uncaught exception, not an unhandled rejection).
 * @internal
 */
export function reportUnhandledError(error: unknown): void {
  setTimeout(() => {
    const { onUnhandledError } = config;
    if (onUnhandledError) onUnhandledError(error);
    else throw error;
  });
}
