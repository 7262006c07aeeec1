import { Queue } from './Queue.js';
import { describeValue } from './validate.js';

/** Why a range of ids was given up on. @internal */
export type GapReason = 'overflow' | 'maxWait' | 'complete';

/** Settings of a {@link ReorderBuffer}; the operator validates them. @internal */
export interface ReorderBufferConfig<T, I> {
  /** Most elements held; the next early element beyond it makes the buffer skip its gap. */
  maxBounded: number;
  initialId: I;
  /** The id that follows `id`; must be greater than `id` under `compare`. */
  nextId: (id: I) => I;
  getId: (value: T) => I;
  /** Total order of ids: negative, zero or positive. */
  compare: (a: I, b: I) => number;
  /**
   * Set for the natural order: every id `getId` and `nextId` return must be of this type (and not NaN);
   * any other throws a `TypeError`. Checked inline, so the natural order costs no wrapper calls. When set,
   * ids are compared inline with `<` and `===` (the natural order), and `compare` is not called.
   */
  idType?: 'number' | 'bigint' | 'string' | undefined;
  /** Receives every element leaving the buffer (in order, late, or released): the operator's subscriber. */
  output: { next(value: T): void };
  /** The ids from `from` (inclusive) up to `to` (exclusive) were given up on. */
  onGap?: ((from: I, to: I, reason: GapReason) => void) | undefined;
  /** `value` leaves out of order: its id is below the expected one. */
  onLate?: ((value: T, id: I, expected: I) => void) | undefined;
  /** When set, no element stays buffered longer than this (the clock is the caller's `now`). */
  maxWait?: number | undefined;
}

/** How far back from its tail the sorted run is searched before an element goes to the heap. */
const RUN_REACH = 16;

/** What an empty slot of the arithmetic ring holds (no element can be this object). */
const EMPTY: never = Object.freeze({ empty: true }) as never;

// States of the arithmetic fast path (see the class comment).
/** Not available (a custom order, non-number ids, maxWait) or given up for good (`nextId` broke the step). */
const SLOTS_OFF = 0;
/** Available, waiting for the first `nextId` call to learn the step. */
const SLOTS_LEARNING = 1;
/**
 * Step known and verified so far, slots unused: the general structure holds the buffered elements (they
 * were there when the step was learnt, or an id did not fit a slot). Its elements move to the slots when it
 * empties, or on a migration attempt that finds them all on the step grid within the ring.
 */
const SLOTS_READY = 2;
/**
 * Buffered elements live in the slots, except ids beyond the ring: those wait in the general structure,
 * every one of them after every slot's id, and move to their slots as the ring reaches them.
 */
const SLOTS_ACTIVE = 3;
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
 * The reorder state machine behind `boundedOrdering`: the expected id plus the elements that arrived
 * early, ordered by id under the user's comparator (equal ids by arrival). No RxJS.
 *
 * For each element (in this order): **match** (id equals the expected one) – emit it, advance the
 * expected id with `nextId`, release the buffered run that now matches; **late** (id below the expected
 * one) – emit it at once; **overflow** (the buffer already holds `maxBounded` elements) – insert it,
 * jump the expected id to the smallest buffered id and release that run; **early** – buffer it.
 *
 * Invariant between calls: every buffered id is greater than the expected id. A buffered element whose
 * id falls below the expected one (a duplicate, or an id `nextId` stepped over) is released as late by
 * the same loop that releases a run, so it never blocks the elements behind it.
 *
 * Storage: a binary min-heap, fronted by a short sorted run. An early element that sorts within
 * {@link RUN_REACH} places of the run's tail is inserted there (nearly sorted input, the common case:
 * O(1) to insert and to remove, no sift); any other goes to the heap (O(log size)). The smallest
 * buffered element is the smaller of the run's head and the heap's top. Both live in parallel arrays,
 * so buffering allocates nothing per element.
 *
 * Cost: O(1) per in-order element (two comparisons and `nextId`), O(log size) at most per buffered one.
 *
 * Arithmetic fast path: under the natural order of numbers without `maxWait`, once `nextId` has shown a
 * constant integer step (learnt from its first call, `step = nextId(id) - id`), early elements go to a
 * ring of slots indexed by `(id - expected) / step`: O(1) to insert, O(1) per element of a released run.
 * Every advance still calls `nextId` and verifies that it returned `expected + step`. An id beyond the
 * ring waits in the general structure, after every slot's id, and moves to its slot when the ring reaches
 * it. An id that does not fit (within the ring but off the step grid, or a duplicate of a buffered id)
 * moves the buffered elements to the general structure (in id order) and makes the fast path *ready*
 * again, not off: the elements return to the slots when the general structure empties, or on a
 * migration attempt (with a backoff) that finds them on the grid. Only a `nextId` that breaks the step,
 * or ids nearing the end of the safe-integer range, turn the fast path off for good. Observable behaviour
 * is the same either way: in slot mode no buffered id can fall below the expected one, and there are no
 * equal ids among the slots.
 *
 * Re-entrancy: state is updated before each emission, and every loop re-reads the state after one,
 * so `output.next` may call {@link ReorderBuffer.offer} or {@link ReorderBuffer.clear} (downstream feeding the
 * source, or unsubscribing) at any point.
 * @internal
 */
