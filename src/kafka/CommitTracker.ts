import { checkOutcome, nakDelay, type Outcome } from '../broker/Outcome.js';

/**
 * A receipt for one delivery of one message, returned by {@link CommitTracker.deliver} and handed back
 * to {@link CommitTracker.settle}.
 * @public
 */
export interface OffsetTicket {
  /** The message's topic. */
  readonly topic: string;
  /** The message's partition. */
  readonly partition: number;
  /** The message's offset. */
  readonly offset: number;
  /** The assignment generation of the partition when the message was delivered. */
  readonly generation: number;
  /** 1 for the first delivery of this offset in this generation, 2 after one nak, and so on. */
  readonly attempt: number;
}

/**
 * An offset that may be committed for a partition: every message below it is settled.
 * @public
 */
export interface CommitPoint {
  /** The partition's topic. */
  readonly topic: string;
  /** The partition. */
  readonly partition: number;
  /** The Kafka commit offset: the next offset to read, i.e. one past the settled prefix. */
  readonly offset: number;
  /** The generation it was computed in; {@link CommitTracker.committed} ignores a stale one. */
  readonly generation: number;
}

const RUNNING = 0;
const NAKED = 1;

/** One unsettled offset. Settled offsets are unlinked and forgotten. */
class Entry {
  state: typeof RUNNING | typeof NAKED = RUNNING;
  attempt = 1;
  prev: Entry | null = null;
  next: Entry | null = null;
  linked = true;
  constructor(readonly offset: number) {}
}

/** The state of one topic-partition in one assignment generation. */
class PartitionState {
  /** Unsettled offsets in ascending order (they are delivered in ascending order). */
  head: Entry | null = null;
  tail: Entry | null = null;
  readonly byOffset = new Map<number, Entry>();
  /** One past the highest offset delivered (or declared by `advance`); -1 before the first. */
  readPosition = -1;
  /** The last commit offset recorded with `committed`; -1 when none. */
  committedOffset = -1;
  naks = 0;
  revoked = false;
  /** Offset ranges `[start, end)` at or above the read position known to be finished already (from commit metadata), ascending. */
  finished: (readonly [number, number])[] = [];
  /** Index of the first range of `finished` that may still matter. */
  finishedIndex = 0;

  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly generation: number,
  ) {}

  append(entry: Entry): void {
    entry.prev = this.tail;
    if (this.tail) this.tail.next = entry;
    else this.head = entry;
    this.tail = entry;
    this.byOffset.set(entry.offset, entry);
  }

  unlink(entry: Entry): void {
    if (entry.prev) entry.prev.next = entry.next;
    else this.head = entry.next;
    if (entry.next) entry.next.prev = entry.prev;
    else this.tail = entry.prev;
    entry.prev = entry.next = null;
    entry.linked = false;
    this.byOffset.delete(entry.offset);
  }

  watermark(): number | undefined {
    if (this.head) return this.head.offset;
    return this.readPosition >= 0 ? this.readPosition : undefined;
  }
}

class Ticket implements OffsetTicket {
  constructor(
    readonly state: PartitionState,
    readonly entry: Entry,
    readonly attempt: number,
  ) {}
  get topic(): string {
    return this.state.topic;
  }
  get partition(): number {
    return this.state.partition;
  }
  get offset(): number {
    return this.entry.offset;
  }
  get generation(): number {
    return this.state.generation;
  }
}

function checkOffset(method: string, name: string, value: unknown): asserts value is number {
  if (typeof value !== 'number') {
    throw new TypeError(
      `CommitTracker.${method}: ${name} must be a number, got ${typeof value === 'string' ? JSON.stringify(value) : String(value)}`,
    );
  }
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new RangeError(`CommitTracker.${method}: ${name} must be a safe integer ≥ 0, got ${String(value)}`);
  }
}

function checkTopic(method: string, topic: unknown): asserts topic is string {
  if (typeof topic !== 'string') {
    throw new TypeError(`CommitTracker.${method}: topic must be a string, got ${String(topic)}`);
  }
}

/** Whether `offset` (at or above the read position) lies in one of the partition's finished ranges; moves past spent ranges. */
function isFinished(state: PartitionState, offset: number): boolean {
  const { finished } = state;
  while (state.finishedIndex < finished.length && finished[state.finishedIndex][1] <= offset) state.finishedIndex++;
  return state.finishedIndex < finished.length && finished[state.finishedIndex][0] <= offset;
}

