import { BatchResultCountError } from '../../errors.js';
import type { BatchSettlement } from '../../types.js';
import type { Teardown } from '../operate.js';
import { Queue } from '../Queue.js';
import { Work } from '../Work.js';
import { OrderWindow } from './OrderWindow.js';

/** A scheduled maxWait timer: what the table cancels when a lane flushes or on teardown. */
export interface Cancellable {
  unsubscribe(): void;
}

/** One message's outcome, as `batchByLane` emits it. */
export type Settlement<T, K, R> = BatchSettlement<T, K, R>;

/**
 * Where a running batch reports its handler's outcome (the operator's run): the results, or a failure
 * that fails the output.
 */
export interface BatchOwner<T, K, R> {
  onResults(batch: LaneBatch<T, K, R>, results: unknown): void;
  /** The handler's Observable completed without a value. */
  onNoResults(batch: LaneBatch<T, K, R>): void;
  fail(error: unknown): void;
}

/** Batch states: collecting messages in its lane, handed to the handler, results in. */
const BUFFERED = 0;
const RUNNING = 1;
const SETTLED = 2;

/**
 * Most message slots a new batch reserves ahead. Bounds what a lane that never fills costs (at most this
 * many empty slots, 1 kB) when batches of other lanes leave full.
 */
const MAX_RESERVED = 128;

/**
 * A batch: up to `size` consecutive messages of one lane. It is formed while messages arrive (the lane's
 * newest batch takes messages until it is full), handed to the handler whole, then settled positionally.
 * It doubles as the handler's context (`signal`) and as the observer of what the handler returned
 * ({@link Work}), so a batch costs one object and one array.
 * @internal
 */
export class LaneBatch<T, K, R> extends Work<readonly R[]> {
  /**
   * The messages, in arrival order: `values[0…count)`. While the batch is buffered the array may be longer
   * (slots reserved ahead, see {@link LaneTable.push}); it is cut to `count` when the batch is taken, and
   * never changes afterwards.
   */
  readonly values: T[];
  /** Number of messages in the batch. */
  count = 0;
  state = BUFFERED;
  results: readonly R[] | null = null;
  /** How many of this batch's settlements have been handed out. */
  emitted = 0;
  /** Its slot in the ordered output's {@link OrderWindow}; -1 when it holds none. */
  slot = -1;
  /** The lane's next batch (a lane's buffered batches form a linked list). */
  following: LaneBatch<T, K, R> | null = null;

  constructor(
    readonly lane: Lane<T, K, R>,
    /** Arrival number of the batch's first message (the "oldest buffered message" order). */
    readonly seq: number,
    private readonly owner: BatchOwner<T, K, R>,
    /** Slots to reserve for messages (0: the array grows as they arrive). */
    capacity: number,
  ) {
    super();
    this.values = capacity === 0 ? [] : new Array<T>(capacity);
  }

  get key(): K {
    return this.lane.key;
  }

  /** The handler's results: a synchronous array, a PromiseLike's value, or an Observable's first value. */
  next(results: readonly R[]): void {
    if (this.cancelled) return;
    this.settled = true;
    this.release(); // an Observable's first array is the answer: its teardown runs before the results are used
    this.owner.onResults(this, results);
  }

  error(error: unknown): void {
    if (this.cancelled) return;
    this.settled = true;
    this.owner.fail(error);
  }

  /** Reached only when the handler's Observable completed before its first array (the first one unsubscribes it). */
  complete(): void {
    if (this.cancelled) return;
    this.settled = true;
    this.owner.onNoResults(this);
  }

  resolve(results: readonly R[]): void {
    this.next(results);
  }
}

/**
 * One key's state: its buffered batches (oldest first), whether a batch of it is running, whether it is
 * queued to run, whether its head batch is due (maxWait passed, or picked by the no-stall rule), and its
 * maxWait timer. Exists only while the lane has a buffered or running batch.
 * @internal
 */
export class Lane<T, K, R> {
  head: LaneBatch<T, K, R> | null = null;
  tail: LaneBatch<T, K, R> | null = null;
  busy = false;
  queued = false;
  due = false;
  timer: Cancellable | null = null;

  constructor(readonly key: K) {}
}

