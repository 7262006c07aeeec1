import { Injectable } from '@nestjs/common';
import type { LanesServerStats } from './LanesServer.js';
import { LanesRegistry } from './LanesRegistry.js';

/**
 * A health indicator's result, in @nestjs/terminus's shape (`HealthIndicatorResult`): the key, then
 * `status` and the details.
 * @public
 */
export type LanesHealthResult<Key extends string = string> = Record<
  Key,
  { status: 'up' | 'down'; servers: Record<string, LanesServerStats> }
>;

/**
 * Readiness of the lanes servers, as a terminus-style health indicator: `up` while every registered
 * server's adapter reports `'consuming'`, `down` otherwise (connecting, waiting for an earlier process's
 * redeliveries, rebalancing, draining, restarting after a failure, failed, or never started).
 *
 * ```ts
 * // with @nestjs/terminus (its HealthCheckService answers 503 when an indicator is down)
 * @Get('ready') @HealthCheck() ready() { return this.health.check([() => this.lanes.isHealthy('lanes')]); }
 * // without it
 * @Get('ready') ready() {
 *   const result = this.lanes.isHealthy('lanes');
 *   if (result.lanes.status === 'down') throw new ServiceUnavailableException(result);
 *   return result;
 * }
 * ```
 *
 * @remarks
 * It returns the result object rather than throwing on `down`, as terminus 11+ indicators do
 * (`HealthIndicatorService.check(key).down(details)`), so it needs no dependency on terminus. The details
 * are each server's status and counters: no process id, host name or file path.
 * @public
 */
@Injectable()
export class LanesHealthIndicator {
  constructor(private readonly registry: LanesRegistry) {}

  /** `{ [key]: { status: 'up' | 'down', servers: { [name]: stats } } }`; `down` when no server is registered. */
  isHealthy<Key extends string = 'lanes'>(key: Key = 'lanes' as Key): LanesHealthResult<Key> {
    const servers: Record<string, LanesServerStats> = {};
    let up = this.registry.servers.length > 0;
    for (const server of this.registry.servers) {
      servers[server.name] = server.stats();
      if (!server.ready) up = false;
    }
    return { [key]: { status: up ? 'up' : 'down', servers } } as LanesHealthResult<Key>;
  }
}
