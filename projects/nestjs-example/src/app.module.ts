import { Global, Module, type DynamicModule } from '@nestjs/common';
import { ORDERS_CONFIG, type OrdersConfig } from './config.js';
import { HealthController } from './health/health.controller.js';
import { NatsModule } from './nats/nats.module.js';
import { OrderProcessor } from './orders/order-processor.js';
import { OrdersConsumer } from './orders/orders-consumer.js';
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
      imports: [ConfigModule.register(config), NatsModule],
      controllers: [HealthController],
      providers: [OrderProcessor, OrdersLedger, OrdersConsumer],
    };
  }
}
