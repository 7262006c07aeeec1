/**
 * The accounting behind {@link fromJetStream}'s bound: how many messages this process may still ask the
 * server for, so that deliveries received and not yet settled plus messages asked for and not yet
 * received never exceed `capacity`.
 *
 * A plain data structure (no RxJS, no NATS), one per subscription:
 * - {@link PullWindow.nextPullSize} says how many messages the next pull request may ask for (0: do not
 *   pull now). A pull is only worth its round trip once `minPull` slots are free, and asks for at most
 *   `maxPull` messages.
 * - {@link PullWindow.openPull} records a request; {@link PullWindow.receive} one message of it;
 *   {@link PullWindow.closePull} its end (all received, expired, or failed), which gives back the slots
 *   it did not fill; {@link PullWindow.settle} one settled delivery.
 *
 * Invariant (property-tested): `unsettled + requested ≤ capacity` as long as the server sends no more
 * than it was asked for; a message beyond its request (or for an unknown request) is still counted —
 * it exists — and reported by `receive` returning `false`.
 * @internal
 */
export class PullWindow {
  /** Deliveries received and not yet settled. */
  unsettled = 0;
  /** Messages asked for by open pull requests and not yet received. */
  requested = 0;
  private readonly pulls = new Map<number, { asked: number; received: number }>();
  private nextId = 0;

  constructor(
    readonly capacity: number,
    readonly minPull: number,
    readonly maxPull: number,
  ) {}

  /** Free slots: what could be asked for now. */
  get free(): number {
    return this.capacity - this.unsettled - this.requested;
  }

  /** Open pull requests. */
  get openPulls(): number {
    return this.pulls.size;
  }

  /** No open pull request and nothing unsettled. */
  get idle(): boolean {
    return this.pulls.size === 0 && this.unsettled === 0;
  }

  /** How many messages the next pull request should ask for; 0 when fewer than `minPull` slots are free. */
  nextPullSize(): number {
    const free = this.free;
    if (free <= 0 || free < Math.min(this.minPull, this.capacity)) return 0;
    return Math.min(free, this.maxPull);
  }

  /** Records a pull request for `size` messages (`size` ≥ 1) and returns its id. */
  openPull(size: number): number {
    const id = this.nextId++;
    this.pulls.set(id, { asked: size, received: 0 });
    this.requested += size;
    return id;
  }

  /**
   * Records one message received for pull `id`. Returns `false` when the message was not expected (the
   * request is unknown or already full); it is counted as unsettled all the same.
   */
  receive(id: number): boolean {
    this.unsettled++;
    const pull = this.pulls.get(id);
    if (pull === undefined || pull.received >= pull.asked) return false;
    pull.received++;
    this.requested--;
    return true;
  }

  /** Records the end of pull `id`: the slots it did not fill are free again. Unknown ids are ignored. */
  closePull(id: number): void {
    const pull = this.pulls.get(id);
    if (pull === undefined) return;
    this.pulls.delete(id);
    this.requested -= pull.asked - pull.received;
  }

  /** Records one delivery settled (acked, nak'd or terminated). */
  settle(): void {
    if (this.unsettled > 0) this.unsettled--;
  }
}
