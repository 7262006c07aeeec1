import { createMonitor } from './internal/monitor/MonitorHub.js';
import type { LanesMonitor, LanesMonitorOptions } from './types.js';

/**
 * Makes a monitor: pass it as the `monitor` option of any operator or adapter of the pack, then read
 * {@link LanesMonitor.snapshot} whenever you like, or receive every event through `onEvent`.
 *
 * ```ts
 * const monitor = lanesMonitor({ topKeys: 3 });
 * events$.pipe(mapAsyncPartitioned({ parallelism: 32, perKey: 1, key, project, monitor })).subscribe();
 * setInterval(() => console.log(monitor.snapshot().total), 10_000);
 * ```
 *
 * @remarks
 * - **Per subscription.** A snapshot lists every active subscription of the observed operators
 *   (`runs`, in subscription order) and their sum (`total`). A subscription appears when it starts and
 *   leaves when it ends (completion, error or unsubscribe): nothing stays registered.
 * - **On demand.** A snapshot is computed from the engines' own tables when you ask (O(elements held +
 *   keys)); the top keys with a bounded `topKeys`. Between snapshots an observed subscription keeps only
 *   the admission, start and settle times of the elements inside it (for the wait figures and events).
 * - **Clock.** Ages are in ms on `asyncScheduler.now()` (virtual time under `TestScheduler.run`);
 *   `batchByLane` and `boundedOrdering` use their `scheduler` option.
 * - **Events** reach `onEvent` synchronously, in the order they happen; see {@link LanesEvent}.
 * - **Unused, free.** Without a `monitor` option an operator allocates and records nothing extra.
 *
 * @param options - `onEvent` (the event hook), `topKeys` (default 5), `name` (a label).
 * @public
 */
export function lanesMonitor(options?: LanesMonitorOptions): LanesMonitor {
  return createMonitor(options);
}
