import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { LanesHealthIndicator, type LanesHealthResult } from '@rxjs-lanes/nestjs';

/**
 * Liveness and readiness for an orchestrator. Readiness is the lanes server's: 200 while its adapter
 * reports `'consuming'`, 503 otherwise (NATS not reachable or the consumer missing — `'connecting'` —,
 * awaiting an earlier process's redeliveries, restarting after a failure, draining after SIGTERM). The body
 * is the indicator's result (@nestjs/terminus's shape): status and counters, no process id or path.
 */
@Controller('health')
export class HealthController {
  constructor(private readonly lanes: LanesHealthIndicator) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(): LanesHealthResult<'orders'> {
    const result = this.lanes.isHealthy('orders');
    if (result.orders.status !== 'up') throw new ServiceUnavailableException(result);
    return result;
  }
}
