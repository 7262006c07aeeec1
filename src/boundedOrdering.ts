import { asyncScheduler, Observable } from 'rxjs';
import type { MonoTypeOperatorFunction, SchedulerLike, Subscription } from 'rxjs';
import { ReorderBuffer } from './internal/reorder/ReorderBuffer.js';
import { readMonitor } from './internal/monitor/MonitorHub.js';
import { OrderingProbe } from './internal/monitor/OrderingProbe.js';
import { operate } from './internal/operate.js';
import {
  checkDuration,
  checkFunction,
  checkKnownOptions,
  checkOptions,
  checkPositiveInteger,
  checkScheduler,
  describeValue,
  type KnownOptions,
} from './internal/validate.js';
import type { LanesMonitor } from './types.js';

/**
 * Why {@link (boundedOrdering:1)} gave up on a gap: the buffer `'overflow'`ed, an element waited `'maxWait'`,
 * or the source completed (`'complete'`) with elements still waiting for it.
 * @public
 */
export type BoundedOrderingGapReason = 'overflow' | 'maxWait' | 'complete';

/**
 * A range of ids {@link (boundedOrdering:1)} stopped waiting for: the ids from `from` (inclusive) up to `to`
 * (exclusive), under `nextId`. If any of them arrives later, it is emitted as late.
 * @public
 */
export interface BoundedOrderingGap<I> {
  /** The first id given up on (the id that was expected). */
  readonly from: I;
  /** The id emission resumed at (the smallest buffered id); not part of the gap. */
  readonly to: I;
  /** What made the operator give up. */
  readonly reason: BoundedOrderingGapReason;
}

/**
 * An element {@link (boundedOrdering:1)} emitted out of order because its id was below the expected id:
 * it arrived after its gap had been given up on, or it is a duplicate, or `nextId` stepped over its id.
 * @public
 */
export interface BoundedOrderingLate<T, I> {
  /** The element, emitted right after this report. */
  readonly value: T;
  /** Its id. */
  readonly id: I;
  /** The id the operator expected at that moment. */
  readonly expected: I;
}

/**
 * Options of {@link (boundedOrdering:1)}.
 * @public
 */
export interface BoundedOrderingOptions<T, I> {
  /**
   * The sliding window: most elements held while waiting for a missing one. When one more early element
   * arrives, the missing ids are given up on. An integer ≥ 1.
   */
  maxBounded: number;
  /** The id of the first element. */
  initialId: I;
  /** The id that follows `id`; must be after `id` under `compare` (the output errors otherwise). */
  nextId: (id: I) => I;
  /** Reads an element's id. */
  getId: (value: T) => I;
  /**
   * Orders ids: negative when `a` comes before `b`, 0 when equal, positive after. Default: natural
   * order, which requires every id (`initialId`, what `getId` and `nextId` return) to be a number (not
   * NaN), a bigint or a string, all of the same type as `initialId`.
   */
  compare?: (a: I, b: I) => number;
  /**
   * Longest time in milliseconds an element may wait in the buffer; when it would wait longer, the gap
   * before it is given up on as on overflow. Default: no limit (`Infinity`). A number ≥ 0.
   */
  maxWait?: number;
  /** The clock and timer for `maxWait`. Default `asyncScheduler`. */
  scheduler?: SchedulerLike;
  /** Called when a gap is given up on, before the elements after it are emitted. Cheap when absent. */
  onGap?: (gap: BoundedOrderingGap<I>) => void;
  /** Called when an element is emitted late, just before it is emitted. Cheap when absent. */
  onLate?: (late: BoundedOrderingLate<T, I>) => void;
  /**
   * Observes the subscriptions (see {@link lanesMonitor}): the elements held in the buffer and how long
   * it has waited for the expected id, on `scheduler`'s clock. Events (with the monitor's `onEvent`):
   * `admitted` when an element arrives (`key`: its id; `waitedMs` 0, nothing queues at the entrance) and
   * `emitted` just before it leaves — in order, late (after `onLate`) or released after a gap — with
   * `heldMs` the time since it arrived (`ranMs` 0). Arrival times are kept only when there is an `onEvent`.
   */
  monitor?: LanesMonitor;
}

