import { Queue } from './Queue.js';

/**
 * Keeps a re-entrant source in input order. While the operator admits an element — its key function
 * runs, or `batchByLaneFromBatches` regroups an array — it sets {@link Reentry.busy}; a source value that
 * arrives meanwhile (the key function pushed it into the source) is parked, and handed back in arrival
 * order once that admission is over, so it is admitted after the element that was being admitted, and
 * before anything that arrives later (while parked values wait, arrivals queue up behind them).
 *
 * Only admission is guarded: a value pushed from `project`, a handler or a downstream `next` arrives
 * between admissions and is admitted at once (its start waits for the operator's loop). Parked values
 * are not counted against the bound for that moment: they come back within the same synchronous call.
 * @internal
 */
export class Reentry<V> {
  /** An admission is in progress. */
  busy = false;
  private parked: Queue<V> | null = null;
  private draining = false;

  /** `true` when a value waits to be handed back. */
  get waiting(): boolean {
    return this.parked !== null;
  }

  /**
   * `true` while a source value must be parked: an admission is in progress, or parked values have not
   * all been handed back yet (a value arriving meanwhile must not overtake them).
   */
  get holds(): boolean {
    return this.busy || this.draining || this.parked !== null;
  }

  park(value: V): void {
    (this.parked ??= new Queue<V>(4)).push(value);
  }

  /**
   * Hands the parked values to `handle` in arrival order, including those parked while handling them.
   * A call from inside `handle` returns at once: the outer call hands its values in turn.
   */
  drain(handle: (value: V) => void): void {
    if (this.draining) return;
    this.draining = true;
    try {
      let parked: Queue<V> | null;
      while ((parked = this.parked) !== null) {
        this.parked = null;
        while (parked.size > 0) handle(parked.shift() as V);
      }
    } finally {
      this.draining = false;
    }
  }
}
