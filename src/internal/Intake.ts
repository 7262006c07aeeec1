import { QueueOverflowError } from '../errors.js';
import type { Valve, ValveLease } from '../flow/Valve.js';
import { reportUnhandledError } from './operate.js';
import { Queue } from './Queue.js';

/**
 * The intake side shared by the pack's bounded operators: counts the elements an operator holds,
 * queues what a push source delivers beyond the bound, and reports fullness on the valve.
 *
 * One per subscription. The operator calls {@link Intake.offer} for each source element,
 * {@link Intake.leave} when held elements leave, and admits waiting elements with
 * {@link Intake.canTake} and {@link Intake.take}. The valve is closed while the operator holds `bound` elements or has any
 * queued, so a paced source stops reading exactly at the bound.
 * @internal
 */
export class Intake<T> {
  /** Elements admitted and not yet left. */
  held = 0;
  /** Beyond the bound, in arrival order. */
  private readonly queue = new Queue<T>();
  private readonly lease: ValveLease | undefined;

  /**
   * @param onValveError - receives an error thrown by a valve listener (e.g. a consumer's `resume()`)
   *   on a transition this intake caused; the operator errors its output with it. Without it, the
   *   error is thrown to the caller.
   */
  constructor(
    private readonly operator: string,
    private bound: number,
    private readonly maxQueued: number,
    valve: Valve | undefined,
    private readonly onValveError?: (error: unknown) => void,
  ) {
    this.lease = valve?.attach();
  }

  /**
   * Offers a source element. Returns `true` when it is admitted now (counted as held); otherwise it is
   * queued and `false` is returned. Throws {@link QueueOverflowError} when the queue limit is exceeded.
   */
  offer(value: T): boolean {
    if (this.held < this.bound && this.queue.size === 0) {
      this.held++;
      if (this.held >= this.bound) this.setFull(true);
      return true;
    }
    if (this.queue.size >= this.maxQueued) throw new QueueOverflowError(this.operator, this.maxQueued);
    this.queue.push(value);
    this.setFull(true);
    return false;
  }

  /** `true` when a queued element may be admitted now (there is room and something waits). */
  canTake(): boolean {
    return this.held < this.bound && this.queue.size > 0;
  }

  /** Admits the oldest queued element (call only when {@link Intake.canTake} is true): counts it as held. */
  take(): T {
    this.held++;
    const value = this.queue.shift() as T;
    this.updateValve();
    return value;
  }

  /**
   * Moves the bound (an adaptive limit). Lowering it never takes back what is held: elements are
   * admitted again once fewer than the new bound are held.
   */
  setBound(bound: number): void {
    this.bound = bound;
    this.updateValve();
  }

  /** Elements waiting beyond the bound. */
  get queued(): number {
    return this.queue.size;
  }

  /** Nothing is held or queued: with the source done, the operator may complete. */
  get drained(): boolean {
    return this.held === 0 && this.queue.size === 0;
  }

  /** `count` held elements left the operator. */
  leave(count = 1): void {
    this.held -= count;
    this.updateValve();
  }

  /** Frees the queue and withdraws from the valve (teardown). */
  dispose(): void {
    this.queue.clear();
    try {
      this.lease?.release();
    } catch (error) {
      // The output is closed already: report the listener's error as RxJS reports unhandled errors.
      reportUnhandledError(error);
    }
  }

  private updateValve(): void {
    if (this.lease !== undefined) this.setFull(this.held >= this.bound || this.queue.size > 0);
  }

  private setFull(full: boolean): void {
    if (this.lease === undefined) return;
    try {
      this.lease.setFull(full);
    } catch (error) {
      if (this.onValveError === undefined) throw error;
      this.onValveError(error);
    }
  }
}
