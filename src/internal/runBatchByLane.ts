import { asyncScheduler, isObservable, Observable, OperatorFunction, SchedulerLike, Subscriber } from 'rxjs';
import type { BatchByLaneOptions, BatchDiagnostic, BatchHandler, BatchSettlement } from '../batchByLane.js';
import { readFlowControl } from '../flow/FlowControlOptions.js';
import type { Valve } from '../flow/Valve.js';
import { Intake } from './Intake.js';
import { Lane, LaneBatch, LaneTable } from './LaneTable.js';
import {
  checkBoolean,
  checkDuration,
  checkFunction,
  checkKnownOptions,
  checkOptions,
  checkPositiveInteger,
  checkScheduler,
  describeValue,
  type KnownOptions,
} from './validate.js';
import { isPromiseLike } from './isPromiseLike.js';

/** Settings of one `batchByLane` operator, validated. @internal */
export interface BatchByLaneConfig<T, K, R> {
  operator: string;
  key: (value: T) => K;
  size: number;
  maxWait: number | undefined;
  concurrency: number;
  maxInFlight: number;
  ordered: boolean;
  scheduler: SchedulerLike;
  onDiagnostic: ((diagnostic: BatchDiagnostic<K>) => void) | undefined;
  handler: BatchHandler<T, K, R>;
  valve: Valve | undefined;
  maxQueued: number;
}

const BATCH_BY_LANE_OPTIONS = {
  key: true,
  size: true,
  maxWait: true,
  concurrency: true,
  maxInFlight: true,
  ordered: true,
  scheduler: true,
  onDiagnostic: true,
  valve: true,
  maxQueued: true,
} as const satisfies Record<keyof BatchByLaneOptions<unknown, unknown>, true> & KnownOptions;

/**
 * Validates `batchByLane`'s arguments at creation time and applies the defaults (`concurrency` and
 * `maxInFlight` `Infinity`, `ordered` `true`, `asyncScheduler`, no `maxWait`).
 * @internal
 */
export function readBatchByLaneConfig<T, K, R>(
  operator: string,
  options: BatchByLaneOptions<T, K>,
  handler: BatchHandler<T, K, R>,
): BatchByLaneConfig<T, K, R> {
  checkOptions(operator, options);
  checkKnownOptions(operator, options, BATCH_BY_LANE_OPTIONS);
  const {
    key,
    size,
    maxWait,
    concurrency = Infinity,
    maxInFlight = Infinity,
    ordered = true,
    scheduler = asyncScheduler,
    onDiagnostic,
  } = options;
  checkFunction(operator, 'key', key);
  checkPositiveInteger(operator, 'size', size);
  if (maxWait !== undefined) checkDuration(operator, 'maxWait', maxWait, true);
  checkPositiveInteger(operator, 'concurrency', concurrency, true);
  checkPositiveInteger(operator, 'maxInFlight', maxInFlight, true);
  checkBoolean(operator, 'ordered', ordered);
  checkScheduler(operator, scheduler);
  if (onDiagnostic !== undefined) checkFunction(operator, 'onDiagnostic', onDiagnostic);
  checkFunction(operator, 'handler', handler);
  const { valve, maxQueued } = readFlowControl(operator, options);
  return {
    operator,
    key,
    size,
    maxWait: maxWait === Infinity ? undefined : maxWait,
    concurrency,
    maxInFlight,
    ordered,
    scheduler,
    onDiagnostic,
    handler,
    valve,
    maxQueued,
  };
}

/**
 * The machinery of `batchByLane` (`arrays` false: one message per source value) and
 * `batchByLaneFromBatches` (`arrays` true: each source value is an array of messages, regrouped by key
 * without a per-message hand-off through the Observable chain).
 *
 * Per subscription: an {@link Intake} (the `maxInFlight` bound, the push-source queue, the valve) and a
 * {@link LaneTable} (lanes, batches, concurrency, ordering, the no-stall rule). Everything that can
 * cascade synchronously (a synchronous handler settles, its settlements leave, queued messages are
 * admitted, a lane fills, the next batch runs...) happens in one loop, `pump`, so a synchronous
 * firehose of any length runs in constant stack depth.
 * @internal
 */
