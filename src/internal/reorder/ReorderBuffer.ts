import { describeValue } from '../validate.js';
import { ArrivalClock } from './ArrivalClock.js';
import { lt as ltImported, RunHeap } from './RunHeap.js';
import { EMPTY as EMPTY_SLOT, packed } from './arrays.js';
import { countNear, drainSlots, MigrationBackoff, placeNear } from './slotMigration.js';

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

/**
 * Module-local copies of the imports the per-element path reads: compiled to CommonJS, each use of an import
 * is a property load on the other module's exports object; a local constant is not (measured: with these
 * two read through the imports, 952 instead of 914 instructions per element on the local-shuffle bench).
 */
const EMPTY: never = EMPTY_SLOT;
const lt = ltImported;

/** Most slots of the ring (memory bound). */
const MAX_SLOTS = 1 << 16;

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
 * Storage: the general structure ({@link RunHeap}: a sorted run plus a binary heap, any id type), the
 * arithmetic fast path's ring of slots (below) and, with `maxWait`, the arrival times
 * ({@link ArrivalClock}). This class holds the rules and the ring: the ring's fields live on this object
 * and its per-element path (offer, slot store, release of a run) is written here, because holding the
 * ring in a separate object (or inheriting it) cost 5 % more instructions per element. The ring's cold
 * moves (leaving slot mode, migrating back, the backoff between attempts) are in `slotMigration.ts`.
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
  private readonly general: RunHeap<T, I>;
  /** `maxWait` only. */
  private readonly clock: ArrivalClock | null;

  private expectedId: I;
  /** Arrival number of the next buffered element: orders equal ids, identifies elements for maxWait. */
  private seq = 0;
  /** Bumped by {@link ReorderBuffer.clear}, so a loop interrupted by a teardown in `output.next` stops. */
  private epoch = 0;

  private readonly maxBounded: number;
  private readonly nextId: (id: I) => I;
  private readonly getId: (value: T) => I;
  private readonly compare: (a: I, b: I) => number;
  private readonly idType: 'number' | 'bigint' | 'string' | undefined;
  /** `idType` is set: ids are compared inline with `<` and `===` instead of calling `compare`. */
  private readonly natural: boolean;
  private readonly output: { next(value: T): void };
  private readonly onGap: ((from: I, to: I, reason: GapReason) => void) | undefined;
  private readonly onLate: ((value: T, id: I, expected: I) => void) | undefined;

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
  /** While ready: when to try moving the general structure's elements back to the slots. */
  private readonly backoff = new MigrationBackoff();

  constructor(config: ReorderBufferConfig<T, I>) {
    this.maxBounded = config.maxBounded;
    this.expectedId = config.initialId;
    this.nextId = config.nextId;
    this.getId = config.getId;
    this.compare = config.compare;
    this.idType = config.idType;
    this.natural = config.idType !== undefined;
    this.output = config.output;
    this.onGap = config.onGap;
    this.onLate = config.onLate;
    const timed = config.maxWait !== undefined && config.maxWait !== Infinity;
    this.clock = timed ? new ArrivalClock(config.maxWait!) : null;
    // free run slots hold `initialId` under the natural order (primitives), `undefined` otherwise
    this.general = new RunHeap<T, I>(this.natural, this.compare, this.natural ? config.initialId : (undefined as I), this.clock);
    this.slotState = config.idType === 'number' && !timed && Number.isSafeInteger(config.initialId) ? SLOTS_LEARNING : SLOTS_OFF;
  }

  /** The id the next in-order element must have. */
  get expected(): I {
    return this.expectedId;
  }

  /** Elements buffered now. */
  get size(): number {
    return this.general.size + this.sSize;
  }

  /**
   * The arrival list behind `maxWait` (its `size` counts entries, including those left and not yet
   * dropped), `null` without `maxWait`: read by the model tests, which check it stays proportional to the buffer.
   */
  get arrivalSeqs(): { readonly size: number } | null {
    return this.clock === null ? null : this.clock.entries;
  }

  /** The buffered elements in the order they would leave (for inspection and tests; O(n log n)). */
  toArray(): T[] {
    const all: { id: I; value: T; seq: number }[] = [];
    const general = this.general;
    for (let i = 0; i < general.size; i++) all.push({ id: general.idAt(i), value: general.valueAt(i), seq: general.seqAt(i) });
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
          if (++this.sSize + this.general.size > this.maxBounded) this.skipGap('overflow');
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
    return this.clock === null ? undefined : this.clock.deadline();
  }

  /**
   * Releases every element that has waited `maxWait` by `now`, giving up on the gaps before them (as on
   * overflow: jump to the smallest buffered id, release its run, repeat until the element is out).
   */
  expire(now: number): void {
    const clock = this.clock;
    if (clock === null) return;
    let oldest: number | undefined;
    while ((oldest = clock.oldest()) !== undefined) {
      if (clock.deadline()! > now) return;
      while (clock.has(oldest) && this.general.size !== 0) this.skipGap('maxWait');
    }
  }

  /** Releases everything buffered, in id order, giving up on the gaps between (source completed). */
  flush(): void {
    while (this.general.size + this.sSize !== 0) this.skipGap('complete');
  }

  /** Forgets every buffered element (teardown). */
  clear(): void {
    this.epoch++;
    this.general.clear();
    if (this.sSize !== 0) {
      this.sVals = packed<T>(this.sMask + 1, EMPTY);
      this.sSize = 0;
    }
    this.clock?.clear();
  }

  private matched(id: I, value: T): void {
    this.advance(id);
    this.output.next(value);
    if (this.general.size + this.sSize !== 0) this.releaseRun();
  }

  private late(value: T, id: I, expected: I): void {
    if (this.onLate !== undefined) this.onLate(value, id, expected);
    this.output.next(value);
  }

  private early(id: I, value: T, now: number): void {
    if (this.slotState >= SLOTS_READY) {
      if (this.slotState === SLOTS_ACTIVE || (this.general.size === 0 && this.activateSlots())) {
        if (this.slotInsert(id as number, value)) {
          if (this.general.size + this.sSize > this.maxBounded) this.skipGap('overflow');
          return;
        }
      }
    }
    const seq = this.seq++;
    if (this.clock !== null) this.clock.arrived(seq, now);
    this.general.insert(id, value, seq);
    if (this.slotState === SLOTS_READY && this.backoff.due()) this.migrate();
    if (this.general.size + this.sSize > this.maxBounded) this.skipGap('overflow');
  }

  /** Gives up on the ids below the smallest buffered one, then releases the run that starts there. */
  private skipGap(reason: GapReason): void {
    if (this.slotState === SLOTS_ACTIVE) return this.skipSlotGap(reason);
    const smallest = this.general.peek();
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
    const general = this.general;
    for (;;) {
      // (re-read on every turn: an offer made during an emission may have moved everything to the slots)
      if (this.slotState === SLOTS_ACTIVE) return this.releaseSlots();
      if (general.size === 0) return;
      const id = general.peek();
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
      const value = general.take();
      if (inOrder) this.advance(id);
      else if (this.onLate !== undefined) this.onLate(value, id, expected);
      this.output.next(value);
      if (epoch !== this.epoch) return; // cleared during the emission (teardown)
    }
  }

  private advance(id: I): void {
    const next = this.nextId(id);
    // slot mode, verified: the step holds (then `next` is a number after `id`), the ring stays clear of
    // the general structure's ids and of the unsafe range, and the slot of `id` is empty (an element equal
    // to the expected id can only be there when an `onGap` hook re-entered with a duplicate; the general
    // structure then releases it as late)
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
          this.backoff.configure(this.maxBounded);
          if (this.general.size === 0) this.activateSlots(next);
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

  /** Whether slot mode may hold ids from `expected` on. */
  private slotsAllow(expected: number): boolean {
    return Number.isSafeInteger(expected) && expected <= Number.MAX_SAFE_INTEGER - this.slotSpan;
  }

  /** Switches to slot mode (the general structure is empty), if the expected id allows it. */
  private activateSlots(expected = this.expectedId as number): boolean {
    if (!this.slotsAllow(expected)) {
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
    if (this.general.size !== 0) {
      const far = (this.general.peek() as number) - this.sMask * this.step;
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
    const general = this.general;
    while (general.size !== 0) {
      const id = general.peek() as number;
      if (id - expected > mask * step) break; // still beyond the ring (and so is the rest)
      const k = (id - expected) / step;
      const at = (this.sHead + k) & mask;
      if ((k | 0) !== k || k < 1 || this.sVals[at] !== EMPTY) return this.leaveSlots(expected);
      this.sVals[at] = general.take();
      this.sSize++;
    }
    this.setSlotLimit();
  }

  /**
   * While ready: moves the general structure's elements that the ring covers to the slots, if every one
   * of them sits on the step grid (1 to `sMask` steps ahead of the expected id) with no two on one id;
   * those beyond the ring stay. Otherwise backs off. O(size) per attempt.
   */
  private migrate(): void {
    const expected = this.expectedId as number;
    const near = this.slotsAllow(expected) ? countNear(this.general, expected, this.step, this.sMask) : -1;
    if (near >= 0 && this.sVals.length === 0) this.sVals = packed<T>(this.sMask + 1, EMPTY);
    if (near < 0 || !placeNear(this.general, this.sVals, expected, this.step, this.sMask)) return this.backoff.failed();
    this.sSize = near;
    this.sHead = 0;
    this.slotState = SLOTS_ACTIVE;
    this.slotsSince[0] = expected;
    this.setSlotLimit();
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
      this.general.insert(id as I, value, this.seq++);
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
    this.backoff.stayed((base - this.slotsSince[0]) / this.step, this.sSize);
    const size = this.sSize;
    this.sSize = 0;
    this.seq = drainSlots(this.sVals, this.sHead, this.sMask, size, base, this.step, this.general, this.seq);
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
    } else if (this.general.size !== 0) this.pullFar();
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
      // `advance`, written out: the head slot was just emptied, so only the step and the limit are checked
      const id = this.expectedId;
      const next = this.nextId(id);
      if ((next as number) === (id as number) + this.step && (next as number) < this.slotLimit[0]) {
        this.expectedId = next;
        this.sHead = (at + 1) & this.sMask;
      } else this.checkedAdvance(id, next);
      this.output.next(value);
      if (epoch !== this.epoch) return; // cleared during the emission (teardown)
    }
    this.releaseRun(); // slot mode was left during the run: go on with the general structure
  }
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
