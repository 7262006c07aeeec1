import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ORDERS_CONFIG, type OrdersConfig } from './config.js';
import { HealthController } from './health/health.controller.js';
import { NatsModule } from './nats/nats.module.js';
import { OrderProcessor } from './orders/order-processor.js';
import { OrdersController } from './orders/orders.controller.js';
import { OrdersLanesModule } from './orders/orders-lanes.js';
import { OrdersLedger } from './orders/orders-ledger.js';

@Global()
@Module({})
class ConfigModule {
  static register(config: OrdersConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: ORDERS_CONFIG, useValue: config }], exports: [ORDERS_CONFIG] };
  }
}

@Module({})
export class AppModule {
  static register(config: OrdersConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.register(config), NatsModule, OrdersLanesModule],
      controllers: [HealthController, OrdersController],
      providers: [OrderProcessor, OrdersLedger],
    };
  }
}