export class ReorderBuffer<T, I> {
  // the heap, in parallel arrays (index 0 is the smallest)
  private hIds: I[] = [];
  private hVals: T[] = [];
  private hSeqs: number[] = [];
  private hSize = 0;
  // the sorted run: a ring buffer in parallel arrays, ascending from rHead
  private rIds: I[];
  private rVals: T[] = packed<T>(16, undefined as T);
  private rSeqs: number[] = zeros(16);
  private rHead = 0;
  private rSize = 0;
  private rMask = 15;

  private expectedId: I;
  /** Arrival number of the next buffered element: orders equal ids, identifies elements for maxWait. */
  private seq = 0;
  /** Bumped by {@link ReorderBuffer.clear}, so a loop interrupted by a teardown in `output.next` stops. */
  private epoch = 0;

  // maxWait only: buffered arrivals in order (seq and time; entries that left are skipped lazily)
  private readonly arrivalSeqs: Queue<number> | null;
  private readonly arrivalTimes: Queue<number> | null;
  private readonly waiting: Set<number> | null;

  private readonly maxBounded: number;
  private readonly nextId: (id: I) => I;
  private readonly getId: (value: T) => I;
  private readonly compare: (a: I, b: I) => number;
  private readonly idType: 'number' | 'bigint' | 'string' | undefined;
  /** `idType` is set: ids are compared inline with `<` and `===` instead of calling `compare`. */
  private readonly natural: boolean;
  /**
   * What free run slots hold: `initialId` under the natural order (so an array of small integer ids stays
   * an array of small integers, with no write barrier), `undefined` otherwise (nothing kept alive).
   */
  private readonly idFill: I;
  private readonly output: { next(value: T): void };
  private readonly onGap: ((from: I, to: I, reason: GapReason) => void) | undefined;
  private readonly onLate: ((value: T, id: I, expected: I) => void) | undefined;
  private readonly maxWait: number;

  // the arithmetic fast path: a ring of slots, slot `sHead` standing for the expected id
  private slotState: number;
  private step = 0;
  /**
   * `slots * step`: the expected id stays at most `MAX_SAFE_INTEGER - slotSpan`, so every slot's id is a
   * safe integer. (Kept instead of that limit, so the field stays a small integer: a field that turns into
   * a double changes the object's shape and deoptimises the code that uses it.)
   */
  private slotSpan = 0;
  private sVals: T[] = [];
  private sHead = 0;
  private sMask = 0;
  private sSize = 0;
  /**
   * While ready: early elements to buffer in the general structure before the next migration attempt, and
   * the current backoff (doubled by each failed attempt or short stay in slot mode, up to `migrateCap`, so
   * that the O(size) attempts stay amortised O(1) per element on input that never fits).
   */
  private migrateIn = MIGRATE_FIRST;
  private migrateWait = MIGRATE_FIRST;
  private migrateCap = MIGRATE_FIRST;
  /**
   * The expected id when slot mode last began (to measure the stay when it ends). A typed array, so the
   * object's shape does not change with the id's size (see `slotSpan`).
   */
  private readonly slotsSince = new Float64Array(1);
  /**
   * Slot mode: the expected id may advance by one step without a check while it stays below this: the
   * safe-integer bound, and the point where the smallest id of the general structure (beyond the ring)
   * comes within it. A typed array, for the same reason as `slotsSince`.
   */
  private readonly slotLimit = new Float64Array(1);

  constructor(config: ReorderBufferConfig<T, I>) {
    this.maxBounded = config.maxBounded;
    this.expectedId = config.initialId;
    this.nextId = config.nextId;
    this.getId = config.getId;
    this.compare = config.compare;
    this.idType = config.idType;
    this.natural = config.idType !== undefined;
    this.idFill = this.natural ? config.initialId : (undefined as I);
    this.rIds = packedIds(16, this.idFill);
    this.output = config.output;
    this.onGap = config.onGap;
    this.onLate = config.onLate;
    this.maxWait = config.maxWait ?? Infinity;
    const timed = this.maxWait !== Infinity;
    this.arrivalSeqs = timed ? new Queue<number>() : null;
    this.arrivalTimes = timed ? new Queue<number>() : null;
    this.waiting = timed ? new Set<number>() : null;
    this.slotState = config.idType === 'number' && !timed && Number.isSafeInteger(config.initialId) ? SLOTS_LEARNING : SLOTS_OFF;
  }

  /** The id the next in-order element must have. */
  get expected(): I {
    return this.expectedId;
  }

  /** Elements buffered now. */
  get size(): number {
    return this.hSize + this.rSize + this.sSize;
  }

