import type { SchedulerLike } from 'rxjs';
import type { Intake } from '../Intake.js';
import type { MonitorHub, RunProbe, RunState } from '../monitor/MonitorHub.js';
import { backlogOf } from '../monitor/backlog.js';
import { Queue } from '../Queue.js';
import type { PartitionTable } from './PartitionTable.js';

/** What the probe needs of a job. */
interface ProbedJob<K> {
  readonly key: K;
  readonly done: boolean;
  /** Latest-wins: replaced by a newer element of its key before it started (a mark left in `order`). */
  readonly superseded: boolean;
}

/** The times of one element inside the operator (kept only while monitored). */
interface Times {
  admitted: number;
  started: number;
  settled: number;
}

/** The structures of one `AsyncMapRun` the probe reads on demand. */
export interface AsyncMapTables<K, J extends ProbedJob<K>> {
  intake: Intake<unknown>;
  partitions: PartitionTable<K, J> | null;
  order: Queue<J> | null;
  running: Set<J> | null;
  ready: Queue<J>;
  bound: number;
}

/**
 * The monitor's view of one async-map subscription: the times of the elements inside (the only state it
 * adds, and only when a monitor was passed) and the snapshot computed from the run's own tables.
 * @internal
 */
export class AsyncMapProbe<K, J extends ProbedJob<K>> {
  private readonly probe: RunProbe;
  /** Arrival times of the elements queued at the entrance, in order. */
  private readonly queuedAt = new Queue<number>();
  /** Arrival time of the element being admitted from the queue (`NaN`: admitted on arrival). */
  private arrival = NaN;
  private readonly times = new Map<J, Times>();
  private readonly topKeys: number;

  constructor(
    hub: MonitorHub,
    operator: string,
    clock: SchedulerLike,
    private readonly tables: AsyncMapTables<K, J>,
  ) {
    this.topKeys = hub.topKeys;
    this.probe = hub.open(operator, clock, () => this.inspect());
  }

  /** A source element was queued at the entrance. */
  queued(): void {
    this.queuedAt.push(this.probe.now());
  }

  /** The oldest queued element is being admitted. */
  dequeued(): void {
    this.arrival = this.queuedAt.shift() ?? NaN;
  }

  /** Latest-wins: the oldest queued element was dropped (superseded while queued). */
  dropped(): void {
    this.arrival = NaN;
  }

  /** Latest-wins: `old` (waiting) was replaced by `job`, just admitted in its place. */
  superseded(old: J, job: J): void {
    this.times.delete(old);
    this.admitted(job);
  }

  admitted(job: J): void {
    const now = this.probe.now();
    const arrived = this.arrival !== this.arrival ? now : this.arrival;
    this.arrival = NaN;
    this.times.set(job, { admitted: arrived, started: NaN, settled: NaN });
    if (this.probe.listening) this.probe.emit('admitted', job.key, 1, now, now - arrived, 0, 0);
  }

  started(job: J): void {
    const times = this.times.get(job);
    if (times === undefined) return;
    times.started = this.probe.now();
    if (this.probe.listening) this.probe.emit('started', job.key, 1, times.started, times.started - times.admitted, 0, 0);
  }

  settled(job: J): void {
    const times = this.times.get(job);
    if (times === undefined) return;
    times.settled = this.probe.now();
    if (this.probe.listening) this.probe.emit('settled', job.key, 1, times.settled, 0, times.settled - times.started, 0);
  }

  emitted(job: J): void {
    const times = this.times.get(job);
    if (times === undefined) return;
    this.times.delete(job);
    if (this.probe.listening) {
      const now = this.probe.now();
      this.probe.emit('emitted', job.key, 1, now, 0, times.settled - times.started, now - times.settled);
    }
  }

  /** The subscription ended. */
  close(): void {
    this.times.clear();
    this.queuedAt.clear();
    this.probe.close();
  }

  /** The snapshot of this subscription, from the run's tables (O(held + keys)). */
  private inspect(): RunState {
    const { intake, partitions, order, running, ready, bound } = this.tables;
    const now = this.probe.now();
    let held = 0;
    let oldestHeld = now;
    let live = 0;
    if (order !== null) {
      for (const job of order) {
        if (job.superseded) continue;
        live++;
        if (!job.done) continue;
        held++;
        const settled = this.times.get(job)?.settled;
        if (settled !== undefined && settled < oldestHeld) oldestHeld = settled;
      }
    }
    let waiting = ready.size;
    const outsideKeys = [this.queuedAt.peek(), ...Array.from(ready, (job) => this.times.get(job)?.admitted)];
    const backlog = backlogOf(now, this.topKeys, outsideKeys, (offer) =>
      partitions?.forEach((key, runningOfKey, waitingOfKey, firstWaiting) => {
        waiting += waitingOfKey;
        offer(key, waitingOfKey, runningOfKey, firstWaiting === undefined ? undefined : this.times.get(firstWaiting)?.admitted);
      }),
    );
    // Every admitted element is held (done), running, waiting for its key, or ready to start.
    const inside = order !== null ? live : running!.size + waiting;
    return {
      held,
      running: inside - held - waiting,
      waiting,
      queued: intake.queued,
      bound,
      topKeys: backlog.topKeys,
      oldestWaitMs: backlog.oldestWaitMs,
      oldestHeldMs: now - oldestHeld,
    };
  }
}
