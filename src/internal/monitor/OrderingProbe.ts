import type { SchedulerLike } from 'rxjs';
import type { MonitorHub, RunProbe } from './MonitorHub.js';

/** What the probe reads of a reorder buffer. */
interface Buffer {
  readonly size: number;
  readonly expected: unknown;
}

/**
 * The monitor's view of one `boundedOrdering` subscription: the elements held in the reorder buffer,
 * and since when the buffer waits for its expected id (the head-of-line wait). Its one piece of state is
 * that moment, updated around each offer.
 * @internal
 */
export class OrderingProbe {
  private readonly probe: RunProbe;
  /** When the expected id started being awaited with elements buffered behind it (`NaN`: nothing buffered). */
  private blockedSince = NaN;
  private expectedBefore: unknown;

  constructor(
    hub: MonitorHub,
    private readonly clock: SchedulerLike,
    private readonly buffer: Buffer,
    bound: number,
  ) {
    this.probe = hub.open('boundedOrdering', clock, () => {
      const now = clock.now();
      const held = buffer.size;
      return {
        held,
        running: 0,
        waiting: 0,
        queued: 0,
        bound,
        topKeys: [],
        oldestWaitMs: held === 0 || this.blockedSince !== this.blockedSince ? 0 : now - this.blockedSince,
        oldestHeldMs: 0,
      };
    });
  }

  /** Before the buffer takes an element (or expires some). */
  before(): void {
    this.expectedBefore = this.buffer.expected;
  }

  /** After: the wait restarts whenever the expected id moved and something is still buffered. */
  after(): void {
    if (this.buffer.size === 0) this.blockedSince = NaN;
    else if (this.blockedSince !== this.blockedSince || this.buffer.expected !== this.expectedBefore) this.blockedSince = this.clock.now();
  }

  close(): void {
    this.probe.close();
  }
}