  /** The buffered elements in the order they would leave (for inspection and tests; O(n log n)). */
  toArray(): T[] {
    const all: { id: I; value: T; seq: number }[] = [];
    for (let i = 0; i < this.hSize; i++) all.push({ id: this.hIds[i], value: this.hVals[i], seq: this.hSeqs[i] });
    for (let i = 0; i < this.rSize; i++) {
      const at = (this.rHead + i) & this.rMask;
      all.push({ id: this.rIds[at], value: this.rVals[at], seq: this.rSeqs[at] });
    }
    for (let k = 0; k <= this.sMask && this.sSize !== 0; k++) {
      const value = this.sVals[(this.sHead + k) & this.sMask];
      if (value !== EMPTY) all.push({ id: ((this.expectedId as number) + k * this.step) as I, value, seq: -1 });
    }
    return all.sort((a, b) => this.compare(a.id, b.id) || a.seq - b.seq).map((e) => e.value);
  }

  /**
   * Takes one element: emits it (match or late) and whatever it releases, or buffers it.
   * @param now - the current time; used only when `maxWait` is set.
   */
  offer(value: T, now = 0): void {
    const id = this.getId(value);
    if (this.slotState === SLOTS_ACTIVE && typeof id === 'number') {
      // slot mode: a match, or an early id that fits its slot (anything else takes the general route,
      // which leaves slot mode if the id is early)
      const expected = this.expectedId as number;
      if (id === expected) return this.matched(id as I, value);
      const k = (id - expected) / this.step;
      if ((k | 0) === k && k >= 1 && k <= this.sMask) {
        const at = (this.sHead + k) & this.sMask;
        if (this.sVals[at] === EMPTY) {
          this.sVals[at] = value;
          if (++this.sSize + this.hSize + this.rSize > this.maxBounded) this.skipGap('overflow');
          return;
        }
      }
    }
    this.route(id, value, now);
  }

  /** {@link ReorderBuffer.offer} outside the slot fast path. */
  private route(id: I, value: T, now: number): void {
    const expected = this.expectedId;
    // one comparison decides the branch: inline for the natural order, one `compare` call otherwise
    if (this.natural) {
      if (typeof id !== this.idType || id !== id) wrongId(this.idType!, 'getId', id);
      if (id === expected) this.matched(id, value);
      else if (lt(id, expected)) this.late(value, id, expected);
      else this.early(id, value, now);
    } else {
      const c = this.compare(id, expected);
      if (c === 0) this.matched(id, value);
      else if (c < 0) this.late(value, id, expected);
      else this.early(id, value, now);
    }
  }

  /**
   * The time at which the longest-waiting buffered element reaches `maxWait`; `undefined` when nothing
   * is buffered or there is no `maxWait`.
   */
  nextDeadline(): number | undefined {
    const oldest = this.oldestWaiting();
    return oldest === undefined ? undefined : (this.arrivalTimes as Queue<number>).peek()! + this.maxWait;
  }

  /**
   * Releases every element that has waited `maxWait` by `now`, giving up on the gaps before them (as on
   * overflow: jump to the smallest buffered id, release its run, repeat until the element is out).
   */
  expire(now: number): void {
    const waiting = this.waiting;
    if (waiting === null) return;
    let oldest: number | undefined;
    while ((oldest = this.oldestWaiting()) !== undefined) {
      if ((this.arrivalTimes as Queue<number>).peek()! + this.maxWait > now) return;
      while (waiting.has(oldest) && this.hSize + this.rSize !== 0) this.skipGap('maxWait');
    }
  }

  /** Releases everything buffered, in id order, giving up on the gaps between (source completed). */
  flush(): void {
    while (this.hSize + this.rSize + this.sSize !== 0) this.skipGap('complete');
  }

  /** Forgets every buffered element (teardown). */
  clear(): void {
    this.epoch++;
    this.hIds = [];
    this.hVals = [];
    this.hSeqs = [];
    this.hSize = 0;
    this.rIds = packedIds(16, this.idFill);
    this.rVals = packed<T>(16, undefined as T);
    this.rSeqs = zeros(16);
    this.rHead = 0;
    this.rSize = 0;
    this.rMask = 15;
    if (this.sSize !== 0) {
      this.sVals = packed<T>(this.sMask + 1, EMPTY);
      this.sSize = 0;
    }
    this.arrivalSeqs?.clear();
    this.arrivalTimes?.clear();
    this.waiting?.clear();
  }

  private matched(id: I, value: T): void {
    this.advance(id);
    this.output.next(value);
    if (this.hSize + this.rSize + this.sSize !== 0) this.releaseRun();
  }

  private late(value: T, id: I, expected: I): void {
    if (this.onLate !== undefined) this.onLate(value, id, expected);
    this.output.next(value);
  }

