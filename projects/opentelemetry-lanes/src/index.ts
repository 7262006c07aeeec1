// Public API of @rxjs-lanes/opentelemetry.
export { lanesMetrics } from './metrics.js';
export type { LanesMetrics, LanesMetricsOptions } from './metrics.js';
export { traceJetStreamHandler, traceKafkaHandler } from './tracing.js';
export type { TraceHandlerOptions } from './tracing.js';
