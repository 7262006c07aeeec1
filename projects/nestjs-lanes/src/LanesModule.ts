import { Global, Inject, Module, type DynamicModule, type FactoryProvider, type ModuleMetadata } from '@nestjs/common';
import { LanesHealthIndicator } from './LanesHealthIndicator.js';
import { LanesRegistry } from './LanesRegistry.js';
import { LanesServer, type AnyLanesServer } from './LanesServer.js';
import { describe } from './outcomes.js';

/** The injection token of the lanes server named `name` (default `'lanes'`). @public */
export function lanesServerToken(name = 'lanes'): string {
  return `@rxjs-lanes/nestjs:server:${name}`;
}

/** Injects the lanes server named `name` (default `'lanes'`). @public */
export const InjectLanesServer = (name?: string): PropertyDecorator & ParameterDecorator => Inject(lanesServerToken(name));

/**
 * Options of {@link LanesModule.forRootAsync}.
 * @public
 */
export interface LanesModuleAsyncOptions extends Pick<ModuleMetadata, 'imports'> {
  /** The server's name (its `name` option must match). Default `'lanes'`. */
  name?: string;
  /** Providers passed to `useFactory`, in order. */
  inject?: FactoryProvider['inject'];
  /** Creates the server (`new JetStreamLanesServer({...})` or `new KafkaLanesServer({...})`). */
  useFactory: (...args: any[]) => AnyLanesServer | Promise<AnyLanesServer>;
}

/** The registry and the health indicator, once per application. */
@Global()
@Module({ providers: [LanesRegistry, LanesHealthIndicator], exports: [LanesRegistry, LanesHealthIndicator] })
class LanesCoreModule {}

/**
 * Registers a lanes server as a provider: its `beforeApplicationShutdown` hook drains it while the HTTP
 * server and the connections are still open, {@link LanesHealthIndicator} reports it, and `connectLanes(app)`
 * connects it to the application. Import it once per server (each with its own name).
 *
 * ```ts
 * @Module({ imports: [LanesModule.forRootAsync({
 *   imports: [NatsModule], inject: [NatsClient],
 *   useFactory: (nats: NatsClient) => new JetStreamLanesServer({
 *     consumer: async () => jetstream(await nats.connection).consumers.get('ORDERS', 'orders-processor'),
 *     parallelism: 32,
 *   }),
 * })] })
 * export class AppModule {}
 * ```
 * @public
 */
@Module({})
export class LanesModule {
  /** Registers a server made outside the container. */
  static forRoot(server: AnyLanesServer): DynamicModule {
    if (!(server instanceof LanesServer)) {
      throw new TypeError(`LanesModule.forRoot: server must be a JetStreamLanesServer or KafkaLanesServer, got ${describe(server)}`);
    }
    return LanesModule.forRootAsync({ name: server.name, useFactory: () => server });
  }

  /** Registers a server made by a factory with injected providers (a connection, configuration). */
  static forRootAsync(options: LanesModuleAsyncOptions): DynamicModule {
    const { name = 'lanes', imports = [], inject = [], useFactory } = options;
    if (typeof useFactory !== 'function') throw new TypeError(`LanesModule.forRootAsync: useFactory must be a function, got ${describe(useFactory)}`);
    const token = lanesServerToken(name);
    return {
      module: LanesModule,
      imports: [LanesCoreModule, ...imports],
      providers: [
        {
          provide: token,
          inject: [LanesRegistry, ...inject],
          useFactory: async (registry: LanesRegistry, ...args: unknown[]) => {
            const server = await useFactory(...args);
            if (!(server instanceof LanesServer)) {
              throw new TypeError(`LanesModule.forRootAsync: useFactory must return a JetStreamLanesServer or KafkaLanesServer, got ${describe(server)}`);
            }
            if (server.name !== name) {
              throw new TypeError(`LanesModule.forRootAsync: the server is named ${JSON.stringify(server.name)}, the module ${JSON.stringify(name)}: pass the same name to both`);
            }
            registry.add(server);
            return server;
          },
        },
      ],
      exports: [token],
    };
  }
}
