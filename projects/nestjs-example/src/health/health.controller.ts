import { Controller, Get, ServiceUnavailableException } from '@nestjs/common';
import { OrdersConsumer, type OrdersConsumerStats } from '../orders/orders-consumer.js';
import { loadedRxjsCopies, rxjsLanesLocation } from './runtime-check.js';

export interface ReadinessReport extends OrdersConsumerStats {
  readonly ready: boolean;
  readonly pid: number;
  /** Every copy of rxjs loaded in this process (there must be one). */
  readonly rxjs: string[];
  readonly rxjsLanes: string;
}

/**
 * Liveness and readiness for an orchestrator. Readiness is the JetStream adapter's readiness signal:
 * 200 while its status is `'consuming'`, 503 otherwise (waiting for the consumer, awaiting an earlier
 * process's redeliveries, draining after SIGTERM, failed).
 */
@Controller('health')
export class HealthController {
  constructor(private readonly orders: OrdersConsumer) {}

  @Get('live')
  live(): { status: 'ok' } {
    return { status: 'ok' };
  }

  @Get('ready')
  ready(): ReadinessReport {
    const report: ReadinessReport = {
      ready: this.orders.ready,
      ...this.orders.stats(),
      pid: process.pid,
      rxjs: loadedRxjsCopies(),
      rxjsLanes: rxjsLanesLocation(),
    };
    if (!report.ready) throw new ServiceUnavailableException(report);
    return report;
  }
}
