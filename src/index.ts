/**
 * Ordered concurrency with bounded resources for RxJS 7: per-key lanes, results in the order that matters,
 * bounded memory and in-flight work.
 *
 * @remarks
 * The operators: `mapAsyncPartitioned` (async work per element, at most `parallelism` in flight and `perKey`
 * running per key, results in input order), `mapAsyncPartitionedUnordered` (the same bounds, results as they
 * complete), `mapAsync` (`concatMap` with concurrency), `boundedOrdering` (a sliding-window reorder buffer by
 * sequence id), `batchByLane` and `batchByLaneFromBatches` (per-key ordered batches, one result per message).
 * Flow control for all of them: `Valve` and `pullFrom`. The broker adapters are separate entry points of
 * this package, which this one never loads (docs/guides/brokers.md). Guides: docs/README.md in the
 * repository; the marble diagrams: docs/marbles/.
 *
 * @packageDocumentation
 */
// Public API of rxjs-lanes: explicit named exports only. Anything not listed here is internal.
export { mapAsyncPartitioned } from './mapAsyncPartitioned.js';
export type { MapAsyncPartitionedOptions, MapAsyncPartitionedLatestOptions, MapAsyncPartitionedSettings } from './mapAsyncPartitioned.js';
export { mapAsyncPartitionedUnordered } from './mapAsyncPartitionedUnordered.js';
export { mapAsync } from './mapAsync.js';
export type { MapAsyncOptions } from './mapAsync.js';
export type { ProjectContext, Superseded, BatchContext, BatchHandler, BatchSettlement, BatchDiagnostic } from './types.js';
export type { FlowControlOptions } from './flow/FlowControlOptions.js';
export { Valve } from './flow/Valve.js';
export type { ValveLease } from './flow/Valve.js';
export { pullFrom } from './flow/pullFrom.js';
export { adaptiveLimit, AdaptiveLimit } from './flow/adaptiveLimit.js';
export type { AdaptiveLimitOptions } from './flow/adaptiveLimit.js';
export { QueueOverflowError } from './errors.js';
export { batchByLane } from './batchByLane.js';
export type { BatchByLaneOptions } from './batchByLane.js';
export { batchByLaneFromBatches } from './batchByLaneFromBatches.js';
export { BatchResultCountError } from './errors.js';
export { boundedOrdering } from './boundedOrdering.js';
export type { BoundedOrderingOptions, BoundedOrderingGap, BoundedOrderingGapReason, BoundedOrderingLate } from './boundedOrdering.js';
export { lanesMonitor } from './lanesMonitor.js';
export type {
  MonitorOptions,
  LanesMonitor,
  LanesMonitorOptions,
  LanesSnapshot,
  LanesRunSnapshot,
  LanesCounts,
  LanesKeyBacklog,
  LanesAckLag,
  LanesEvent,
} from './types.js';