/** Settings of a {@link LaneTable}. @internal */
export interface LaneTableOptions<T, K, R> {
  /** Names the operator in errors. */
  operator: string;
  /** Most messages per batch; a lane whose head batch holds `size` messages is ready. */
  size: number;
  /** Most batches running at once. */
  concurrency: number;
  /** `true`: settlements come out in arrival order; `false`: per batch, as batches settle. */
  ordered: boolean;
  /** Keep the arrival order of buffered batches so {@link LaneTable.stall} can find the oldest one. */
  trackAge: boolean;
  /**
   * Starts a lane's maxWait timer; the owner calls {@link LaneTable.expire} when it fires. Called when a
   * message enters an empty lane buffer, and again after a flush that left messages behind. Omitted when
   * there is no maxWait.
   */
  arm?: (lane: Lane<T, K, R>) => Cancellable;
  /** Receives each running batch's outcome (see {@link LaneBatch}). */
  owner: BatchOwner<T, K, R>;
}

/**
 * The lane engine of `batchByLane`: per-key buffers cut into batches of at most `size`, at most one
 * running batch per lane, at most `concurrency` running batches overall, lanes queued to run in the order
 * they became ready, and settlements handed out in arrival order (or per batch, unordered).
 *
 * A plain data structure (its batches are {@link Work} the owner runs). The owner feeds messages with {@link push}, reports timers
 * with {@link expire} and the end of input with {@link finishInput}, starts what {@link nextBatch} hands
 * out, reports results with {@link settle}, and emits what {@link takeOutput} hands out. When the owner's
 * in-flight window is full and nothing can move, {@link stall} flushes the lane holding the oldest buffered
 * message. A lane's entry is deleted as soon as it has nothing buffered and nothing running.
 * @internal
 */
export class LaneTable<T, K, R> {
  private readonly lanes = new Map<K, Lane<T, K, R>>();
  /** Lanes ready to run (not busy), waiting for a free slot, in the order they became ready. */
  private readonly ready = new Queue<Lane<T, K, R>>();
  /** Ordered mode: one entry per unemitted message, in arrival order, naming its batch (a slot number). */
  private readonly window: OrderWindow<LaneBatch<T, K, R>> | null;
  /** Unordered mode: settled batches with settlements still to hand out. */
  private readonly done: Queue<LaneBatch<T, K, R>> | null;
  /** Batches in creation (= first-message arrival) order; entries no longer buffered are skipped. */
  private age: Queue<LaneBatch<T, K, R>> | null;
  private readonly runningBatches = new Set<LaneBatch<T, K, R>>();
  private bufferedBatches = 0;
  /** Slots a new batch reserves: `min(size, MAX_RESERVED)` after a full batch left, 0 after a partial one. */
  private reserve = 0;
  private seq = 0;
  private finished = false;

  private readonly operator: string;
  private readonly size: number;
  private readonly concurrency: number;
  private readonly arm: ((lane: Lane<T, K, R>) => Cancellable) | undefined;
  private readonly owner: BatchOwner<T, K, R>;

  constructor(options: LaneTableOptions<T, K, R>) {
    this.owner = options.owner;
    this.operator = options.operator;
    this.size = options.size;
    this.concurrency = options.concurrency;
    this.arm = options.arm;
    this.window = options.ordered ? new OrderWindow() : null;
    this.done = options.ordered ? null : new Queue();
    this.age = options.trackAge ? new Queue() : null;
  }

  /** Number of lanes with buffered or running messages (the per-key state that exists now). */
  get laneCount(): number {
    return this.lanes.size;
  }

  /** Number of batches running. */
  get running(): number {
    return this.runningBatches.size;
  }

  /** `true` once {@link finishInput} was called. */
  get inputDone(): boolean {
    return this.finished;
  }

  /**
   * Buffers a message in lane `key`. Returns `true` when this made a lane ready to run (the owner should
   * then try {@link nextBatch}).
   */
  push(value: T, key: K): boolean {
    let lane = this.lanes.get(key);
    if (lane === undefined) {
      lane = new Lane<T, K, R>(key);
      this.lanes.set(key, lane);
    }
    let batch = lane.tail;
    if (batch === null || batch.count >= this.size) {
      batch = new LaneBatch<T, K, R>(lane, this.seq, this.owner, this.reserve);
      this.bufferedBatches++;
      if (lane.tail === null) {
        lane.head = lane.tail = batch;
        // The first message into an empty lane buffer starts the lane's maxWait timer.
        if (this.arm !== undefined && !this.finished) lane.timer = this.arm(lane);
      } else {
        lane.tail = lane.tail.following = batch;
      }
      if (this.age !== null) this.trackAge(batch);
      this.window?.register(batch);
    }
    batch.values[batch.count++] = value;
    this.window?.push(batch);
    this.seq++;
    return this.enqueueIfReady(lane);
  }

