import type { SchedulerLike } from 'rxjs';
import { Queue } from '../Queue.js';
import type { MonitorHub, RunProbe } from './MonitorHub.js';

/** What the probe reads of a reorder buffer. */
interface Buffer {
  readonly size: number;
  readonly expected: unknown;
}

/** When an element arrived, and its id (the key of its events). */
class Arrival {
  /** Later arrivals of the same value, oldest first (`null`: none; duplicates are rare). */
  more: Queue<Arrival> | null = null;

  constructor(
    public at: number,
    public id: unknown,
  ) {}
}

/**
 * The monitor's view of one `boundedOrdering` subscription: the elements held in the reorder buffer,
 * and since when the buffer waits for its expected id (the head-of-line wait), updated around each offer.
 *
 * With an event hook it also sends `admitted` when an element arrives and `emitted` when it leaves the
 * buffer (in order, late or released after a gap), with the time it was held. Arrivals are tracked per
 * element value, because that is all the buffer hands back when an element leaves (its id would mean
 * calling `getId` again); the same value arriving twice is paired first in, first out, which only swaps
 * the held times of elements nobody can tell apart. Without a hook nothing is tracked: the operator does
 * not even route its elements through {@link OrderingProbe.arrived} and {@link OrderingProbe.departed}.
 * @internal
 */
export class OrderingProbe {
  private readonly probe: RunProbe;
  /** When the expected id started being awaited with elements buffered behind it (`NaN`: nothing buffered). */
  private blockedSince = NaN;
  private expectedBefore: unknown;
  /** The elements inside the operator (events only): arrived, not yet emitted. */
  private readonly arrivals = new Map<unknown, Arrival>();
  private closed = false;

  constructor(
    hub: MonitorHub,
    private readonly clock: SchedulerLike,
    private readonly buffer: Buffer,
    bound: number,
  ) {
    this.probe = hub.open('boundedOrdering', clock, () => {
      const now = clock.now();
      const held = buffer.size;
      return {
        held,
        running: 0,
        waiting: 0,
        queued: 0,
        bound,
        topKeys: [],
        oldestWaitMs: held === 0 || this.blockedSince !== this.blockedSince ? 0 : now - this.blockedSince,
        oldestHeldMs: 0,
      };
    });
  }

  /** `true` when the monitor has an event hook (fixed when it was made). */
  get listening(): boolean {
    return this.probe.listening;
  }

  /** Elements whose arrival is tracked (for tests: 0 once the subscription ended). */
  get tracked(): number {
    return this.arrivals.size;
  }

  /** Before the buffer takes an element (or expires some). */
  before(): void {
    this.expectedBefore = this.buffer.expected;
  }

  /** After: the wait restarts whenever the expected id moved and something is still buffered. */
  after(): void {
    if (this.buffer.size === 0) this.blockedSince = NaN;
    else if (this.blockedSince !== this.blockedSince || this.buffer.expected !== this.expectedBefore) this.blockedSince = this.clock.now();
  }

  /** Events only: `value`, of id `id`, arrived (it never queues: `waitedMs` 0). */
  arrived(value: unknown, id: unknown): void {
    if (this.closed) return;
    const now = this.clock.now();
    const first = this.arrivals.get(value);
    if (first === undefined) this.arrivals.set(value, new Arrival(now, id));
    else (first.more ??= new Queue<Arrival>(4)).push(new Arrival(now, id));
    this.probe.emit('admitted', id, 1, now, 0, 0, 0);
  }

  /** Events only: `value` leaves the buffer, just before it is emitted; `heldMs` is the time since it arrived. */
  departed(value: unknown): void {
    const arrival = this.arrivals.get(value);
    if (arrival === undefined) return; // closed (a departure can only follow its arrival)
    const { at, id } = arrival;
    const later = arrival.more?.shift();
    if (later === undefined) this.arrivals.delete(value);
    else {
      arrival.at = later.at;
      arrival.id = later.id;
    }
    const now = this.clock.now();
    this.probe.emit('emitted', id, 1, now, 0, 0, now - at);
  }

  close(): void {
    this.closed = true;
    this.arrivals.clear();
    this.probe.close();
  }
}
