import { packed } from './arrays.js';
import type { RunHeap } from './RunHeap.js';

/** What an empty slot holds (no element can be this object). */
export const EMPTY: never = Object.freeze({ empty: true }) as never;
/** Most slots of the ring (memory bound). */
const MAX_SLOTS = 1 << 16;
/** Early elements buffered in the general structure (while ready) before the first migration attempt. */
const MIGRATE_FIRST = 16;
/**
 * A stay in slot mode that passed at least this many ids per element it moves out when it ends (plus
 * {@link MIGRATE_FIRST}) paid for its moves: the next migration attempt comes soon. A shorter one doubles
 * the backoff, so input that keeps leaving the slots settles in the general structure.
 */
const LONG_STAY_PER_ELEMENT = 4;

/**
 * The reorder buffer's arithmetic fast path: a ring of slots for numeric ids on a constant integer step,
 * slot `head` standing for the expected id and slot `head + k` for `expected + k * step`. O(1) to store
 * and to release. The buffer drives it (`ReorderBuffer` holds the mode); this class holds the ring, moves
 * elements between it and the general structure ({@link RunHeap}), and keeps the backoff of migrations.
 *
 * Its fields are read directly by the buffer's per-element path (no accessor calls there).
 * @internal
 */
export class StepSlots<T, I> {
  vals: T[] = [];
  head = 0;
  mask = 0;
  size = 0;
  step = 0;
  /**
   * `slots * step`: the expected id stays at most `MAX_SAFE_INTEGER - span`, so every slot's id is a safe
   * integer. (Kept instead of that limit, so the field stays a small integer: a field that turns into a
   * double changes the object's shape and deoptimises the code that uses it.)
   */
  span = 0;
  /**
   * Slot mode: the expected id may advance by one step without a check while it stays below `limit[0]`:
   * the safe-integer bound, and the point where the general structure's smallest id (beyond the ring) comes
   * within it. A typed array, so the object's shape does not change with the id's size (see `span`).
   */
  readonly limit = new Float64Array(1);
  /** The expected id when slot mode last began (to measure the stay when it ends); a typed array as `limit`. */
  private readonly since = new Float64Array(1);
  /**
   * While ready: early elements to buffer in the general structure before the next migration attempt, and
   * the current backoff (doubled by each failed attempt or short stay, up to `migrateCap`, so that the
   * O(size) attempts stay amortised O(1) per element on input that never fits).
   */
  migrateIn = MIGRATE_FIRST;
  private migrateWait = MIGRATE_FIRST;
  private migrateCap = MIGRATE_FIRST;

  /** Sizes the ring for `step` (≥ 4 × the window, at least 64); false if ids near `next` would not stay safe. */
  configure(step: number, next: number, maxBounded: number): boolean {
    let slots = 64;
    while (slots < 4 * maxBounded && slots < MAX_SLOTS) slots *= 2;
    if (!(Number.MAX_SAFE_INTEGER - slots * step > next)) return false;
    this.step = step;
    this.span = slots * step;
    this.mask = slots - 1;
    this.migrateCap = Math.max(1024, 4 * maxBounded);
    return true;
  }

  /** Whether slot mode may hold ids from `expected` on. */
  allows(expected: number): boolean {
    return Number.isSafeInteger(expected) && expected <= Number.MAX_SAFE_INTEGER - this.span;
  }

  /** Starts slot mode at `expected` (the ring is empty); the general structure holds only ids beyond the ring. */
  open(expected: number, general: RunHeap<T, I>): void {
    if (this.vals.length === 0) this.vals = packed<T>(this.mask + 1, EMPTY);
    this.head = 0;
    this.since[0] = expected;
    this.setLimit(general);
  }

  /** Frees the ring (the fast path is off for good). */
  release(): void {
    this.vals = [];
    this.size = 0;
  }

  /** Forgets what the ring holds (teardown). */
  clear(): void {
    if (this.size !== 0) {
      this.vals = packed<T>(this.mask + 1, EMPTY);
      this.size = 0;
    }
  }

  /** Sets {@link StepSlots.limit} from the general structure's smallest id (beyond the ring). */
  setLimit(general: RunHeap<T, I>): void {
    let limit = Number.MAX_SAFE_INTEGER - this.span + 1;
    if (general.size !== 0) {
      const far = (general.peek() as unknown as number) - this.mask * this.step;
      if (far < limit) limit = far;
    }
    this.limit[0] = limit;
  }

  /** An element beyond the ring, `id`, now waits in the general structure: lowers the limit if needed. */
  farAdded(id: number): void {
    const limit = id - this.mask * this.step;
    if (limit < this.limit[0]) this.limit[0] = limit;
  }

  /** Offset of the first occupied slot from the head (the ring is not empty). */
  firstOccupied(): number {
    const vals = this.vals;
    const mask = this.mask;
    let k = 0;
    while (vals[(this.head + k) & mask] === EMPTY) k++;
    return k;
  }