/**
 * Tracks the outcome of every message delivered from offset-based partitions (Kafka semantics) and
 * says which offset may be committed for each partition. A plain data structure, independent of any
 * client library.
 *
 * @remarks
 * **Watermark.** A partition's commit offset is one past the highest offset below which every
 * delivered message is settled (acked or dead-lettered): the lowest unsettled offset, or, when nothing
 * is unsettled, one past the highest offset delivered. A message that is still running or was nak'd
 * holds the watermark: a nak on offset 5 keeps 6..N from being committed even if they finished.
 *
 * **Gaps.** Offsets need not be contiguous (compacted topics, transaction markers): the tracker tracks
 * the offsets it is given and never assumes `offset + 1`. An offset below the read position that was
 * never delivered is a gap and counts as settled. {@link CommitTracker.advance} moves the read position
 * over a gap at the end of a fetch (e.g. a trailing transaction marker) so the commit covers it.
 *
 * **Redelivery.** Delivering an offset again (after the client seeks back) returns a new ticket only
 * for an offset that was nak'd; an offset that is running or settled returns `undefined` (skip it), so
 * seeking back to a nak'd message re-runs that message alone.
 *
 * **Fencing.** Each assignment of a partition gets a new generation. Revoking or re-assigning a
 * partition drops its state; outcomes for tickets of an earlier generation are ignored
 * ({@link CommitTracker.settle} returns `false`), so work that finishes after a rebalance can never
 * move the watermark of an assignment it does not belong to.
 *
 * **Memory** is proportional to the unsettled messages (running or nak'd): settled offsets are
 * forgotten at once, above the watermark as well as below it. Every operation is O(1) except
 * {@link CommitTracker.committable} (O(partitions)) and {@link CommitTracker.redeliveryOffset}
 * (O(unsettled in that partition)).
 *
 * Offsets are JavaScript numbers: safe integers up to 2^53 − 1 (about 9·10^15; a partition written at
 * a million messages a second reaches it after 285 years).
 *
 * @example
 * ```ts
 * const tracker = new CommitTracker();
 * tracker.assign('orders', 0);
 * const a = tracker.deliver('orders', 0, 10)!;
 * const b = tracker.deliver('orders', 0, 12)!; // 11 is a gap (compacted)
 * tracker.settle(b, 'ack');
 * tracker.watermark('orders', 0); // 10: offset 10 still runs
 * tracker.settle(a, 'ack');
 * tracker.watermark('orders', 0); // 13
 * for (const point of tracker.committable()) {
 *   await consumer.commitOffsets([{ topic: point.topic, partition: point.partition, offset: String(point.offset) }]);
 *   tracker.committed(point);
 * }
 * ```
 * @public
 */
export class CommitTracker {
  private readonly topics = new Map<string, Map<number, PartitionState>>();
  private generations = 0;

  /**
   * Starts a new assignment generation for a partition and returns it. Any state of an earlier
   * assignment of the same partition is dropped: its tickets are fenced.
   * @param topic - the topic.
   * @param partition - the partition number (an integer ≥ 0).
   * @returns the partition's new generation (unique within this tracker).
   */
  assign(topic: string, partition: number): number {
    checkTopic('assign', topic);
    checkOffset('assign', 'partition', partition);
    let partitions = this.topics.get(topic);
    if (!partitions) this.topics.set(topic, (partitions = new Map()));
    const previous = partitions.get(partition);
    if (previous) previous.revoked = true;
    const state = new PartitionState(topic, partition, ++this.generations);
    partitions.set(partition, state);
    return state.generation;
  }

  /**
   * Stops tracking a partition (it was revoked): drops its state; outcomes of its tickets are ignored
   * from now on. A no-op for a partition that is not assigned.
   * @param topic - the topic.
   * @param partition - the partition number.
   */
  revoke(topic: string, partition: number): void {
    const partitions = this.topics.get(topic);
    const state = partitions?.get(partition);
    if (!partitions || !state) return;
    state.revoked = true;
    partitions.delete(partition);
    if (partitions.size === 0) this.topics.delete(topic);
  }

  /** Revokes every partition (a rebalance in an eager protocol, or shutdown). */
  revokeAll(): void {
    for (const partitions of this.topics.values()) {
      for (const state of partitions.values()) state.revoked = true;
    }
    this.topics.clear();
  }

  /**
   * The current generation of a partition, or `undefined` when it is not assigned.
   * @param topic - the topic.
   * @param partition - the partition number.
   */
  generation(topic: string, partition: number): number | undefined {
    return this.topics.get(topic)?.get(partition)?.generation;
  }