  private early(id: I, value: T, now: number): void {
    if (this.slotState >= SLOTS_READY) {
      if (this.slotState === SLOTS_ACTIVE || (this.hSize + this.rSize === 0 && this.activateSlots())) {
        if (this.slotInsert(id as number, value)) {
          if (this.hSize + this.rSize + this.sSize > this.maxBounded) this.skipGap('overflow');
          return;
        }
      }
    }
    this.insert(id, value, now);
    if (this.slotState === SLOTS_READY && --this.migrateIn <= 0) this.migrate();
    if (this.hSize + this.rSize + this.sSize > this.maxBounded) this.skipGap('overflow');
  }

  /** Gives up on the ids below the smallest buffered one, then releases the run that starts there. */
  private skipGap(reason: GapReason): void {
    if (this.slotState === SLOTS_ACTIVE) return this.skipSlotGap(reason);
    const smallest = this.smallestGeneral();
    const from = this.expectedId;
    if (this.natural ? lt(from, smallest) : this.compare(smallest, from) > 0) {
      this.expectedId = smallest;
      this.onGap?.(from, smallest, reason);
    }
    this.releaseRun();
  }

  /**
   * Releases buffered elements while the smallest buffered id is at or below the expected one: an equal
   * id is in order (advances the expected id), a smaller one is a stale head (a duplicate or an id that
   * `nextId` stepped over) and leaves as late.
   */
  private releaseRun(): void {
    const epoch = this.epoch;
    for (;;) {
      // (re-read on every turn: an offer made during an emission may have moved everything to the slots)
      if (this.slotState === SLOTS_ACTIVE) return this.releaseSlots();
      let fromRun: boolean;
      if (this.hSize === 0) {
        if (this.rSize === 0) return;
        fromRun = true;
      } else fromRun = this.rSize !== 0 && this.runFirst();
      const id = fromRun ? this.rIds[this.rHead] : this.hIds[0];
      const expected = this.expectedId;
      let inOrder: boolean;
      if (this.natural) {
        if (id === expected) inOrder = true;
        else if (lt(id, expected)) inOrder = false;
        else return;
      } else {
        const c = this.compare(id, expected);
        if (c > 0) return;
        inOrder = c === 0;
      }
      const value = fromRun ? this.shiftRun() : this.popHeap();
      if (inOrder) this.advance(id);
      else if (this.onLate !== undefined) this.onLate(value, id, expected);
      this.output.next(value);
      if (epoch !== this.epoch) return; // cleared during the emission (teardown)
    }
  }

  /** The smallest id in the general structure (not empty). */
  private smallestGeneral(): I {
    return this.rSize !== 0 && (this.hSize === 0 || this.runFirst()) ? this.rIds[this.rHead] : this.hIds[0];
  }

  /** Removes the run's head (the run is not empty) and returns its value. */
  private shiftRun(): T {
    const head = this.rHead;
    const value = this.rVals[head];
    if (this.waiting !== null) this.waiting.delete(this.rSeqs[head]);
    this.rVals[head] = undefined as T; // let it be collected
    if (!this.natural) this.rIds[head] = undefined as I; // (natural ids are primitives: nothing to free)
    this.rHead = (head + 1) & this.rMask;
    this.rSize--;
    return value;
  }

  private advance(id: I): void {
    const next = this.nextId(id);
    // slot mode, verified: the step holds (then `next` is a number after `id`), and the slot of `id` is
    // empty (an element equal to the expected id can only be there when an `onGap` hook re-entered with a
    // duplicate; the general structure then releases it as late)
    if (
      this.slotState === SLOTS_ACTIVE &&
      (next as number) === (id as number) + this.step &&
      (next as number) < this.slotLimit[0] &&
      this.sVals[this.sHead] === EMPTY
    ) {
      this.expectedId = next;
      this.sHead = (this.sHead + 1) & this.sMask;
    } else this.checkedAdvance(id, next);
  }

  /** {@link ReorderBuffer.advance} outside the slot fast path: checks `next`, learns or verifies the step. */
  private checkedAdvance(id: I, next: I): void {
    if (this.natural) {
      if (typeof next !== this.idType || next !== next) wrongId(this.idType!, 'nextId', next, id);
      if (!lt(id, next)) notAfter(id, next);
    } else if (!(this.compare(next, id) > 0)) notAfter(id, next);
    if (this.slotState !== SLOTS_OFF) this.learnStep(id as number, next as number);
    this.expectedId = next;
  }

