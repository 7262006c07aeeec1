import type { KafkaBatchPayloadLike as EachBatchPayload } from './client.js';

interface Parked {
  payload: EachBatchPayload;
  wake: () => void;
  fail: (error: unknown) => void;
}

/**
 * `eachBatch` calls waiting for room in the pipeline or held during a drain. Holding kafkajs's call is
 * the adapter's backpressure: kafkajs fetches nothing more meanwhile. The group session must stay
 * alive, so {@link ParkedBatches.heartbeat} (on the run's heartbeat ticker) sends each parked call's
 * heartbeat.
 */
export class ParkedBatches {
  private readonly parked = new Set<Parked>();

  /**
   * Parks an `eachBatch` call until `event`, or until {@link ParkedBatches.wakeAll} (a change of phase).
   * A heartbeat that fails (the group is rebalancing) is thrown here, so that the call returns to
   * kafkajs, which then re-joins the group.
   */
  park(payload: EachBatchPayload, event: Promise<void> | null): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const parked = { payload, wake: resolve, fail: reject };
      this.parked.add(parked);
      void event?.then(() => {
        if (this.parked.delete(parked)) resolve();
      });
    });
  }

  wakeAll(): void {
    const parked = [...this.parked];
    this.parked.clear();
    for (const { wake } of parked) wake();
  }

  /** Sends the heartbeat of every parked `eachBatch` call (kafkajs sends at most one per its interval). */
  heartbeat(): void {
    for (const parked of this.parked) {
      let beat: Promise<void>;
      try {
        beat = Promise.resolve(parked.payload.heartbeat());
      } catch (error) {
        beat = Promise.reject(error);
      }
      beat.then(
        () => {
          // the batch went stale while held (a seek; with confluent, max.poll.interval.ms ran out): let it go
          if (parked.payload.isStale() && this.parked.delete(parked)) parked.wake();
        },
        (error: unknown) => {
          if (this.parked.delete(parked)) parked.fail(error);
        },
      );
    }
  }
}
