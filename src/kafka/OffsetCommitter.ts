import type { CommitPoint, CommitTracker } from './CommitTracker.js';
import type { KafkaCommit, KafkaCommitReason, KafkaConsumerLike } from './types.js';

/**
 * Sends the tracker's commit offsets to kafkajs (`commitOffsets`), one commit after another, and
 * reports each to `onCommit`. What was committed is told back to the tracker.
 */
export class OffsetCommitter {
  private chain: Promise<unknown> = Promise.resolve();
  private inFlight = 0;

  constructor(
    private readonly consumer: KafkaConsumerLike,
    private readonly tracker: CommitTracker,
    private readonly onCommit: ((commit: KafkaCommit) => void) | undefined,
    /** A throwing `onCommit` fails the run. */
    private readonly onReportError: (error: unknown) => void,
  ) {}

  /** The commit interval elapsed. */
  tick(): void {
    if (this.inFlight > 0) return; // the next tick commits what this one would have
    this.commit('interval').then(undefined, () => undefined);
  }

  /** Commits the current commit offsets, after any commit in flight. */
  commit(reason: KafkaCommitReason): Promise<void> {
    const result = this.chain.then(() => {
      const points = this.tracker.committable();
      return points.length > 0 ? this.send(points, reason) : undefined;
    });
    this.chain = result.then(undefined, () => undefined);
    return result;
  }

  /** Commits `points` now, without waiting for a commit in flight. */
  send(points: CommitPoint[], reason: KafkaCommitReason): Promise<void> {
    const offsets = points.map(({ topic, partition, offset }) => ({ topic, partition, offset: String(offset) }));
    this.inFlight++;
    let request: Promise<void>;
    try {
      request = Promise.resolve(this.consumer.commitOffsets(offsets));
    } catch (error) {
      request = Promise.reject(error);
    }
    return request.then(
      () => {
        this.inFlight--;
        for (const point of points) this.tracker.committed(point);
        this.report({ reason, offsets });
      },
      (error: unknown) => {
        this.inFlight--;
        this.report({ reason, offsets, error });
        throw error;
      },
    );
  }

  private report(commit: KafkaCommit): void {
    const report = this.onCommit;
    if (report === undefined) return;
    try {
      report(commit);
    } catch (error) {
      this.onReportError(error);
    }
  }
}
