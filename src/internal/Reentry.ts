import { Queue } from './Queue.js';

/**
 * Keeps a re-entrant source in input order. While the operator admits an element — its key function
 * runs — it sets {@link Reentry.busy}; a source value that arrives meanwhile (the key function pushed it
 * into the source) is parked, and handed back in arrival order once that admission is over, so it is
 * admitted after the element that was being admitted, and before anything that arrives later (while
 * parked values wait or are handed back, new arrivals queue up behind them).
 *
 * Only admission is guarded: a value pushed from `project`, a handler or a downstream `next` arrives
 * between admissions and is admitted at once (its start waits for the operator's loop). Parked values
 * are not counted against the bound for that moment: they come back within the same synchronous call.
 *
 * The operator tests `busy || parked !== null` on every source value (two field reads on the hot path).
 * @internal
 */
export class Reentry<V> {
  /** An admission is in progress (a key function runs). */
  busy = false;
  /** Parked values in arrival order; `null` when none. Kept while they are handed back, so later ones queue behind. */
  parked: Queue<V> | null = null;
  private draining = false;

  park(value: V): void {
    (this.parked ??= new Queue<V>(4)).push(value);
  }

  /**
   * Hands the parked values to `handle` in arrival order, including those parked while handling them.
   * A call from inside `handle` returns at once: the outer call hands its values in turn.
   */
  drain(handle: (value: V) => void): void {
    const parked = this.parked;
    if (this.draining || parked === null) return;
    this.draining = true;
    try {
      while (parked.size > 0) handle(parked.shift() as V);
    } finally {
      this.parked = null;
      this.draining = false;
    }
  }
}
