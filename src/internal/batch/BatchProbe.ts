import type { SchedulerLike } from 'rxjs';
import type { Intake } from '../Intake.js';
import type { MonitorHub, RunProbe, RunState } from '../monitor/MonitorHub.js';
import { backlogOf } from '../monitor/backlog.js';
import { Queue } from '../Queue.js';
import type { LaneBatch, LaneTable } from './LaneTable.js';

/** The times of one batch (kept only while monitored). */
interface Times {
  /** When its first message was admitted. */
  admitted: number;
  started: number;
  settled: number;
}

/**
 * The monitor's view of one `batchByLane` subscription: per-batch times, and the snapshot computed from
 * the run's {@link LaneTable} and {@link Intake} on demand.
 * @internal
 */
export class BatchProbe<T, K, R> {
  private readonly probe: RunProbe;
  private readonly queuedAt = new Queue<number>();
  private arrival = NaN;
  private readonly times = new Map<LaneBatch<T, K, R>, Times>();
  private readonly topKeys: number;

  constructor(
    hub: MonitorHub,
    operator: string,
    clock: SchedulerLike,
    private readonly intake: Intake<T>,
    private readonly table: LaneTable<T, K, R>,
    private readonly bound: number,
  ) {
    this.topKeys = hub.topKeys;
    this.probe = hub.open(operator, clock, () => this.inspect());
  }

  queued(): void {
    this.queuedAt.push(this.probe.now());
  }

  dequeued(): void {
    this.arrival = this.queuedAt.shift() ?? NaN;
  }

  /** A message of `key` was admitted into its lane's newest batch. */
  admitted(key: K): void {
    const now = this.probe.now();
    const arrived = this.arrival !== this.arrival ? now : this.arrival;
    this.arrival = NaN;
    const batch = this.table.tailOf(key);
    if (batch !== null && !this.times.has(batch)) this.times.set(batch, { admitted: arrived, started: NaN, settled: NaN });
    if (this.probe.listening) this.probe.emit('admitted', key, 1, now, now - arrived, 0, 0);
  }

  started(batch: LaneBatch<T, K, R>): void {
    const times = this.times.get(batch);
    if (times === undefined) return;
    times.started = this.probe.now();
    if (this.probe.listening) {
      this.probe.emit('started', batch.key, batch.values.length, times.started, times.started - times.admitted, 0, 0);
    }
  }

  settled(batch: LaneBatch<T, K, R>): void {
    const times = this.times.get(batch);
    if (times === undefined) return;
    times.settled = this.probe.now();
    if (this.probe.listening)
      this.probe.emit('settled', batch.key, batch.values.length, times.settled, 0, times.settled - times.started, 0);
  }

  /** One settlement of `batch` left the operator. */
  emitted(batch: LaneBatch<T, K, R>): void {
    const times = this.times.get(batch);
    if (times === undefined) return;
    if (batch.emitted === batch.values.length) this.times.delete(batch);
    if (this.probe.listening) {
      const now = this.probe.now();
      this.probe.emit('emitted', batch.key, 1, now, 0, times.settled - times.started, now - times.settled);
    }
  }

  close(): void {
    this.times.clear();
    this.queuedAt.clear();
    this.probe.close();
  }

  private inspect(): RunState {
    const now = this.probe.now();
    let oldestHeld = now;
    let counts!: ReturnType<LaneTable<T, K, R>['census']>;
    const backlog = backlogOf(now, this.topKeys, [this.queuedAt.peek()], (offer) => {
      counts = this.table.census((key, buffered, running, head) =>
        offer(key, buffered, running, head === null ? undefined : this.times.get(head)?.admitted),
      );
    });
    for (const times of this.times.values()) if (times.settled < oldestHeld) oldestHeld = times.settled;
    return {
      held: counts.held,
      running: counts.running,
      waiting: counts.waiting,
      queued: this.intake.queued,
      bound: this.bound,
      topKeys: backlog.topKeys,
      oldestWaitMs: backlog.oldestWaitMs,
      oldestHeldMs: now - oldestHeld,
    };
  }
}