  /**
   * Learns the step from the first `nextId` call, then verifies it on every later one (in slot mode a
   * call that breaks it moves the buffered elements to the general structure, relative to `id`, the
   * expected id they were placed against). `next` has passed the natural-order checks.
   */
  private learnStep(id: number, next: number): void {
    if (this.slotState === SLOTS_LEARNING) {
      const step = next - id;
      if (Number.isSafeInteger(id) && Number.isSafeInteger(next) && Number.isSafeInteger(step) && step >= 1) {
        let slots = 64;
        while (slots < 4 * this.maxBounded && slots < MAX_SLOTS) slots *= 2;
        const limit = Number.MAX_SAFE_INTEGER - slots * step;
        if (limit > next) {
          this.step = step;
          this.slotSpan = slots * step;
          this.sMask = slots - 1;
          this.slotState = SLOTS_READY;
          this.migrateCap = Math.max(1024, 4 * this.maxBounded);
          if (this.hSize + this.rSize === 0) this.activateSlots(next);
          return;
        }
      }
      this.slotState = SLOTS_OFF;
    } else if (next !== id + this.step || !(next <= Number.MAX_SAFE_INTEGER - this.slotSpan)) {
      if (this.slotState === SLOTS_ACTIVE) this.leaveSlots(id);
      this.slotsOff();
    } else if (this.slotState === SLOTS_ACTIVE) {
      if (this.sVals[this.sHead] !== EMPTY)
        this.leaveSlots(id); // the head slot was taken (a re-entrant duplicate)
      else {
        // the ring reaches the general structure's smallest id: advance, then move what it covers to the slots
        this.sHead = (this.sHead + 1) & this.sMask;
        this.expectedId = next as I;
        this.pullFar();
      }
    }
  }

  /** Turns the fast path off for good (the step broke, or the ids approach the unsafe range). */
  private slotsOff(): void {
    this.slotState = SLOTS_OFF;
    this.sVals = [];
  }

  /** Switches to slot mode (the general structure is empty), if the expected id allows it. */
  private activateSlots(expected = this.expectedId as number): boolean {
    if (!Number.isSafeInteger(expected) || !(expected <= Number.MAX_SAFE_INTEGER - this.slotSpan)) {
      this.slotsOff();
      return false;
    }
    if (this.sVals.length === 0) this.sVals = packed<T>(this.sMask + 1, EMPTY);
    this.sHead = 0;
    this.slotState = SLOTS_ACTIVE;
    this.slotsSince[0] = expected;
    this.slotLimit[0] = Number.MAX_SAFE_INTEGER - this.slotSpan + 1;
    return true;
  }

  /** Slot mode: sets {@link ReorderBuffer.slotLimit} from the general structure's smallest id. */
  private setSlotLimit(): void {
    let limit = Number.MAX_SAFE_INTEGER - this.slotSpan + 1;
    if (this.hSize + this.rSize !== 0) {
      const far = (this.smallestGeneral() as number) - this.sMask * this.step;
      if (far < limit) limit = far;
    }
    this.slotLimit[0] = limit;
  }

  /**
   * Slot mode, after the expected id moved: moves the general structure's elements the ring now covers to
   * their slots, in id order. One that does not fit (off the step grid, or a duplicate of a slot's id) makes
   * the buffer leave slot mode instead.
   */
  private pullFar(): void {
    const expected = this.expectedId as number;
    const step = this.step;
    const mask = this.sMask;
    while (this.hSize + this.rSize !== 0) {
      const fromRun = this.rSize !== 0 && (this.hSize === 0 || this.runFirst());
      const id = (fromRun ? this.rIds[this.rHead] : this.hIds[0]) as number;
      if (id - expected > mask * step) break; // still beyond the ring (and so is the rest)
      const k = (id - expected) / step;
      const at = (this.sHead + k) & mask;
      if ((k | 0) !== k || k < 1 || this.sVals[at] !== EMPTY) return this.leaveSlots(expected);
      this.sVals[at] = fromRun ? this.shiftRun() : this.popHeap();
      this.sSize++;
    }
    this.setSlotLimit();
  }

  /**
   * While ready: moves the general structure's elements that the ring covers to the slots, if every one
   * of them sits on the step grid (1 to `sMask` steps ahead of the expected id) with no two on one id (equal
   * ids keep arrival order only in the general structure); those beyond the ring stay. Otherwise backs
   * off. O(size) per attempt.
   */
  private migrate(): void {
    const expected = this.expectedId as number;
    const step = this.step;
    const mask = this.sMask;
    const far = mask * step;
    let fits = Number.isSafeInteger(expected) && expected <= Number.MAX_SAFE_INTEGER - this.slotSpan;
    let near = 0;
    for (let i = 0; fits && i < this.hSize + this.rSize; i++) {
      const id = this.generalId(i) as number;
      if (id - expected > far) continue; // beyond the ring: stays where it is
      fits = onGrid(id, expected, step, mask);
      near++;
    }
    if (fits) {
      if (this.sVals.length === 0) this.sVals = packed<T>(mask + 1, EMPTY);
      fits = this.placeAll(expected);
    }
    if (!fits) {
      this.migrateWait = Math.min(2 * this.migrateWait, this.migrateCap);
      this.migrateIn = this.migrateWait;
      return;
    }
    if (near !== 0) this.keepFar(expected); // (with none near, the general structure stays as it is)
    this.sSize = near;
    this.sHead = 0;
    this.slotState = SLOTS_ACTIVE;
    this.slotsSince[0] = expected;
    this.setSlotLimit();
  }