export function runBatchByLane<T, K, R>(config: BatchByLaneConfig<T, K, R>, arrays: false): OperatorFunction<T, BatchSettlement<T, K, R>>;
export function runBatchByLane<T, K, R>(
  config: BatchByLaneConfig<T, K, R>,
  arrays: true,
): OperatorFunction<readonly T[], BatchSettlement<T, K, R>>;
export function runBatchByLane<T, K, R>(
  config: BatchByLaneConfig<T, K, R>,
  arrays: boolean,
): OperatorFunction<T | readonly T[], BatchSettlement<T, K, R>> {
  const { operator, key, size, maxWait, concurrency, maxInFlight, ordered, scheduler, onDiagnostic, handler, valve, maxQueued } = config;

  return (source) =>
    new Observable<BatchSettlement<T, K, R>>((subscriber) => {
      const intake = new Intake<T>(operator, maxInFlight, maxQueued, valve, (error) => subscriber.error(error));
      const table: LaneTable<T, K, R> = new LaneTable<T, K, R>({
        operator,
        size,
        concurrency,
        ordered,
        trackAge: maxInFlight !== Infinity,
        arm:
          maxWait === undefined
            ? undefined
            : (lane: Lane<T, K, R>) =>
                scheduler.schedule(() => {
                  if (table.expire(lane)) pump();
                }, maxWait),
      });
      let sourceDone = false;
      let pumping = false;
      let warned = false;

      const fail = (error: unknown): void => subscriber.error(error);

      /** Computes the key and buffers the message; `true` when a lane became ready. */
      const admit = (value: T): boolean => {
        let laneKey: K;
        try {
          laneKey = key(value);
        } catch (error) {
          fail(error);
          return false;
        }
        return table.push(value, laneKey);
      };

      const onResults = (batch: LaneBatch<T, K, R>, results: unknown): void => {
        if (batch.cancelled || subscriber.closed) return;
        if (!Array.isArray(results)) {
          fail(
            new TypeError(
              `${operator}: the handler's result for key ${describeValue(batch.key)} must be an array, got ${describeValue(results)}`,
            ),
          );
          return;
        }
        const expected = batch.values.length;
        if (results.length > expected) {
          const diagnostic: BatchDiagnostic<K> = { kind: 'surplusResults', key: batch.key, expected, received: results.length };
          if (onDiagnostic !== undefined) {
            try {
              onDiagnostic(diagnostic);
            } catch (error) {
              fail(error);
              return;
            }
          } else if (!warned) {
            warned = true;
            console.warn(
              `${operator}: the handler returned ${results.length} results for a batch of ${expected} for key ` +
                `${describeValue(batch.key)}; the surplus is ignored. Pass onDiagnostic to handle this (reported once per subscription).`,
            );
          }
        }
        table.settle(batch, results as readonly R[]);
        pump();
      };

      const start = (batch: LaneBatch<T, K, R>): void => {
        let output: ReturnType<BatchHandler<T, K, R>>;
        try {
          output = handler(batch.values, batch.key, batch);
        } catch (error) {
          fail(error);
          return;
        }
        if (batch.cancelled) return; // torn down during the call (e.g. it made the downstream unsubscribe)
        if (Array.isArray(output)) {
          onResults(batch, output);
        } else if (isObservable(output)) {
          let received = false;
          // Held before subscribing, so a synchronous Observable can be stopped after its first array.
          const inner: Subscriber<readonly R[]> = new Subscriber<readonly R[]>({
            next: (results) => {
              if (received) return;
              received = true;
              inner.unsubscribe();
              onResults(batch, results);
            },
            error: (error: unknown) => {
              if (!batch.cancelled) fail(error);
            },
            complete: () => {
              if (!received && !batch.cancelled) {
                fail(
                  new TypeError(
                    `${operator}: the handler's Observable for key ${describeValue(batch.key)} completed without emitting the results array`,
                  ),
                );
              }
            },
          });
          batch.inner = inner;
          output.subscribe(inner);
        } else if (isPromiseLike<readonly R[]>(output)) {
          output.then(
            (results) => onResults(batch, results),
            (error: unknown) => {
              if (!batch.cancelled) fail(error);
            },
          );
        } else {
          fail(
            new TypeError(
              `${operator}: the handler must return an array, a Promise of an array or an Observable of one array, got ${describeValue(output)}`,
            ),
          );
        }
      };

      const pump = (): void => {
        if (pumping) return;
        pumping = true;
        while (!subscriber.closed) {
          const settlement = table.takeOutput();
          if (settlement !== undefined) {
            intake.leave(); // state first: downstream may re-enter
            subscriber.next(settlement);
            continue;
          }
          if (intake.canTake()) {
            admit(intake.take());
            continue;
          }
          if (sourceDone && !table.inputDone && intake.queued === 0) {
            table.finishInput();
            continue;
          }
          const batch = table.nextBatch();
          if (batch !== undefined) {
            start(batch);
            continue;
          }
          if (intake.held >= maxInFlight && table.stall()) continue;
          break;
        }
        pumping = false;
        if (sourceDone && intake.held === 0 && intake.queued === 0 && !subscriber.closed) subscriber.complete();
      };

      const offer = (value: T): boolean | undefined => {
        try {
          return intake.offer(value);
        } catch (overflow) {
          fail(overflow);
          return undefined;
        }
      };

      const upstream = new Subscriber<T | readonly T[]>({
        next: arrays
          ? (values) => {
              if (!Array.isArray(values)) {
                fail(new TypeError(`${operator}: the source must emit arrays of messages, got ${describeValue(values)}`));
                return;
              }
              let wake = false;
              for (let i = 0; i < values.length; i++) {
                const value = values[i] as T;
                const admitted = offer(value);
                if (admitted === undefined) return;
                if (admitted && admit(value)) wake = true;
                if (subscriber.closed) return;
              }
              if (wake || intake.held >= maxInFlight) pump();
            }
          : (value) => {
              const admitted = offer(value as T);
              if (admitted && (admit(value as T) || intake.held >= maxInFlight)) pump();
            },
        error: fail,
        complete: () => {
          sourceDone = true;
          pump();
        },
      });
      // Registered before subscribing: a synchronous source that makes a downstream `take(n)` unsubscribe
      // mid-emission must find `upstream` already closable (the synchronous-firehose trap).
      subscriber.add(() => {
        upstream.unsubscribe();
        table.dispose();
        intake.dispose();
      });
      source.subscribe(upstream);
    });
}