  /**
   * Moves the ring's elements to the general structure, in id order (slot `head` standing for `base`),
   * giving them arrival numbers from `seq` on; returns the next arrival number. Sets the backoff of the
   * next migration: short if this stay in slot mode was long, doubled if it was short.
   */
  drainInto(general: RunHeap<T, I>, base: number, seq: number): number {
    const passed = (base - this.since[0]) / this.step;
    this.migrateWait =
      passed >= LONG_STAY_PER_ELEMENT * this.size + MIGRATE_FIRST ? MIGRATE_FIRST : Math.min(2 * this.migrateWait, this.migrateCap);
    this.migrateIn = this.migrateWait;
    const vals = this.vals;
    const mask = this.mask;
    const step = this.step;
    let left = this.size;
    this.size = 0;
    for (let k = 0; left !== 0 && k <= mask; k++) {
      const at = (this.head + k) & mask;
      const value = vals[at];
      if (value === EMPTY) continue;
      vals[at] = EMPTY as T;
      left--;
      general.insert((base + k * step) as I, value, seq++);
    }
    return seq;
  }

  /**
   * Slot mode, after the expected id moved to `expected`: moves the general structure's elements the ring
   * now covers to their slots, in id order. Returns false, leaving the rest in place, at one that does not
   * fit (off the step grid, or a duplicate of a slot's id): the buffer then leaves slot mode.
   */
  pullFrom(general: RunHeap<T, I>, expected: number): boolean {
    const step = this.step;
    const mask = this.mask;
    while (general.size !== 0) {
      const id = general.peek() as unknown as number;
      if (id - expected > mask * step) break; // still beyond the ring (and so is the rest)
      const k = (id - expected) / step;
      const at = (this.head + k) & mask;
      if ((k | 0) !== k || k < 1 || this.vals[at] !== EMPTY) return false;
      this.vals[at] = general.take();
      this.size++;
    }
    this.setLimit(general);
    return true;
  }

  /**
   * While ready (the ring is empty): moves the general structure's elements that the ring covers to the
   * slots, if every one of them sits on the step grid (1 to `mask` steps after `expected`) with no two on
   * one id (equal ids keep arrival order only in the general structure); those beyond the ring stay.
   * Otherwise backs off and returns false. O(size) per attempt.
   */
  migrateFrom(general: RunHeap<T, I>, expected: number): boolean {
    const step = this.step;
    const mask = this.mask;
    const far = mask * step;
    let fits = this.allows(expected);
    let near = 0;
    for (let i = 0; fits && i < general.size; i++) {
      const id = general.idAt(i) as unknown as number;
      if (id - expected > far) continue; // beyond the ring: stays where it is
      fits = onGrid(id, expected, step, mask);
      near++;
    }
    if (fits) {
      if (this.vals.length === 0) this.vals = packed<T>(mask + 1, EMPTY);
      this.head = 0;
      fits = this.placeAll(general, expected);
    }
    if (!fits) {
      this.migrateWait = Math.min(2 * this.migrateWait, this.migrateCap);
      this.migrateIn = this.migrateWait;
      return false;
    }
    if (near !== 0) keepFar(general, expected + far); // (with none near, the general structure stays as it is)
    this.size = near;
    this.since[0] = expected;
    this.setLimit(general);
    return true;
  }

  /**
   * {@link StepSlots.migrateFrom}'s second pass (every near id is on the grid): puts each near element in
   * its slot, or, at the first slot already taken (a duplicate id), empties the slots again and returns false.
   */
  private placeAll(general: RunHeap<T, I>, expected: number): boolean {
    const vals = this.vals;
    const step = this.step;
    const far = this.mask * step;
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
    return true;
  }

  /** The ring's elements with their ids (slot `head` standing for `expected`), for inspection. */
  collect(expected: number, into: { id: I; value: T; seq: number }[]): void {
    for (let k = 0; k <= this.mask && this.size !== 0; k++) {
      const value = this.vals[(this.head + k) & this.mask];
      if (value !== EMPTY) into.push({ id: (expected + k * this.step) as I, value, seq: -1 });
    }
  }
}

/** Whether `id` sits on the step grid, 1 to `mask` steps after `expected`. */
function onGrid(id: number, expected: number, step: number, mask: number): boolean {
  const k = (id - expected) / step;
  return (k | 0) === k && k >= 1 && k <= mask;
}

/**
 * Rebuilds `general` with only its ids above `bound` (with their arrival numbers, so equal ids keep their
 * order); the others have moved to the slots.
 */
function keepFar<T, I>(general: RunHeap<T, I>, bound: number): void {
  const ids: I[] = [];
  const vals: T[] = [];
  const seqs: number[] = [];
  for (let i = 0; i < general.size; i++) {
    const id = general.idAt(i);
    if ((id as unknown as number) > bound) {
      ids.push(id);
      vals.push(general.valueAt(i));
      seqs.push(general.seqAt(i));
    }
  }
  general.empty();
  for (let i = 0; i < ids.length; i++) general.insert(ids[i], vals[i], seqs[i]);
}