  /**
   * {@link ReorderBuffer.migrate}, once the near elements are in their slots: rebuilds the general structure
   * with only its ids beyond the ring (with their arrival numbers, so equal ids keep their order).
   */
  private keepFar(expected: number): void {
    const far = this.sMask * this.step;
    const n = this.hSize + this.rSize;
    const keptIds: I[] = [];
    const keptVals: T[] = [];
    const keptSeqs: number[] = [];
    for (let i = 0; i < n; i++) {
      const id = this.generalId(i);
      if ((id as number) - expected > far) {
        keptIds.push(id);
        keptVals.push(this.generalValue(i));
        keptSeqs.push(i < this.hSize ? this.hSeqs[i] : this.rSeqs[(this.rHead + i - this.hSize) & this.rMask]);
      }
    }
    for (let i = 0; i < this.hSize; i++) this.hVals[i] = undefined as T; // let them be collected
    for (let i = 0; i < this.rSize; i++) this.rVals[(this.rHead + i) & this.rMask] = undefined as T;
    this.hSize = 0;
    this.rSize = 0;
    this.rHead = 0;
    for (let i = 0; i < keptIds.length; i++) {
      if (!this.insertInRun(keptIds[i], keptVals[i], keptSeqs[i])) this.pushHeap(keptIds[i], keptVals[i], keptSeqs[i]);
    }
  }

  /** The id of the general structure's `i`-th element (heap first, then run; in no particular order). */
  private generalId(i: number): I {
    return i < this.hSize ? this.hIds[i] : this.rIds[(this.rHead + i - this.hSize) & this.rMask];
  }

  private generalValue(i: number): T {
    return i < this.hSize ? this.hVals[i] : this.rVals[(this.rHead + i - this.hSize) & this.rMask];
  }

  /**
   * {@link ReorderBuffer.migrate}'s second pass (every id fits the ring): puts each element in its slot, or,
   * at the first slot already taken (a duplicate id), empties the slots again and returns false.
   */
  private placeAll(expected: number): boolean {
    const vals = this.sVals;
    const step = this.step;
    const far = this.sMask * step;
    const n = this.hSize + this.rSize;
    for (let i = 0; i < n; i++) {
      const id = this.generalId(i) as number;
      if (id - expected > far) continue;
      const at = (id - expected) / step;
      if (vals[at] !== EMPTY) {
        for (let j = 0; j < i; j++) {
          const placed = this.generalId(j) as number;
          if (placed - expected <= far) vals[(placed - expected) / step] = EMPTY;
        }
        return false;
      }
      vals[at] = this.generalValue(i);
    }
    return true;
  }

  /**
   * Puts an early element (id above the expected one) in its slot, or, beyond the ring, in the general
   * structure (after every slot's id); else (off the step grid, or a duplicate) leaves slot mode and
   * returns false.
   */
  private slotInsert(id: number, value: T): boolean {
    const expected = this.expectedId as number;
    const k = (id - expected) / this.step;
    if ((k | 0) === k && k >= 1 && k <= this.sMask) {
      const at = (this.sHead + k) & this.sMask;
      if (this.sVals[at] === EMPTY) {
        this.sVals[at] = value;
        this.sSize++;
        return true;
      }
    } else if (id - expected > this.sMask * this.step) {
      const seq = this.seq++;
      if (!this.insertInRun(id as I, value, seq)) this.pushHeap(id as I, value, seq);
      const limit = id - this.sMask * this.step;
      if (limit < this.slotLimit[0]) this.slotLimit[0] = limit;
      return true;
    }
    this.leaveSlots(expected);
    return false;
  }

  /**
   * Moves the buffered elements from the slots to the general structure (slot `sHead` standing for
   * `base`), in id order, and makes the fast path ready again: a later migration may return to the slots,
   * soon if this stay in slot mode was long, after a longer backoff if it was short.
   */
  private leaveSlots(base: number): void {
    this.slotState = SLOTS_READY;
    const passed = (base - this.slotsSince[0]) / this.step;
    this.migrateWait =
      passed >= LONG_STAY_PER_ELEMENT * this.sSize + MIGRATE_FIRST ? MIGRATE_FIRST : Math.min(2 * this.migrateWait, this.migrateCap);
    this.migrateIn = this.migrateWait;
    const vals = this.sVals;
    const mask = this.sMask;
    const step = this.step;
    let left = this.sSize;
    this.sSize = 0;
    for (let k = 0; left !== 0 && k <= mask; k++) {
      const at = (this.sHead + k) & mask;
      const value = vals[at];
      if (value === EMPTY) continue;
      vals[at] = EMPTY as T;
      left--;
      const id = (base + k * step) as I;
      const seq = this.seq++;
      if (!this.insertInRun(id, value, seq)) this.pushHeap(id, value, seq);
    }
  }

