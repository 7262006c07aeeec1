import type { SchedulerLike } from 'rxjs';
import type { Intake } from '../Intake.js';
import type { MonitorHub, RunState } from '../monitor/MonitorHub.js';
import { RunTimes } from '../monitor/RunTimes.js';
import { backlogOf } from '../monitor/backlog.js';
import type { Queue } from '../Queue.js';
import type { PartitionTable } from './PartitionTable.js';

/** What the probe needs of a job. */
interface ProbedJob<K> {
  readonly key: K;
  readonly done: boolean;
  /** Latest-wins: replaced by a newer element of its key before it started (a mark left in `order`). */
  readonly superseded: boolean;
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
  /** The times of the elements inside. */
  private readonly timing: RunTimes<J>;
  private readonly topKeys: number;

  constructor(
    hub: MonitorHub,
    operator: string,
    clock: SchedulerLike,
    private readonly tables: AsyncMapTables<K, J>,
  ) {
    this.topKeys = hub.topKeys;
    this.timing = new RunTimes<J>(hub, operator, clock, () => this.inspect());
  }

  /** A source element was queued at the entrance. */
  queued(): void {
    this.timing.queued();
  }

  /** The oldest queued element is being admitted. */
  dequeued(): void {
    this.timing.dequeued();
  }

  /** Latest-wins: the oldest queued element was dropped (superseded while queued). */
  dropped(): void {
    this.timing.dropped();
  }

  /** Latest-wins: `old` (waiting) was replaced by `job`, just admitted in its place. */
  superseded(old: J, job: J): void {
    this.timing.forget(old);
    this.timing.admitted(job.key, job);
  }

  admitted(job: J): void {
    this.timing.admitted(job.key, job);
  }

  started(job: J): void {
    this.timing.started(job, job.key, 1);
  }

  settled(job: J): void {
    this.timing.settled(job, job.key, 1);
  }

  emitted(job: J): void {
    this.timing.emitted(job, job.key, true);
  }

  /** The subscription ended. */
  close(): void {
    this.timing.close();
  }

  /** The snapshot of this subscription, from the run's tables (O(held + keys)). */
  private inspect(): RunState {
    const { intake, partitions, order, running, ready, bound } = this.tables;
    const { probe, times } = this.timing;
    const now = probe.now();
    let held = 0;
    let oldestHeld = now;
    let live = 0;
    if (order !== null) {
      for (const job of order) {
        if (job.superseded) continue;
        live++;
        if (!job.done) continue;
        held++;
        const settled = times.get(job)?.settled;
        if (settled !== undefined && settled < oldestHeld) oldestHeld = settled;
      }
    }
    let waiting = ready.size;
    const outsideKeys = [this.timing.oldestQueued, ...Array.from(ready, (job) => times.get(job)?.admitted)];
    const backlog = backlogOf(now, this.topKeys, outsideKeys, (offer) =>
      partitions?.forEach((key, runningOfKey, waitingOfKey, firstWaiting) => {
        waiting += waitingOfKey;
        offer(key, waitingOfKey, runningOfKey, firstWaiting === undefined ? undefined : times.get(firstWaiting)?.admitted);
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