  /** Lane `lane`'s maxWait timer fired. Returns `true` when this made it ready to run. */
  expire(lane: Lane<T, K, R>): boolean {
    lane.timer = null;
    if (lane.head === null) return false;
    lane.due = true;
    return this.enqueueIfReady(lane);
  }

  /**
   * No more messages will arrive: every buffered message may flush (partial batches included) and no
   * timer is needed any more. Returns `true` when this made a lane ready.
   */
  finishInput(): boolean {
    if (this.finished) return false;
    this.finished = true;
    let any = false;
    for (const lane of this.lanes.values()) {
      lane.timer?.unsubscribe();
      lane.timer = null;
      if (this.enqueueIfReady(lane)) any = true;
    }
    return any;
  }

  /**
   * The next batch to hand to the handler, if a slot is free and a lane is ready: takes the head batch of
   * the longest-ready lane, marks the lane busy and counts the batch as running. `undefined` otherwise.
   */
  nextBatch(): LaneBatch<T, K, R> | undefined {
    while (this.runningBatches.size < this.concurrency) {
      const lane = this.ready.shift();
      if (lane === undefined) return undefined;
      lane.queued = false;
      if (lane.busy || !this.isReady(lane)) continue; // cannot happen; kept as a guard
      const batch = lane.head as LaneBatch<T, K, R>;
      lane.head = batch.following;
      if (lane.head === null) lane.tail = null;
      batch.following = null;
      // Reserve slots while batches leave full: messages go into place, without the array growing (and
      // being copied) four times on the way to 100. Reserved slots a partial batch leaves unused are cut.
      this.reserve = batch.count >= this.size ? Math.min(this.size, MAX_RESERVED) : 0;
      if (batch.values.length !== batch.count) batch.values.length = batch.count;
      batch.state = RUNNING;
      this.bufferedBatches--;
      this.runningBatches.add(batch);
      lane.busy = true;
      lane.due = false;
      if (lane.timer !== null) {
        lane.timer.unsubscribe();
        lane.timer = null;
      }
      // Messages left behind (they arrived while the lane waited) start a new maxWait period now.
      if (lane.head !== null && this.arm !== undefined && !this.finished) lane.timer = this.arm(lane);
      return batch;
    }
    return undefined;
  }

  /**
   * A running batch's results are in: the result at index i settles message i; messages without a result
   * settle with a {@link BatchResultCountError}; surplus results are ignored (the owner reports them).
   * The lane is free again: it is queued if its next batch is ready, deleted if it has nothing buffered.
   */
  settle(batch: LaneBatch<T, K, R>, results: readonly R[]): void {
    if (batch.state !== RUNNING) throw new Error(`${this.operator}: internal error: settling a batch that is not running`);
    batch.state = SETTLED;
    batch.results = results;
    this.runningBatches.delete(batch);
    const lane = batch.lane;
    lane.busy = false;
    if (lane.head === null) {
      if (this.lanes.get(lane.key) === lane) this.lanes.delete(lane.key);
    } else {
      this.enqueueIfReady(lane);
    }
    this.done?.push(batch);
  }

  /** The next settlement to emit, or `undefined` (ordered: the oldest unemitted message is not settled). */
  takeOutput(): Settlement<T, K, R> | undefined {
    let batch: LaneBatch<T, K, R> | undefined;
    if (this.window !== null) {
      batch = this.window.at(0);
      if (batch === undefined || batch.state !== SETTLED) return undefined;
      this.window.shift();
      if (batch.emitted + 1 === batch.count) this.window.release(batch);
    } else {
      batch = (this.done as Queue<LaneBatch<T, K, R>>).peek();
      if (batch === undefined) return undefined;
      if (batch.emitted + 1 === batch.count) this.done?.shift();
    }
    const index = batch.emitted++;
    const results = batch.results as readonly R[];
    const value = batch.values[index] as T;
    if (index < results.length) return { value, key: batch.lane.key, ok: true, result: results[index] as R };
    return {
      value,
      key: batch.lane.key,
      ok: false,
      error: new BatchResultCountError(this.operator, batch.lane.key, batch.count, results.length, index),
    };
  }

