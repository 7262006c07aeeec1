/**
 * Thrown into the output when a push source outruns an operator whose `maxQueued` limit is set: more
 * elements arrived than the operator may hold plus the queue limit. Raised instead of dropping data.
 * @public
 */
export class QueueOverflowError extends Error {
  override readonly name = 'QueueOverflowError';
  /** The `maxQueued` limit that was exceeded. */
  readonly limit: number;
  /** The operator whose queue overflowed. */
  readonly operator: string;

  constructor(operator: string, limit: number) {
    super(
      `${operator}: more than maxQueued (${limit}) elements waited for room; the source outruns the operator. ` +
        `Feed it through pullFrom(...) with a Valve, pause the source on valve changes, or raise maxQueued.`,
    );
    this.operator = operator;
    this.limit = limit;
  }
}
