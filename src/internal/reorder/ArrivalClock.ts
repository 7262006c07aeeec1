import { Queue } from '../Queue.js';

/**
 * When each buffered element arrived, for `maxWait`: the arrivals in order (arrival number and time), and
 * the set of those still buffered. An element that leaves is only removed from the set; the queue drops
 * it lazily when it reaches the front, and is rebuilt when it grows past twice the buffer (amortised O(1)).
 * @internal
 */
export class ArrivalClock {
  private readonly seqs = new Queue<number>();
  private readonly times = new Queue<number>();
  private readonly waiting = new Set<number>();

  constructor(
    /** How long an element may wait, in the caller's clock units. */
    readonly maxWait: number,
  ) {}

  /** The arrival list, entries of elements that left included until they are dropped. */
  get entries(): { readonly size: number } {
    return this.seqs;
  }

  /** Element `seq` was buffered at `now`. */
  arrived(seq: number, now: number): void {
    this.waiting.add(seq);
    this.seqs.push(seq);
    this.times.push(now);
    this.compact();
  }

  /** Element `seq` left the buffer. */
  left(seq: number): void {
    this.waiting.delete(seq);
  }

  /** Whether element `seq` is still buffered. */
  has(seq: number): boolean {
    return this.waiting.has(seq);
  }

  /** The arrival number of the longest-waiting buffered element (dropping those that left). */
  oldest(): number | undefined {
    const { seqs, times, waiting } = this;
    let oldest: number | undefined;
    while ((oldest = seqs.peek()) !== undefined && !waiting.has(oldest)) {
      seqs.shift();
      times.shift();
    }
    return oldest;
  }

  /** When the longest-waiting element reaches `maxWait`; `undefined` when nothing is buffered. */
  deadline(): number | undefined {
    return this.oldest() === undefined ? undefined : this.times.peek()! + this.maxWait;
  }

  clear(): void {
    this.seqs.clear();
    this.times.clear();
    this.waiting.clear();
  }

  /** Keeps the arrival queue within a constant factor of the buffer (see the class comment). */
  private compact(): void {
    const { seqs, times, waiting } = this;
    if (seqs.size <= 2 * waiting.size + 32) return;
    const keptSeqs: number[] = [];
    const keptTimes: number[] = [];
    for (let i = 0; i < seqs.size; i++) {
      const seq = seqs.at(i)!;
      if (waiting.has(seq)) {
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
