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
