// @rxjs-lanes/nestjs: Nest transport strategies whose @EventPattern handlers run in rxjs-lanes lanes.
export { LanesServer } from './LanesServer.js';
export type { AnyLanesServer, LanesRun, LanesServerCommonOptions, LanesServerStats, LanesStatus } from './LanesServer.js';
export type { RestartOptions } from './restart.js';
export { JETSTREAM_LANES, JetStreamLanesContext, JetStreamLanesServer } from './JetStreamLanesServer.js';
export type { JetStreamLanesOptions } from './JetStreamLanesServer.js';
export { KAFKA_LANES, KafkaLanesContext, KafkaLanesServer } from './KafkaLanesServer.js';
export type { KafkaLanesOptions } from './KafkaLanesServer.js';
export { InjectLanesServer, LanesModule, lanesServerToken } from './LanesModule.js';
export type { LanesModuleAsyncOptions } from './LanesModule.js';
export { LanesRegistry } from './LanesRegistry.js';
export { LanesHealthIndicator } from './LanesHealthIndicator.js';
export type { LanesHealthResult } from './LanesHealthIndicator.js';
export { connectLanes } from './connectLanes.js';