  /**
   * {@link ReorderBuffer.skipGap} in slot mode (something is buffered). The scan starts at the head itself:
   * an `onGap` hook that re-enters finds the expected id's slot occupied (the element about to be released),
   * and then there is no gap to give up on, only the run to release.
   */
  private skipSlotGap(reason: GapReason): void {
    if (this.sSize === 0) {
      // only ids beyond the ring are buffered: the general structure gives up on the gap before them
      this.leaveSlots(this.expectedId as number);
      return this.skipGap(reason);
    }
    const vals = this.sVals;
    const mask = this.sMask;
    let k = 0;
    while (vals[(this.sHead + k) & mask] === EMPTY) k++;
    if (k === 0) return this.releaseSlots();
    const from = this.expectedId as number;
    const smallest = from + k * this.step;
    this.expectedId = smallest as I;
    this.sHead = (this.sHead + k) & mask;
    if (smallest > Number.MAX_SAFE_INTEGER - this.slotSpan) {
      this.leaveSlots(smallest);
      this.slotsOff();
    } else if (this.hSize + this.rSize !== 0) this.pullFar();
    this.onGap?.(from as I, smallest as I, reason);
    this.releaseRun();
  }

  /** {@link ReorderBuffer.releaseRun} in slot mode: no buffered id is below the expected one. */
  private releaseSlots(): void {
    const epoch = this.epoch;
    while (this.slotState === SLOTS_ACTIVE) {
      const vals = this.sVals;
      const at = this.sHead;
      const value = vals[at];
      if (value === EMPTY) return;
      vals[at] = EMPTY;
      this.sSize--;
      this.advance(this.expectedId);
      this.output.next(value);
      if (epoch !== this.epoch) return; // cleared during the emission (teardown)
    }
    this.releaseRun(); // slot mode was left during the run: go on with the general structure
  }

  /** Whether the run's head comes before the heap's top (both non-empty). */
  private runFirst(): boolean {
    return this.after(this.hIds[0], this.hSeqs[0], this.rIds[this.rHead], this.rSeqs[this.rHead]);
  }

  /** Whether the element (`a`, `aSeq`) leaves after (`b`, `bSeq`): a greater id, or an equal id that arrived later. */
  private after(a: I, aSeq: number, b: I, bSeq: number): boolean {
    if (this.natural) return lt(b, a) || (a === b && aSeq > bSeq);
    const c = this.compare(a, b);
    return c > 0 || (c === 0 && aSeq > bSeq);
  }

  /** Whether id `a` sorts before id `b`. */
  private before(a: I, b: I): boolean {
    return this.natural ? lt(a, b) : this.compare(a, b) < 0;
  }

  private insert(id: I, value: T, now: number): void {
    const seq = this.seq++;
    if (this.waiting !== null) {
      this.waiting.add(seq);
      this.arrivalSeqs!.push(seq);
      this.arrivalTimes!.push(now);
      this.compactArrivals();
    }
    if (!this.insertInRun(id, value, seq)) this.pushHeap(id, value, seq);
  }

  /** Inserts into the sorted run if the element belongs within RUN_REACH places of its tail. */
  private insertInRun(id: I, value: T, seq: number): boolean {
    const size = this.rSize;
    if (size > this.rMask) this.growRun();
    const mask = this.rMask;
    const ids = this.rIds;
    let at = (this.rHead + size) & mask; // the free slot after the tail
    if (size !== 0 && this.before(id, ids[(at - 1) & mask])) {
      // not at the tail: give up at once if it sorts before the element RUN_REACH places back
      if (size > RUN_REACH && this.before(id, ids[(at - RUN_REACH - 1) & mask])) return false;
      const vals = this.rVals;
      const seqs = this.rSeqs;
      let moved = 0;
      do {
        const prev = (at - 1) & mask;
        ids[at] = ids[prev];
        vals[at] = vals[prev];
        seqs[at] = seqs[prev];
        at = prev;
        moved++;
      } while (moved < size && this.before(id, ids[(at - 1) & mask]));
    }
    ids[at] = id;
    this.rVals[at] = value;
    this.rSeqs[at] = seq;
    this.rSize = size + 1;
    return true;
  }

  private growRun(): void {
    const capacity = (this.rMask + 1) * 2;
    const ids = packedIds(capacity, this.idFill);
    const vals = packed<T>(capacity, undefined as T);
    const seqs = zeros(capacity);
    for (let i = 0; i < this.rSize; i++) {
      const from = (this.rHead + i) & this.rMask;
      ids[i] = this.rIds[from];
      vals[i] = this.rVals[from];
      seqs[i] = this.rSeqs[from];
    }
    this.rIds = ids;
    this.rVals = vals;
    this.rSeqs = seqs;
    this.rHead = 0;
    this.rMask = capacity - 1;
  }

