import { checkFunction } from '../internal/validate.js';

/**
 * One operator's hold on a {@link Valve}: it reports whether that operator is full.
 * @public
 */
export interface ValveLease {
  /** Marks this holder full (`true`) or with room (`false`). Cheap to call with an unchanged state. */
  setFull(full: boolean): void;
  /** Withdraws this holder (on teardown); a full holder stops closing the valve. Idempotent. */
  release(): void;
}

/**
 * The pack's flow-control signal: open while every operator attached to it has room, closed while any
 * of them is full.
 *
 * @remarks
 * RxJS has no backpressure, so the operators of this pack publish their fullness on a valve that the
 * source side reads. One valve serves three kinds of source:
 *
 * - **Pull sources** (`AsyncIterable`, e.g. an async generator, a paginated API, a client's message
 *   iterator): wrap them with {@link pullFrom}; they are read only while the valve is open, so with
 *   every inner pending exactly the operator's bound is read, not one more.
 *
 * - **Pausable sources** (a broker consumer with `pause()`/`resume()`): subscribe to
 *   {@link Valve.onChange} and pause when it reports `false`, resume on `true`.
 *
 * - **Plain push sources** ignore the valve; the operator queues what arrives beyond its bound (at
 *   constant cost per element) and, with `maxQueued` set, errors with a `QueueOverflowError` instead of
 *   growing without limit.
 *
 * The signal is level-triggered and shared: several operators in one pipeline may attach to the same
 * valve, and it is open only while all of them have room. An operator attaches on subscribe and
 * releases on teardown, so a finished pipeline never holds a valve closed.
 *
 * @example
 * ```ts
 * const valve = new Valve();
 * pullFrom(pages(), valve)
 *   .pipe(mapAsyncPartitioned({ parallelism: 8, perKey: 1, key: (r) => r.userId, project: save, valve }))
 *   .subscribe();
 * ```
 * @public
 */
export class Valve {
  private fullHolders = 0;
  private listeners: ((open: boolean) => void)[] = [];
  private waiters: (() => void)[] = [];

  /** `true` while no attached operator is full. */
  get isOpen(): boolean {
    return this.fullHolders === 0;
  }

  /** Resolves when the valve is open (in a microtask if it is open now). */
  whenOpen(): Promise<void> {
    if (this.isOpen) return Promise.resolve();
    return new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  /**
   * Calls `listener` on every transition: `false` when the valve closes, `true` when it opens again.
   * The hook for pausable sources. Called synchronously, from inside the operator, at the moment of
   * the transition; keep it short (pause or resume a consumer). A listener that throws errors the
   * output of the operator whose transition called it (other listeners are still called); during that
   * operator's teardown, the error is reported as unhandled (RxJS `config.onUnhandledError`). Returns a
   * function that removes the listener.
   */
  onChange(listener: (open: boolean) => void): () => void {
    checkFunction('Valve.onChange', 'listener', listener);
    this.listeners = [...this.listeners, listener];
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  /** Attaches a holder (an operator subscription). The pack's operators call this; custom stages may too. */
  attach(): ValveLease {
    let full = false;
    let released = false;
    const setFull = (next: boolean): void => {
      if (next === full || released) return;
      full = next;
      if (next) this.close();
      else this.open();
    };
    return {
      setFull,
      release: () => {
        setFull(false);
        released = true;
      },
    };
  }

  private close(): void {
    if (++this.fullHolders === 1) this.notify(false);
  }

  private open(): void {
    if (--this.fullHolders !== 0) return;
    const waiters = this.waiters;
    this.waiters = [];
    for (const resolve of waiters) resolve();
    this.notify(true);
  }

  /** Calls every listener, even when one throws; then rethrows the first error (the operator reports it). */
  private notify(open: boolean): void {
    let failed = false;
    let failure: unknown;
    for (const listener of this.listeners) {
      try {
        listener(open);
      } catch (error) {
        if (!failed) {
          failed = true;
          failure = error;
        }
      }
    }
    if (failed) throw failure;
  }
}
