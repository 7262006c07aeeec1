import type { SchedulerLike } from 'rxjs';
import { Queue } from '../Queue.js';
import type { MonitorHub, RunProbe, RunState } from './MonitorHub.js';

/** The times of one unit of work (an element, a batch) inside the operator. @internal */
export interface Times {
  /** When it (a batch: its first message) arrived at the operator. */
  admitted: number;
  started: number;
  settled: number;
}

/**
 * The timing half of an engine's probe, shared by the async-map and batch probes: when each unit of work
 * arrived, started and settled, and the `admitted`/`started`/`settled`/`emitted` events built from those
 * times. Each engine's probe maps its own hooks onto these (what a unit is, its key and its size), and
 * computes its snapshot from its run's tables plus {@link RunTimes.times}.
 *
 * Cheap per element by construction: a unit costs one {@link Times} object (made at admission, and only
 * while monitored), every call passes the key and count as arguments (no shape read here, so one class
 * serves both engines' units without polymorphic property loads), and an event is built only when someone
 * listens.
 * @internal
 */
export class RunTimes<U> {
  readonly probe: RunProbe;
  /** The timed units, from admission until their last result left the operator. */
  readonly times = new Map<U, Times>();
  /** Arrival times of the elements queued at the entrance, in order. */
  private readonly queuedAt = new Queue<number>();
  /** Arrival time of the element being admitted from the entrance queue (`NaN`: admitted on arrival). */
  private arrival = NaN;

  constructor(hub: MonitorHub, operator: string, clock: SchedulerLike, inspect: () => RunState) {
    this.probe = hub.open(operator, clock, inspect);
  }

  /** When the oldest element queued at the entrance arrived (`undefined`: none queued). */
  get oldestQueued(): number | undefined {
    return this.queuedAt.peek();
  }

  /** A source element was queued at the entrance. */
  queued(): void {
    this.queuedAt.push(this.probe.now());
  }

  /** The oldest queued element is being admitted. */
  dequeued(): void {
    this.arrival = this.queuedAt.shift() ?? NaN;
  }

  /** The oldest queued element, taken by {@link RunTimes.dequeued}, left without being admitted. */
  dropped(): void {
    this.arrival = NaN;
  }

  /**
   * An element of `key` was admitted: `unit` (when not `null`) is timed from the element's arrival — a
   * unit already timed (a batch after its first message) is passed as `null`.
   */
  admitted(key: unknown, unit: U | null): void {
    const now = this.probe.now();
    const arrived = this.arrival !== this.arrival ? now : this.arrival;
    this.arrival = NaN;
    if (unit !== null) this.times.set(unit, { admitted: arrived, started: NaN, settled: NaN });
    if (this.probe.listening) this.probe.emit('admitted', key, 1, now, now - arrived, 0, 0);
  }

  /** `unit` left without running (superseded): no event, its times are dropped. */
  forget(unit: U): void {
    this.times.delete(unit);
  }

  /** The work of `unit` (of `key`, `count` elements) started. */
  started(unit: U, key: unknown, count: number): void {
    const times = this.times.get(unit);
    if (times === undefined) return;
    times.started = this.probe.now();
    if (this.probe.listening) this.probe.emit('started', key, count, times.started, times.started - times.admitted, 0, 0);
  }

  /** The work of `unit` settled (its results are known). */
  settled(unit: U, key: unknown, count: number): void {
    const times = this.times.get(unit);
    if (times === undefined) return;
    times.settled = this.probe.now();
    if (this.probe.listening) this.probe.emit('settled', key, count, times.settled, 0, times.settled - times.started, 0);
  }

  /** One result of `unit` left the operator; `last`: it was its last one (the unit is no longer timed). */
  emitted(unit: U, key: unknown, last: boolean): void {
    const times = this.times.get(unit);
    if (times === undefined) return;
    if (last) this.times.delete(unit);
    if (this.probe.listening) {
      const now = this.probe.now();
      this.probe.emit('emitted', key, 1, now, 0, times.settled - times.started, now - times.settled);
    }
  }

  /** The subscription ended: everything is forgotten and the run leaves the monitor. */
  close(): void {
    this.times.clear();
    this.queuedAt.clear();
    this.probe.close();
  }
}