  /**
   * The no-stall rule. When nothing runs and no lane is ready, marks due the lane holding the oldest
   * buffered message (its partial head batch may run). The owner calls this only while its in-flight
   * window is full. Returns `true` when a lane was made ready.
   */
  stall(): boolean {
    if (this.runningBatches.size > 0 || this.ready.size > 0 || this.age === null) return false;
    let oldest: LaneBatch<T, K, R> | undefined;
    while ((oldest = this.age.peek()) !== undefined && oldest.state !== BUFFERED) this.age.shift();
    if (oldest === undefined) return false;
    // The oldest buffered batch is its lane's head: a lane's batches are created in arrival order.
    const lane = oldest.lane;
    lane.due = true;
    return this.enqueueIfReady(lane);
  }

  /** State of one lane (tests and diagnostics). */
  inspect(key: K): { buffered: number; batches: number; busy: boolean; due: boolean; timer: boolean } | undefined {
    const lane = this.lanes.get(key);
    if (lane === undefined) return undefined;
    let buffered = 0;
    let batches = 0;
    for (let b = lane.head; b !== null; b = b.following) {
      buffered += b.count;
      batches++;
    }
    return { buffered, batches, busy: lane.busy, due: lane.due, timer: lane.timer !== null };
  }

  /** The batch the next {@link takeOutput} would take a settlement of (for the monitor). */
  outputBatch(): LaneBatch<T, K, R> | undefined {
    return this.window !== null ? this.window.at(0) : this.done!.peek();
  }

  /** The newest batch of lane `key` (the one a message just pushed went to), for the monitor. */
  tailOf(key: K): LaneBatch<T, K, R> | null {
    return this.lanes.get(key)?.tail ?? null;
  }

  /**
   * Counts messages by place (for the monitor; O(messages held + lanes + running batches)) and visits
   * each lane with its buffered and running message counts and its oldest buffered batch.
   */
  census(visit: (key: K, buffered: number, running: number, head: LaneBatch<T, K, R> | null) => void): {
    held: number;
    running: number;
    waiting: number;
  } {
    let held = 0;
    if (this.window !== null) {
      for (let i = 0, batch; (batch = this.window.at(i)) !== undefined; i++) if (batch.state === SETTLED) held++;
    } else for (const batch of this.done!) held += batch.count - batch.emitted;
    let running = 0;
    const runningOf = new Map<Lane<T, K, R>, number>();
    for (const batch of this.runningBatches) {
      running += batch.count;
      runningOf.set(batch.lane, batch.count);
    }
    let waiting = 0;
    for (const lane of this.lanes.values()) {
      let buffered = 0;
      for (let b = lane.head; b !== null; b = b.following) buffered += b.count;
      waiting += buffered;
      visit(lane.key, buffered, runningOf.get(lane) ?? 0, lane.head);
    }
    return { held, running, waiting };
  }

  /** Teardown: cancels every timer and running batch (each one even if another throws) and forgets everything. */
  dispose(teardown: Teardown): void {
    for (const lane of this.lanes.values()) {
      teardown.unsubscribe(lane.timer);
      lane.timer = null;
    }
    teardown.cancelEach(this.runningBatches);
    this.runningBatches.clear();
    this.lanes.clear();
    this.ready.clear();
    this.window?.clear();
    this.done?.clear();
    this.age?.clear();
    this.bufferedBatches = 0;
  }

  private isReady(lane: Lane<T, K, R>): boolean {
    const head = lane.head;
    return head !== null && (head.count >= this.size || lane.due || this.finished);
  }

  private enqueueIfReady(lane: Lane<T, K, R>): boolean {
    if (lane.busy || lane.queued || !this.isReady(lane)) return false;
    lane.queued = true;
    this.ready.push(lane);
    return true;
  }

  /**
   * Records a new batch in arrival order. Entries of batches that are no longer buffered are dropped
   * lazily; when they outnumber the buffered ones the queue is compacted, so its length stays within
   * twice the number of buffered batches (plus a constant) whatever the traffic.
   */
  private trackAge(batch: LaneBatch<T, K, R>): void {
    const age = this.age as Queue<LaneBatch<T, K, R>>;
    age.push(batch);
    if (age.size <= 2 * this.bufferedBatches + 64) return;
    const kept = new Queue<LaneBatch<T, K, R>>(this.bufferedBatches + 16);
    for (const b of age) if (b.state === BUFFERED) kept.push(b);
    this.age = kept;
  }
}