  /** The assigned partitions, as `{ topic, partition }` pairs. */
  assigned(): { topic: string; partition: number }[] {
    const result: { topic: string; partition: number }[] = [];
    for (const [topic, partitions] of this.topics) {
      for (const partition of partitions.keys()) result.push({ topic, partition });
    }
    return result;
  }

  /**
   * Records the delivery of a message and returns its ticket, or `undefined` when the message must not
   * be processed now: the partition is not assigned, or the offset is already running, already settled
   * (or a gap below the read position), or was never nak'd.
   *
   * @remarks
   * New offsets must arrive in ascending order within a generation, as a Kafka fetch delivers them. An
   * offset below the read position is a redelivery: it gets a ticket (with `attempt` one higher) only
   * when it was nak'd.
   * @param topic - the message's topic.
   * @param partition - the message's partition.
   * @param offset - the message's offset (a safe integer ≥ 0).
   * @returns the ticket to settle, or `undefined` to skip the message.
   */
  deliver(topic: string, partition: number, offset: number): OffsetTicket | undefined {
    checkOffset('deliver', 'offset', offset);
    const state = this.topics.get(topic)?.get(partition);
    if (!state) return undefined;
    if (offset >= state.readPosition) {
      if (state.finishedIndex < state.finished.length && isFinished(state, offset)) {
        state.readPosition = offset + 1; // handled before (by this or another process): counts as settled
        return undefined;
      }
      const entry = new Entry(offset);
      state.append(entry);
      state.readPosition = offset + 1;
      return new Ticket(state, entry, 1);
    }
    const entry = state.byOffset.get(offset);
    if (!entry || entry.state !== NAKED) return undefined;
    entry.state = RUNNING;
    entry.attempt++;
    state.naks--;
    return new Ticket(state, entry, entry.attempt);
  }

  /**
   * Records the outcome of a delivery. `'ack'` and `'term'` settle the offset (a `'term'`ed message never
   * holds the watermark); `'nak'` and `{ nak: delay }` keep it unsettled (holding the watermark) and make it
   * eligible for redelivery — when to redeliver is the caller's business.
   * @param ticket - the ticket {@link CommitTracker.deliver} returned.
   * @param outcome - an {@link Outcome}: `'ack'`, `'nak'`, `{ nak: delay }` or `'term'`.
   * @returns `true` when recorded; `false` when ignored: the ticket's partition was revoked or
   *   re-assigned since (fenced), or this delivery was already settled.
   */
  settle(ticket: OffsetTicket, outcome: Outcome): boolean {
    if (!(ticket instanceof Ticket)) {
      throw new TypeError(`CommitTracker.settle: ticket must come from CommitTracker.deliver, got ${String(ticket)}`);
    }
    checkOutcome('CommitTracker.settle', 'outcome', outcome);
    const { state, entry } = ticket;
    if (state.revoked || !entry.linked || entry.state !== RUNNING || entry.attempt !== ticket.attempt) return false;
    if (nakDelay(outcome) !== undefined) {
      entry.state = NAKED;
      state.naks++;
    } else {
      state.unlink(entry);
    }
    return true;
  }

  /**
   * Declares that no message below `nextOffset` remains to be delivered in this generation: offsets
   * between the read position and `nextOffset` that were never delivered are gaps (e.g. transaction
   * markers at the end of a fetch). Moves the read position forward only.
   * @param topic - the topic.
   * @param partition - the partition.
   * @param nextOffset - the next offset the client will fetch.
   */
  advance(topic: string, partition: number, nextOffset: number): void {
    checkOffset('advance', 'nextOffset', nextOffset);
    const state = this.topics.get(topic)?.get(partition);
    if (state && nextOffset > state.readPosition) state.readPosition = nextOffset;
  }

  /**
   * The partition's commit offset (one past the settled prefix), or `undefined` when the partition is
   * not assigned or nothing was delivered in this generation.
   * @param topic - the topic.
   * @param partition - the partition.
   */
  watermark(topic: string, partition: number): number | undefined {
    return this.topics.get(topic)?.get(partition)?.watermark();
  }

  /**
   * The lowest nak'd offset of a partition — where to seek to redeliver nak'd messages — or `undefined`
   * when none is waiting.
   * @param topic - the topic.
   * @param partition - the partition.
   */
  redeliveryOffset(topic: string, partition: number): number | undefined {
    const state = this.topics.get(topic)?.get(partition);
    if (!state || state.naks === 0) return undefined;
    for (let entry = state.head; entry; entry = entry.next) {
      if (entry.state === NAKED) return entry.offset;
    }
    return undefined;
  }

