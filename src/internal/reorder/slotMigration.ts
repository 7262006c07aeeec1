import type { RunHeap } from './RunHeap.js';
import { EMPTY } from './arrays.js';

/**
 * The cold moves of the reorder buffer's arithmetic fast path, between its ring of slots (slot `head + k`
 * standing for `base + k * step`) and the general structure ({@link RunHeap}), and the backoff that spaces
 * the attempts to return to the slots. Nothing here runs per element: only when the buffer leaves slot
 * mode or tries to go back to it. The buffer keeps the ring itself in its own fields, because its
 * per-element path reads them (a separate object there cost 5 % more instructions).
 */

/** Early elements buffered in the general structure (while ready) before the first migration attempt. */
const MIGRATE_FIRST = 16;
/**
 * A stay in slot mode that passed at least this many ids per element it moves out when it ends (plus
 * {@link MIGRATE_FIRST}) paid for its moves: the next migration attempt comes soon. A shorter one doubles
 * the backoff, so input that keeps leaving the slots settles in the general structure.
 */
const LONG_STAY_PER_ELEMENT = 4;

/**
 * While the fast path is ready: early elements to buffer in the general structure before the next
 * migration attempt, and the current backoff (doubled by each failed attempt or short stay in slot mode,
 * up to a cap, so that the O(size) attempts stay amortised O(1) per element on input that never fits).
 * @internal
 */
export class MigrationBackoff {
  private left = MIGRATE_FIRST;
  private wait = MIGRATE_FIRST;
  private cap = MIGRATE_FIRST;

  /** Caps the backoff for a window of `maxBounded` elements. */
  configure(maxBounded: number): void {
    this.cap = Math.max(1024, 4 * maxBounded);
  }

  /** One more early element went to the general structure: whether a migration attempt is due. */
  due(): boolean {
    return --this.left <= 0;
  }

  /** A migration attempt failed: wait twice as long for the next. */
  failed(): void {
    this.wait = Math.min(2 * this.wait, this.cap);
    this.left = this.wait;
  }

  /** Slot mode ended after `passed` ids, moving `moved` elements out: soon again if the stay paid for it. */
  stayed(passed: number, moved: number): void {
    if (passed >= LONG_STAY_PER_ELEMENT * moved + MIGRATE_FIRST) {
      this.wait = MIGRATE_FIRST;
      this.left = MIGRATE_FIRST;
    } else this.failed();
  }
}

/**
 * Moves the ring's `size` elements to the general structure, in id order (slot `head` standing for `base`),
 * emptying their slots and giving them arrival numbers from `seq` on; returns the next arrival number.
 */
export function drainSlots<T, I>(
  vals: T[],
  head: number,
  mask: number,
  size: number,
  base: number,
  step: number,
  general: RunHeap<T, I>,
  seq: number,
): number {
  let left = size;
  for (let k = 0; left !== 0 && k <= mask; k++) {
    const at = (head + k) & mask;
    const value = vals[at];
    if (value === EMPTY) continue;
    vals[at] = EMPTY as T;
    left--;
    general.insert((base + k * step) as I, value, seq++);
  }
  return seq;
}

/**
 * A migration attempt's first pass: the number of the general structure's elements that the ring covers
 * (1 to `mask` steps after `expected`), or -1 if one of them is off the step grid. O(size).
 */
export function countNear<T, I>(general: RunHeap<T, I>, expected: number, step: number, mask: number): number {
  const far = mask * step;
  let near = 0;
  for (let i = 0; i < general.size; i++) {
    const id = general.idAt(i) as unknown as number;
    if (id - expected > far) continue; // beyond the ring: stays where it is
    const k = (id - expected) / step;
    if (!((k | 0) === k && k >= 1 && k <= mask)) return -1;
    near++;
  }
  return near;
}

/**
 * The second pass (every near id is on the grid): copies each near element to its slot of the empty ring
 * `vals` (slot 0 standing for `expected`), or, at the first slot already taken (a duplicate id, since equal
 * ids keep arrival order only in the general structure), empties the slots again and returns false. On
 * success, removes the copied elements from the general structure.
 */
export function placeNear<T, I>(general: RunHeap<T, I>, vals: T[], expected: number, step: number, mask: number): boolean {
  const far = mask * step;
  for (let i = 0; i < general.size; i++) {
    const id = general.idAt(i) as unknown as number;
    if (id - expected > far) continue;
    const at = (id - expected) / step;
    if (vals[at] !== EMPTY) {
      for (let j = 0; j < i; j++) {
        const placed = general.idAt(j) as unknown as number;
        if (placed - expected <= far) vals[(placed - expected) / step] = EMPTY;
      }
      return false;
    }
    vals[at] = general.valueAt(i);
  }
  keepAbove(general, expected + far);
  return true;
}

/**
 * Rebuilds `general` with only its ids above `bound` (with their arrival numbers, so equal ids keep their
 * order); the others have moved to the slots.
 */
function keepAbove<T, I>(general: RunHeap<T, I>, bound: number): void {
  const ids: I[] = [];
  const vals: T[] = [];
  const seqs: number[] = [];
  const n = general.size;
  for (let i = 0; i < n; i++) {
    const id = general.idAt(i);
    if ((id as unknown as number) > bound) {
      ids.push(id);
      vals.push(general.valueAt(i));
      seqs.push(general.seqAt(i));
    }
  }
  if (ids.length === n) return; // none near: the general structure stays as it is
  general.empty();
  for (let i = 0; i < ids.length; i++) general.insert(ids[i], vals[i], seqs[i]);
}
