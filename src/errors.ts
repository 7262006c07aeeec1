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

  /** Raised by the pack's operators; construct one yourself only in tests. */
  constructor(operator: string, limit: number) {
    super(
      `${operator}: more than maxQueued (${limit}) elements waited for room; the source outruns the operator. ` +
        `Feed it through pullFrom(...) with a Valve, pause the source on valve changes, or raise maxQueued.`,
    );
    this.operator = operator;
    this.limit = limit;
  }
}

/**
 * The error a message settles with when its batch handler returned fewer results than the batch had
 * messages: the result at index i settles message i, and messages past the end of the results get this
 * error (`ok: false`) instead of being stranded. The stream goes on.
 * @public
 */
export class BatchResultCountError extends Error {
  override readonly name = 'BatchResultCountError';
  /** The operator that ran the handler (`batchByLane` or `batchByLaneFromBatches`). */
  readonly operator: string;
  /** The key of the batch's lane. */
  readonly key: unknown;
  /** How many messages the batch had (the number of results the handler had to return). */
  readonly expected: number;
  /** How many results the handler returned. */
  readonly received: number;
  /** The message's 0-based position in its batch (≥ `received`). */
  readonly index: number;

  /** Raised by the pack's batch operators; construct one yourself only in tests. */
  constructor(operator: string, key: unknown, expected: number, received: number, index: number) {
    super(
      `${operator}: the handler returned ${received} result(s) for a batch of ${expected} messages; ` +
        `message ${index} of the batch has no result`,
    );
    this.operator = operator;
    this.key = key;
    this.expected = expected;
    this.received = received;
    this.index = index;
  }
}