  /**
   * The number of unsettled (running or nak'd) messages of a partition, or of all partitions when no
   * partition is given. Memory use is proportional to this.
   * @param topic - the topic (optional).
   * @param partition - the partition (required with `topic`).
   */
  unsettled(topic?: string, partition?: number): number {
    if (topic !== undefined) return this.topics.get(topic)?.get(partition ?? -1)?.byOffset.size ?? 0;
    let total = 0;
    for (const partitions of this.topics.values()) {
      for (const state of partitions.values()) total += state.byOffset.size;
    }
    return total;
  }

  /**
   * Declares offsets of a partition already finished (e.g. by a previous owner, as recorded in commit
   * metadata): delivering one of them returns `undefined` and it counts as settled. Only offsets at or
   * above the read position count; call it right after {@link CommitTracker.assign}.
   * @param topic - the topic.
   * @param partition - the partition (assigned).
   * @param ranges - `[start, end)` offset ranges, ascending and disjoint.
   */
  markFinished(topic: string, partition: number, ranges: Iterable<readonly [number, number]>): void {
    const state = this.topics.get(topic)?.get(partition);
    if (!state) return;
    let last = Math.max(state.readPosition, 0);
    const kept: (readonly [number, number])[] = [];
    for (const [start, end] of ranges) {
      checkOffset('markFinished', 'start', start);
      checkOffset('markFinished', 'end', end);
      if (end <= last) continue; // below the read position, or overlapping/out of order: ignored
      kept.push([Math.max(start, last), end]);
      last = end;
    }
    state.finished = kept;
    state.finishedIndex = 0;
  }

  /**
   * The offset ranges `[start, end)` above a partition's watermark that are settled (or gaps), plus the
   * ranges declared by {@link CommitTracker.markFinished} not reached yet: what a commit's metadata can
   * record so that the partition's next owner skips them. Ascending and disjoint; O(unsettled).
   * @param topic - the topic.
   * @param partition - the partition.
   */
  finishedAbove(topic: string, partition: number): [number, number][] {
    const state = this.topics.get(topic)?.get(partition);
    const ranges: [number, number][] = [];
    if (!state || state.readPosition < 0) return ranges;
    const push = (start: number, end: number) => {
      const last = ranges[ranges.length - 1];
      if (last !== undefined && last[1] === start) last[1] = end;
      else ranges.push([start, end]);
    };
    if (state.head) {
      let previous = state.head.offset;
      for (let entry = state.head.next; entry; entry = entry.next) {
        if (entry.offset > previous + 1) push(previous + 1, entry.offset);
        previous = entry.offset;
      }
      if (state.readPosition > previous + 1) push(previous + 1, state.readPosition);
    }
    for (let i = state.finishedIndex; i < state.finished.length; i++) {
      const [start, end] = state.finished[i];
      if (end > state.readPosition) push(Math.max(start, state.readPosition), end);
    }
    return ranges;
  }

  /**
   * The partitions whose watermark moved past their last recorded commit, with the offset to commit.
   * Commit them, then report each success with {@link CommitTracker.committed}.
   */
  committable(): CommitPoint[] {
    const points: CommitPoint[] = [];
    for (const [topic, partitions] of this.topics) {
      for (const [partition, state] of partitions) {
        const offset = state.watermark();
        if (offset !== undefined && offset > state.committedOffset) {
          points.push({ topic, partition, offset, generation: state.generation });
        }
      }
    }
    return points;
  }

  /**
   * Records a successful commit so that {@link CommitTracker.committable} stops reporting it. Ignored
   * when the point's generation is no longer the partition's.
   * @param point - a point from {@link CommitTracker.committable}.
   * @returns `true` when recorded.
   */
  committed(point: CommitPoint): boolean {
    const state = this.topics.get(point.topic)?.get(point.partition);
    if (!state || state.generation !== point.generation) return false;
    if (point.offset > state.committedOffset) state.committedOffset = point.offset;
    return true;
  }

  /**
   * The last commit recorded for a partition in its current generation, or `undefined`.
   * @param topic - the topic.
   * @param partition - the partition.
   */
  lastCommitted(topic: string, partition: number): number | undefined {
    const offset = this.topics.get(topic)?.get(partition)?.committedOffset;
    return offset === undefined || offset < 0 ? undefined : offset;
  }
}