  /** Heap insert: sift up (smaller id first, equal ids by arrival). */
  private pushHeap(id: I, value: T, seq: number): void {
    const ids = this.hIds;
    const vals = this.hVals;
    const seqs = this.hSeqs;
    let i = this.hSize++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.after(id, seq, ids[parent], seqs[parent])) break;
      ids[i] = ids[parent];
      vals[i] = vals[parent];
      seqs[i] = seqs[parent];
      i = parent;
    }
    ids[i] = id;
    vals[i] = value;
    seqs[i] = seq;
  }

  /**
   * Heap removal of the top, bottom-up: the hole sinks along the smaller children to a leaf (one
   * comparison per level), then the last element rises from there (usually not at all).
   */
  private popHeap(): T {
    const ids = this.hIds;
    const vals = this.hVals;
    const seqs = this.hSeqs;
    const top = vals[0];
    if (this.waiting !== null) this.waiting.delete(seqs[0]);
    const n = --this.hSize;
    const lastId = ids[n];
    const lastVal = vals[n];
    const lastSeq = seqs[n];
    if (!this.natural) ids[n] = undefined as I; // let them be collected (natural ids are primitives)
    vals[n] = undefined as T;
    if (n === 0) return top;
    let i = 0;
    for (;;) {
      let child = 2 * i + 1;
      if (child >= n) break;
      if (child + 1 < n && this.after(ids[child], seqs[child], ids[child + 1], seqs[child + 1])) child++;
      ids[i] = ids[child];
      vals[i] = vals[child];
      seqs[i] = seqs[child];
      i = child;
    }
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.after(lastId, lastSeq, ids[parent], seqs[parent])) break;
      ids[i] = ids[parent];
      vals[i] = vals[parent];
      seqs[i] = seqs[parent];
      i = parent;
    }
    ids[i] = lastId;
    vals[i] = lastVal;
    seqs[i] = lastSeq;
    return top;
  }

  /** The arrival number of the longest-waiting buffered element (dropping those that left). */
  private oldestWaiting(): number | undefined {
    const waiting = this.waiting;
    if (waiting === null) return undefined;
    const seqs = this.arrivalSeqs as Queue<number>;
    const times = this.arrivalTimes as Queue<number>;
    let oldest: number | undefined;
    while ((oldest = seqs.peek()) !== undefined && !waiting.has(oldest)) {
      seqs.shift();
      times.shift();
    }
    return oldest;
  }

  /**
   * Keeps the arrival queue within a constant factor of the buffer: entries that left are dropped lazily
   * from its front, and the whole queue is rebuilt when it has grown past twice the buffer (amortised O(1)).
   */
  private compactArrivals(): void {
    const seqs = this.arrivalSeqs as Queue<number>;
    if (seqs.size <= 2 * this.waiting!.size + 32) return;
    const times = this.arrivalTimes as Queue<number>;
    const keptSeqs: number[] = [];
    const keptTimes: number[] = [];
    for (let i = 0; i < seqs.size; i++) {
      const seq = seqs.at(i)!;
      if (this.waiting!.has(seq)) {
        keptSeqs.push(seq);
        keptTimes.push(times.at(i)!);
      }
    }
    seqs.clear();
    times.clear();
    for (let i = 0; i < keptSeqs.length; i++) {
      seqs.push(keptSeqs[i]);
      times.push(keptTimes[i]);
    }
  }
}

/** Whether `id` sits on the step grid, 1 to `mask` steps after `expected`. */
function onGrid(id: number, expected: number, step: number, mask: number): boolean {
  const k = (id - expected) / step;
  return (k | 0) === k && k >= 1 && k <= mask;
}

/** The natural order's `<` (numbers, bigints or strings of one type, checked by the caller). */
function lt(a: unknown, b: unknown): boolean {
  return (a as number) < (b as number);
}

/** The error for a `nextId` that does not move forward (kept out of the hot path so it stays small). */
function notAfter(id: unknown, next: unknown): never {
  throw new RangeError(
    `boundedOrdering: nextId must return an id after its argument, but nextId(${describeValue(id)}) returned ${describeValue(next)}`,
  );
}

/** The error for an id of the wrong type under the natural order (out of the hot path). */
function wrongId(type: string, from: 'getId' | 'nextId', id: unknown, previous?: unknown): never {
  const expected = `${type === 'number' ? 'a number (not NaN)' : `a ${type}`} like initialId`;
  throw new TypeError(
    from === 'getId'
      ? `boundedOrdering: getId returned ${describeValue(id)}, but ids must be ${expected}; pass compare to order other ids`
      : `boundedOrdering: nextId(${describeValue(previous)}) returned ${describeValue(id)}, but ids must be ${expected}`,
  );
}

/** An array of `length` copies of `fill`, built by appending so V8 keeps it packed (no holes to check). */
function packed<V>(length: number, fill: V): V[] {
  const array: V[] = [];
  for (let i = 0; i < length; i++) array.push(fill);
  return array;
}

/**
 * {@link packed} for ids, and {@link zeros} for arrival numbers: separate array literals, because V8
 * tracks elements kinds per literal, and one literal shared with the values would make every array of it
 * generic.
 */
function packedIds<I>(length: number, fill: I): I[] {
  const array: I[] = [];
  for (let i = 0; i < length; i++) array.push(fill);
  return array;
}

function zeros(length: number): number[] {
  const array: number[] = [];
  for (let i = 0; i < length; i++) array.push(0);
  return array;
}