const OPERATOR = 'boundedOrdering';
const BOUNDED_ORDERING_OPTIONS = {
  maxBounded: true,
  initialId: true,
  nextId: true,
  getId: true,
  compare: true,
  maxWait: true,
  scheduler: true,
  onGap: true,
  onLate: true,
  monitor: true,
} as const satisfies Record<keyof BoundedOrderingOptions<unknown, unknown>, true> & KnownOptions;

/** Flow-control options the operator does not take, and why. */
function explainFlowControl(name: string): string | undefined {
  return name === 'valve' || name === 'maxQueued'
    ? 'boundedOrdering never refuses input, so it takes no flow control; see its documentation'
    : undefined;
}

/**
 * Puts a stream back into sequence-id order within a sliding window, without ever stalling on a missing
 * element or buffering without bound — squbs' `BoundedOrdering`, with its gaps closed.
 *
 * ```text
 * source: -21-45-6----3--|   maxBounded 2, initialId 1
 * output: --(12)-(456)3--|   gave up on 3 at 7 (overflow); 3 late at 12
 * ```
 *
 * @remarks
 * Each element is checked in this order:
 *
 * 1. **Match** (its id equals the expected id): emitted; the expected id becomes `nextId(id)`; then the
 *    buffered elements are released while the smallest buffered id equals the expected one.
 *
 * 2. **Late** (its id is below the expected id): emitted at once, out of order. Neither dropped nor
 *    deduplicated.
 *
 * 3. **Overflow** (the buffer already holds `maxBounded` elements): it is buffered, the expected id jumps
 *    to the smallest buffered id and that consecutive run is released. The skipped ids are given up on;
 *    if they arrive later they are late.
 *
 * 4. **Early** (otherwise): buffered.
 *
 * - **Total order within the window.** If the input is the id sequence (`initialId`, `nextId(initialId)`,
 *   …) with no element more than `maxBounded` places away from its in-order position, the output is
 *   exactly sorted: nothing is given up on and nothing is late.
 *
 * - **No stale head.** A buffered element whose id falls below the expected id (a duplicate, or an id
 *   `nextId` steps over) is released as late at once and never blocks the elements behind it. Equal ids
 *   leave in arrival order.
 *
 * - **Time bound.** With `maxWait`, no element waits longer than `maxWait` ms (on `scheduler`): when the
 *   longest-waiting one reaches it, the gaps before it are given up on as on overflow.
 *
 * - **Completion.** When the source completes, the buffer is flushed in id order (the gaps between are
 *   reported with reason `'complete'`), then the output completes. Nothing is dropped.
 *
 * - **Errors** from the source pass through at once; buffered elements are discarded with the
 *   subscription. An exception thrown by `getId`, `nextId`, `compare`, `onGap` or `onLate` errors the
 *   output, as does an id of the wrong type under the default order, or a `nextId` that does not move
 *   forward.
 *
 * - **Memory and cost.** At most `maxBounded` elements are held between elements. An in-order element
 *   costs O(1) (two comparisons and `nextId`). A buffered one costs O(1) when it lands within 16 places
 *   of the end of the buffer's sorted run (nearly sorted input) and O(log maxBounded) otherwise (a binary
 *   heap). Nothing is allocated per element. Under the default order with numeric ids that `nextId`
 *   advances by a constant integer step, buffered elements go to a ring of slots instead (O(1) each,
 *   `nextId` still called and checked on every advance), with the same observable behaviour. The fast
 *   path recovers: an id far ahead waits outside the ring until the ring reaches it, and an id off the
 *   step or a duplicate sends the buffer to the general structure only until its elements fit the slots
 *   again; only a `nextId` that breaks the step ends it for good.
 *
 * - **Re-entrancy.** `onGap`, `onLate` and a downstream `next` may feed the source synchronously: the
 *   element is taken at once, against the state at that moment. When `onGap` runs, the expected id is
 *   already the id emission resumes at and the elements about to be released are still buffered, so a
 *   re-entrant element behind them is just early (no second gap, order kept).
 *
 * - **Flow control.** The operator never refuses input: the overflow rule always makes room. It takes no
 *   `valve`: refusing input while the buffer is full would stop the very element that could drain it.
 *   Upstream pacing (e.g. `pullFrom` with a valve given to an upstream operator) is unaffected.
 *
 * - **Teardown** (unsubscribe, error, completion) frees the buffer and cancels the `maxWait` timer. All
 *   state is per subscription.
 *
 * - **Monitor.** With `monitor`, a snapshot counts the buffered elements as `held`, and an `onEvent` hook
 *   receives `admitted` for every element when it arrives and `emitted` just before it goes downstream
 *   (late ones and those released after a gap included), `heldMs` being its time in the operator. Every
 *   admitted element is emitted exactly once, unless the output errors or is unsubscribed first; after
 *   teardown no event is sent.
 *
 * @example
 * ```ts
 * interface Reply { seq: number; body: string }
 * replies$.pipe(
 *   boundedOrdering({
 *     maxBounded: 64,
 *     initialId: 0,
 *     nextId: (seq) => seq + 1,
 *     getId: (reply: Reply) => reply.seq,
 *     maxWait: 2_000,
 *     onGap: ({ from, to, reason }) => console.warn(`gave up on seq ${from}..${to - 1} (${reason})`),
 *   }),
 * );
 * ```
 * @param options - `maxBounded`, `initialId`, `nextId`, `getId`, and optionally `compare`, `maxWait`,
 *   `scheduler`, `onGap`, `onLate`, `monitor`.
 * @returns an operator that emits the same elements, in id order as far as the window allows.
 * @public
 */
