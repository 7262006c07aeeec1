import type { KafkaBatchPayloadLike as EachBatchPayload } from './client.js';

interface Parked {
  payload: EachBatchPayload;
  wake: (released: boolean) => void;
  fail: (error: unknown) => void;
  /** Waiting for room (not held during a drain): a confluent batch may be handed back. */
  forRoom: boolean;
  /** Heartbeat ticks seen while parked. */
  ticks: number;
}

/**
 * `eachBatch` calls waiting for room in the pipeline or held during a drain. Holding the client's call is
 * the adapter's backpressure: the client hands over nothing more meanwhile.
 *
 * - kafkajs: the group session must stay alive, so {@link ParkedBatches.heartbeat} (on the run's
 *   heartbeat ticker) sends each parked call's heartbeat; a rebalance makes it throw, and the call
 *   returns to kafkajs, which re-joins.
 * - \@confluentinc/kafka-javascript: librdkafka heartbeats on its own, but it hands a rebalance to the
 *   application only while the client polls it, and the client polls only once its message cache is
 *   empty and no batch is held. So with `handBack`, a batch waiting for room across a whole heartbeat
 *   interval is handed back (the call returns, having passed on what it could): the client seeks the
 *   partition back to the first message not passed on and drops what it cached of it. After at most one
 *   interval per partition it cached, it polls again, and a pending rebalance is served.
 */
export class ParkedBatches {
  private readonly parked = new Set<Parked>();

  constructor(private readonly handBack = false) {}

  /**
   * Parks an `eachBatch` call until `event` (room in the pipeline), or until {@link ParkedBatches.wakeAll}
   * (a change of phase); `null` holds it until then. Resolves with `true` when the batch is to be handed
   * back to the client (confluent). A heartbeat that fails (the group is rebalancing) is thrown here, so
   * that the call returns to kafkajs, which then re-joins the group.
   */
  park(payload: EachBatchPayload, event: Promise<void> | null): Promise<boolean> {
    return new Promise<boolean>((resolve, reject) => {
      const parked: Parked = { payload, wake: resolve, fail: reject, forRoom: event !== null, ticks: 0 };
      this.parked.add(parked);
      void event?.then(() => {
        if (this.parked.delete(parked)) resolve(false);
      });
    });
  }

  wakeAll(): void {
    const parked = [...this.parked];
    this.parked.clear();
    for (const { wake } of parked) wake(false);
  }

  /** Sends the heartbeat of every parked `eachBatch` call (kafkajs sends at most one per its interval). */
  heartbeat(): void {
    for (const parked of this.parked) {
      if (this.handBack && parked.forRoom && ++parked.ticks >= 2) {
        // parked across a whole interval: the client must poll (a rebalance may be waiting)
        this.parked.delete(parked);
        parked.wake(true);
        continue;
      }
      let beat: Promise<void>;
      try {
        beat = Promise.resolve(parked.payload.heartbeat());
      } catch (error) {
        beat = Promise.reject(error);
      }
      beat.then(
        () => {
          // the batch went stale while held (a seek; with confluent, max.poll.interval.ms ran out): let it go
          if (parked.payload.isStale() && this.parked.delete(parked)) parked.wake(false);
        },
        (error: unknown) => {
          if (this.parked.delete(parked)) parked.fail(error);
        },
      );
    }
  }
}
