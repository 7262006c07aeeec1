import type { Observer, Unsubscribable } from 'rxjs';
import { reportUnhandledError } from './operate.js';

/**
 * One unit of user work inside an operator — an element's inner (`Job`) or a batch's handler call
 * (`LaneBatch`) — as {@link runInner} runs it: the Observer of what `project` or the handler returned,
 * and the `context` handed to them (`signal`).
 *
 * Two flags decide what teardown does to it:
 * - `settled`: the work finished by itself (its PromiseLike settled, its inner completed or errored, its
 *   `project` or handler threw). Its signal is never aborted, and later settlements are ignored (the
 *   first one wins).
 * - `cancelled`: the operator tore it down; whatever it reports afterwards is ignored, and a `signal`
 *   read afterwards is already aborted.
 * @internal
 */
export abstract class Work<R> implements Observer<R> {
  settled = false;
  cancelled = false;
  /** The running inner, when the work is an Observable (held before subscribing). */
  inner: Unsubscribable | null = null;
  private controller: AbortController | null = null;

  /** Aborted when the work is torn down before it settled. Created on first access. */
  get signal(): AbortSignal {
    let controller = this.controller;
    if (controller === null) {
      controller = this.controller = new AbortController();
      if (this.cancelled && !this.settled) controller.abort(); // read after the teardown (e.g. inside project)
    }
    return controller.signal;
  }

  abstract next(value: R): void;
  abstract error(error: unknown): void;
  abstract complete(): void;
  /** The work's PromiseLike fulfilled (called once, `settled` already set). */
  abstract resolve(value: R): void;

  /**
   * Tears down work that has not finished: its signal is aborted (unless it settled) and its inner
   * unsubscribed. Throws what the inner's teardown throws, after the signal was aborted.
   */
  cancel(): void {
    if (this.cancelled) return;
    this.cancelled = true;
    if (!this.settled) this.controller?.abort();
    const inner = this.inner;
    if (inner !== null) {
      this.inner = null;
      inner.unsubscribe();
    }
  }

  /**
   * Unsubscribes the inner now that the work is done before its inner completed (a batch's first array
   * is its answer), so its teardown runs before the operator goes on. Nobody is unsubscribing, so an
   * error its teardown throws is reported as unhandled.
   */
  protected release(): void {
    const inner = this.inner;
    if (inner === null) return;
    this.inner = null;
    try {
      inner.unsubscribe();
    } catch (error) {
      reportUnhandledError(error);
    }
  }
}