export function boundedOrdering<T, I>(options: BoundedOrderingOptions<T, I>): MonoTypeOperatorFunction<T>;
/**
 * {@inheritDoc (boundedOrdering:1)}
 * @param maxBounded - the sliding window: most elements held; an integer ≥ 1.
 * @param initialId - the id of the first element.
 * @param nextId - the id that follows a given id.
 * @param getId - reads an element's id.
 * @param compare - orders ids; default natural order of numbers, bigints or strings.
 * @public
 */
export function boundedOrdering<T, I>(
  maxBounded: number,
  initialId: I,
  nextId: (id: I) => I,
  getId: (value: T) => I,
  compare?: (a: I, b: I) => number,
): MonoTypeOperatorFunction<T>;
export function boundedOrdering<T, I>(
  ...args: [BoundedOrderingOptions<T, I>] | [number, I, (id: I) => I, (value: T) => I, ((a: I, b: I) => number)?]
): MonoTypeOperatorFunction<T> {
  let options: BoundedOrderingOptions<T, I>;
  if (args.length === 1 && typeof args[0] !== 'number') {
    checkOptions(OPERATOR, args[0]);
    options = args[0];
    checkKnownOptions(OPERATOR, options, BOUNDED_ORDERING_OPTIONS, explainFlowControl);
  } else {
    const [maxBounded, initialId, nextId, getId, compare] = args as [number, I, (id: I) => I, (value: T) => I, ((a: I, b: I) => number)?];
    options = { maxBounded, initialId, nextId, getId, compare };
  }

  const { maxBounded, initialId, maxWait, scheduler = asyncScheduler, onGap, onLate } = options;
  checkPositiveInteger(OPERATOR, 'maxBounded', maxBounded);
  checkFunction(OPERATOR, 'nextId', options.nextId);
  checkFunction(OPERATOR, 'getId', options.getId);
  if (options.compare !== undefined) checkFunction(OPERATOR, 'compare', options.compare);
  if (maxWait !== undefined) checkDuration(OPERATOR, 'maxWait', maxWait, true);
  checkScheduler(OPERATOR, scheduler);
  if (onGap !== undefined) checkFunction(OPERATOR, 'onGap', onGap);
  if (onLate !== undefined) checkFunction(OPERATOR, 'onLate', onLate);
  const monitor = readMonitor(OPERATOR, options.monitor);
  const events = monitor !== undefined && monitor.onEvent !== undefined;

  const { nextId, getId } = options;
  const idType = options.compare === undefined ? naturalType(initialId) : undefined;
  const compare = options.compare ?? (naturalCompare as (a: I, b: I) => number);
  const timed = maxWait !== undefined && maxWait !== Infinity;
  const gapHook = onGap && ((from: I, to: I, reason: BoundedOrderingGapReason) => onGap({ from, to, reason }));
  const lateHook = onLate && ((value: T, id: I, expected: I) => onLate({ value, id, expected }));

  return (source) =>
    new Observable<T>((subscriber) => {
      let timer: Subscription | null = null;
      // With an event hook, the buffer reads ids and emits through the probe (an element arrives when its
      // id is read, and leaves when it is handed to the output); without one, it gets the bare functions,
      // so the per-element path is the same as with no monitor at all.
      const buffer = new ReorderBuffer<T, I>({
        maxBounded,
        initialId,
        nextId,
        getId: events
          ? (value: T): I => {
              const id = getId(value);
              probe!.arrived(value, id);
              return id;
            }
          : getId,
        compare,
        idType,
        output: events
          ? {
              next: (value: T): void => {
                probe!.departed(value);
                subscriber.next(value);
              },
            }
          : subscriber,
        onGap: gapHook,
        onLate: lateHook,
        maxWait: timed ? maxWait : undefined,
      });
      const fail = (error: unknown): void => subscriber.error(error);
      const probe = monitor === undefined ? null : new OrderingProbe(monitor, scheduler, buffer, maxBounded);

      /** Keeps one timer pending for the longest-waiting element's deadline (maxWait only). */
      const arm = (): void => {
        if (timer !== null || subscriber.closed) return;
        const deadline = buffer.nextDeadline();
        if (deadline === undefined) return;
        timer = scheduler.schedule(expire, Math.max(0, deadline - scheduler.now()));
      };
      const expire = (): void => {
        timer = null;
        try {
          probe?.before();
          buffer.expire(scheduler.now());
          probe?.after();
        } catch (error) {
          fail(error);
          return;
        }
        arm(); // the next deadline; an early firing (its element already left) just re-arms
      };

      // Without maxWait or a monitor, a source value goes straight to the buffer (the per-element path);
      // otherwise through the probe's hooks, with the clock, and arming the timer.
      const next =
        timed || probe !== null
          ? (value: T): void => {
              probe?.before();
              buffer.offer(value, scheduler.now());
              probe?.after();
              if (timer === null) arm();
            }
          : (value: T): void => buffer.offer(value);
      // operate registers the teardown before subscribing (a downstream `take(n)` can stop a synchronous
      // source mid-burst) and runs every step even when the source's own teardown throws.
      const upstream = operate<T>(subscriber, {
        next,
        complete: () => {
          buffer.flush();
          subscriber.complete();
        },
        finalize: (teardown) => {
          teardown.unsubscribe(timer);
          timer = null;
          buffer.clear();
          probe?.close();
        },
      });
      source.subscribe(upstream);
    });
}

function naturalCompare(a: unknown, b: unknown): number {
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/**
 * The default order: numbers, bigints or strings compared with `<`. `initialId` fixes the type at
 * creation; the buffer then checks every id `getId` and `nextId` return against it, so an id of another
 * type (or NaN) errors the output with a clear message at the element that carries it, instead of
 * silently misordering.
 */
function naturalType(initialId: unknown): 'number' | 'bigint' | 'string' {
  const type = typeof initialId;
  if ((type === 'number' && !Number.isNaN(initialId)) || type === 'bigint' || type === 'string')
    return type as 'number' | 'bigint' | 'string';
  throw new TypeError(
    `${OPERATOR}: initialId must be a number (not NaN), a bigint or a string to use the natural order, ` +
      `got ${describeValue(initialId)}; pass compare to order other ids`,
  );
}
