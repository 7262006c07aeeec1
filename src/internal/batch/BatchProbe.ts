import type { SchedulerLike } from 'rxjs';
import type { Intake } from '../Intake.js';
import type { MonitorHub, RunState } from '../monitor/MonitorHub.js';
import { RunTimes } from '../monitor/RunTimes.js';
import { backlogOf } from '../monitor/backlog.js';
import type { LaneBatch, LaneTable } from './LaneTable.js';

/**
 * The monitor's view of one `batchByLane` subscription: per-batch times, and the snapshot computed from
 * the run's {@link LaneTable} and {@link Intake} on demand.
 * @internal
 */
export class BatchProbe<T, K, R> {
  /** The times of the batches inside (a batch is timed from the arrival of its first message). */
  private readonly timing: RunTimes<LaneBatch<T, K, R>>;
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
    this.timing = new RunTimes<LaneBatch<T, K, R>>(hub, operator, clock, () => this.inspect());
  }

  queued(): void {
    this.timing.queued();
  }

  dequeued(): void {
    this.timing.dequeued();
  }

  /** A message of `key` was admitted into its lane's newest batch (timed from this message if it is its first). */
  admitted(key: K): void {
    const batch = this.table.tailOf(key);
    this.timing.admitted(key, batch !== null && !this.timing.times.has(batch) ? batch : null);
  }

  started(batch: LaneBatch<T, K, R>): void {
    this.timing.started(batch, batch.key, batch.count);
  }

  settled(batch: LaneBatch<T, K, R>): void {
    this.timing.settled(batch, batch.key, batch.count);
  }

  /** One settlement of `batch` left the operator. */
  emitted(batch: LaneBatch<T, K, R>): void {
    this.timing.emitted(batch, batch.key, batch.emitted === batch.count);
  }

  close(): void {
    this.timing.close();
  }

  private inspect(): RunState {
    const { probe, times } = this.timing;
    const now = probe.now();
    let oldestHeld = now;
    let counts!: ReturnType<LaneTable<T, K, R>['census']>;
    const backlog = backlogOf(now, this.topKeys, [this.timing.oldestQueued], (offer) => {
      counts = this.table.census((key, buffered, running, head) =>
        offer(key, buffered, running, head === null ? undefined : times.get(head)?.admitted),
      );
    });
    for (const { settled } of times.values()) if (settled < oldestHeld) oldestHeld = settled;
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
