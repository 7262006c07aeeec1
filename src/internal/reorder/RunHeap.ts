import type { ArrivalClock } from './ArrivalClock.js';
import { packed, packedIds, zeros } from './arrays.js';

/** How far back from its tail the sorted run is searched before an element goes to the heap. */
const RUN_REACH = 16;

/**
 * The general storage of the reorder buffer: buffered elements ordered by id under the user's order (equal
 * ids by arrival number), for any id type. A binary min-heap, fronted by a short sorted run: an element
 * that sorts within {@link RUN_REACH} places of the run's tail is inserted there (nearly sorted input, the
 * common case: O(1) to insert and to remove, no sift); any other goes to the heap (O(log size)). The
 * smallest element is the smaller of the run's head and the heap's top. Both live in parallel arrays, so
 * buffering allocates nothing per element.
 * @internal
 */
export class RunHeap<T, I> {
  /** Elements held. */
  size = 0;
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
  /** Where the element {@link RunHeap.peek} found is: the run's head (else the heap's top). */
  private fromRun = false;

  /**
   * @param natural - ids are numbers, bigints or strings of one type: compared inline with `<` and `===`
   *   (`compare` is not called), and free run slots hold `idFill` (so an array of small integer ids stays
   *   one, with no write barrier); otherwise free slots hold `undefined` (nothing kept alive).
   * @param clock - told when an element leaves (`maxWait` only).
   */
  constructor(
    private readonly natural: boolean,
    private readonly compare: (a: I, b: I) => number,
    private readonly idFill: I,
    private readonly clock: ArrivalClock | null,
  ) {
    this.rIds = packedIds(16, idFill);
  }

  /** The smallest id (the structure is not empty); {@link RunHeap.take} then removes that element. */
  peek(): I {
    const fromRun = this.rSize !== 0 && (this.hSize === 0 || this.runFirst());
    this.fromRun = fromRun;
    return fromRun ? this.rIds[this.rHead] : this.hIds[0];
  }

  /** Removes the element the last {@link RunHeap.peek} found, and returns its value. */
  take(): T {
    this.size--;
    return this.fromRun ? this.shiftRun() : this.popHeap();
  }

  /** Adds an element (`seq`: its arrival number, which orders equal ids). */
  insert(id: I, value: T, seq: number): void {
    if (!this.insertInRun(id, value, seq)) this.pushHeap(id, value, seq);
    this.size++;
  }

  // The elements by position, in no particular order (for moving them elsewhere and for inspection).
  idAt(i: number): I {
    return i < this.hSize ? this.hIds[i] : this.rIds[(this.rHead + i - this.hSize) & this.rMask];
  }

  valueAt(i: number): T {
    return i < this.hSize ? this.hVals[i] : this.rVals[(this.rHead + i - this.hSize) & this.rMask];
  }

  seqAt(i: number): number {
    return i < this.hSize ? this.hSeqs[i] : this.rSeqs[(this.rHead + i - this.hSize) & this.rMask];
  }

  /** Forgets every element, keeping the run's storage (its values are released). */
  empty(): void {
    for (let i = 0; i < this.hSize; i++) this.hVals[i] = undefined as T; // let them be collected
    for (let i = 0; i < this.rSize; i++) this.rVals[(this.rHead + i) & this.rMask] = undefined as T;
    this.hSize = 0;
    this.rSize = 0;
    this.rHead = 0;
    this.size = 0;
  }

  /** Forgets every element and the storage (teardown). */
  clear(): void {
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
    this.size = 0;
  }

  /** Removes the run's head (the run is not empty) and returns its value. */
  private shiftRun(): T {
    const head = this.rHead;
    const value = this.rVals[head];
    if (this.clock !== null) this.clock.left(this.rSeqs[head]);
    this.rVals[head] = undefined as T; // let it be collected
    if (!this.natural) this.rIds[head] = undefined as I; // (natural ids are primitives: nothing to free)
    this.rHead = (head + 1) & this.rMask;
    this.rSize--;
    return value;
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
    if (this.clock !== null) this.clock.left(seqs[0]);
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
}

/** The natural order's `<` (numbers, bigints or strings of one type, checked by the caller). */
export function lt(a: unknown, b: unknown): boolean {
  return (a as number) < (b as number);
}
