import type { CommitPoint, CommitTracker } from './CommitTracker.js';
import type { KafkaConsumerLike, KafkaOffsetCommit } from './client.js';
import { encodeFinished } from './finishedMetadata.js';
import type { KafkaCommit, KafkaCommitReason } from './types.js';

/** A commit point, with the metadata to commit it with (`recordFinished`). */
export interface MetadataPoint extends CommitPoint {
  readonly metadata?: string;
}

/**
 * Sends the tracker's commit offsets to the client (`commitOffsets`), one commit after another, and
 * reports each to `onCommit`. What was committed is told back to the tracker.
 *
 * With `recordFinished`, each offset is committed with the finished ranges above it as metadata, and a
 * partition is committed again when those ranges changed even if its offset did not move: a slow
 * message holding the offset is exactly when the finished work above it is worth recording.
 */
export class OffsetCommitter {
  private chain: Promise<unknown> = Promise.resolve();
  private inFlight = 0;
  /** With `recordFinished`: the metadata last committed per partition generation. */
  private readonly sentMetadata = new Map<number, string>();

  constructor(
    private readonly consumer: KafkaConsumerLike,
    private readonly tracker: CommitTracker,
    private readonly onCommit: ((commit: KafkaCommit) => void) | undefined,
    /** A throwing `onCommit` fails the run. */
    private readonly onReportError: (error: unknown) => void,
    private readonly recordFinished = false,
  ) {}

  /** The commit interval elapsed. */
  tick(): void {
    if (this.inFlight > 0) return; // the next tick commits what this one would have
    this.commit('interval').then(undefined, () => undefined);
  }

  /** Monitored runs: told of each commit point the tracker recorded. */
  onCommitted: ((point: CommitPoint) => void) | undefined;

  /** Commits the current commit offsets, after any commit in flight. */
  commit(reason: KafkaCommitReason): Promise<void> {
    const result = this.chain.then(() => {
      const points = this.points();
      return points.length > 0 ? this.send(points, reason) : undefined;
    });
    this.chain = result.then(undefined, () => undefined);
    return result;
  }

  /** What is to be committed now: the tracker's points, with metadata when recording finished work. */
  points(): MetadataPoint[] {
    if (!this.recordFinished) return this.tracker.committable();
    const { tracker } = this;
    const points: MetadataPoint[] = [];
    for (const { topic, partition } of tracker.assigned()) {
      const offset = tracker.watermark(topic, partition);
      const generation = tracker.generation(topic, partition);
      if (offset === undefined || generation === undefined) continue;
      const metadata = encodeFinished(offset, tracker.finishedAbove(topic, partition));
      const moved = offset > (tracker.lastCommitted(topic, partition) ?? -1);
      if (moved || metadata !== (this.sentMetadata.get(generation) ?? '')) points.push({ topic, partition, offset, generation, metadata });
    }
    return points;
  }

  /** Commits `points` now, without waiting for a commit in flight. */
  send(points: MetadataPoint[], reason: KafkaCommitReason): Promise<void> {
    const offsets: KafkaOffsetCommit[] = points.map(({ topic, partition, offset, metadata }) =>
      metadata === undefined ? { topic, partition, offset: String(offset) } : { topic, partition, offset: String(offset), metadata },
    );
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
        for (const point of points) {
          if (!this.tracker.committed(point)) continue;
          if (point.metadata !== undefined) this.sentMetadata.set(point.generation, point.metadata);
          this.onCommitted?.(point);
        }
        this.report({ reason, offsets });
      },
      (error: unknown) => {
        this.inFlight--;
        this.report({ reason, offsets, error });
        throw error;
      },
    );
  }

  /** Forgets what was sent for the generations that ended (every partition was revoked). */
  forgetAll(): void {
    this.sentMetadata.clear();
  }

  /** Forgets what was sent for one generation that ended. */
  forget(generation: number): void {
    this.sentMetadata.delete(generation);
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
