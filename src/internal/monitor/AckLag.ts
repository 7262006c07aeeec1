import type { LanesAckLag } from '../../types.js';
import type { RunProbe } from './MonitorHub.js';

/**
 * The ack (JetStream) or commit (Kafka) lag of one adapter subscription: the messages received and not
 * yet acknowledged, by receive time. A `Map` keeps insertion order, so the oldest pending message is its
 * first entry (O(1)); receiving and acknowledging are O(1). Exists only when a monitor is passed.
 * @internal
 */
export class AckLag<M> {
  private readonly pending = new Map<M, number>();
  private receivedCount = 0;
  private ackedCount = 0;
  /** The probe events go to; set once the subscription's probe is open. */
  probe: RunProbe | null = null;

  constructor(private readonly now: () => number) {}

  received(message: M): void {
    this.receivedCount++;
    this.pending.set(message, this.now());
  }

  /** `message` was acknowledged or committed (a message not pending is ignored). */
  acked(message: M, key?: unknown): void {
    const at = this.pending.get(message);
    if (at === undefined) return;
    this.pending.delete(message);
    this.ackedCount++;
    const probe = this.probe;
    if (probe !== null && probe.listening) {
      const now = this.now();
      probe.emit('acked', key, 1, now, now - at, 0, 0);
    }
  }

  /** Forgets everything (teardown). */
  clear(): void {
    this.pending.clear();
  }

  state(): LanesAckLag {
    let oldestMs = 0;
    for (const at of this.pending.values()) {
      oldestMs = this.now() - at;
      break;
    }
    return { pending: this.pending.size, oldestMs, received: this.receivedCount, acked: this.ackedCount };
  }
}
