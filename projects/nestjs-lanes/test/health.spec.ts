/**
 * LanesHealthIndicator and LanesModule: the indicator's result in terminus's shape, read by the real
 * @nestjs/terminus HealthCheckService (503 while not consuming), and the module's registration rules.
 */
import 'reflect-metadata';
import { Controller, Get, type INestApplication } from '@nestjs/common';
import { HealthCheck, HealthCheckService, TerminusModule } from '@nestjs/terminus';
import { Test } from '@nestjs/testing';
import assert from 'node:assert/strict';
import { afterEach, describe, it } from 'node:test';
import { connectLanes, InjectLanesServer, lanesServerToken, JetStreamLanesServer, LanesHealthIndicator, LanesModule, type AnyLanesServer } from '../src/index.js';
import { FakeJetStream, until } from './fakeJetStream.js';

@Controller('health')
class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly lanes: LanesHealthIndicator,
  ) {}

  @Get('ready')
  @HealthCheck()
  ready() {
    return this.health.check([() => this.lanes.isHealthy('orders')]);
  }
}

let app: INestApplication | undefined;

afterEach(async () => {
  let closed = false;
  const closing = app?.close().finally(() => (closed = true));
  app = undefined;
  while (closing && !closed) {
    for (const fake of FakeJetStream.all) fake.expirePulls();
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  await closing;
  FakeJetStream.all.clear();
});

async function listen(consumer: () => Promise<FakeJetStream>): Promise<{ url: string; server: AnyLanesServer }> {
  const moduleRef = await Test.createTestingModule({
    imports: [TerminusModule, LanesModule.forRootAsync({ useFactory: () => new JetStreamLanesServer({ consumer, parallelism: 2 }) })],
    controllers: [HealthController],
  }).compile();
  app = moduleRef.createNestApplication({ logger: false });
  connectLanes(app);
  await app.startAllMicroservices();
  await app.listen(0, '127.0.0.1');
  return { url: await app.getUrl(), server: moduleRef.get<AnyLanesServer>(lanesServerToken()) };
}

describe('LanesHealthIndicator', () => {
  it("is down (terminus answers 503) while connecting, up (200) while consuming; no pid or path in the body", async () => {
    let provide!: (consumer: FakeJetStream) => void;
    const fake = new FakeJetStream();
    const { url, server } = await listen(() => new Promise<FakeJetStream>((resolve) => (provide = resolve)));

    const down = await fetch(`${url}/health/ready`);
    const downBody = (await down.json()) as any;
    assert.equal(down.status, 503);
    assert.equal(downBody.status, 'error');
    assert.equal(downBody.error.orders.status, 'down');
    assert.equal(downBody.error.orders.servers.lanes.status, 'connecting');

    provide(fake);
    await until(() => server.ready, 'consuming');
    const up = await fetch(`${url}/health/ready`);
    const upBody = (await up.json()) as any;
    assert.equal(up.status, 200);
    assert.deepEqual(upBody.info, {
      orders: { status: 'up', servers: { lanes: { status: 'consuming', settled: { ack: 0, nak: 0, term: 0 }, unhandled: 0, undecodable: 0, restarts: 0 } } },
    });
    assert.doesNotMatch(JSON.stringify(upBody), new RegExp(`${process.pid}|/`), 'no pid, no path');
  });

  it('is down while a server is idle (registered, not started)', async () => {
    const moduleRef = await Test.createTestingModule({ imports: [LanesModule.forRoot(new JetStreamLanesServer({ consumer: new FakeJetStream(), parallelism: 1 }))] }).compile();
    const indicator = moduleRef.get(LanesHealthIndicator);
    assert.equal(indicator.isHealthy().lanes.status, 'down');
    assert.equal(indicator.isHealthy().lanes.servers.lanes!.status, 'idle');
  });
});

describe('LanesModule', () => {
  it('injects a named server; two servers report separately', async () => {
    class Uses {
      constructor(@InjectLanesServer('billing') readonly billing: AnyLanesServer) {}
    }
    const moduleRef = await Test.createTestingModule({
      imports: [
        LanesModule.forRoot(new JetStreamLanesServer({ consumer: new FakeJetStream(), parallelism: 1 })),
        LanesModule.forRootAsync({ name: 'billing', useFactory: async () => new JetStreamLanesServer({ name: 'billing', consumer: new FakeJetStream(), parallelism: 1 }) }),
      ],
      providers: [Uses],
    }).compile();
    assert.equal(moduleRef.get(Uses).billing.name, 'billing');
    assert.deepEqual(Object.keys(moduleRef.get(LanesHealthIndicator).isHealthy().lanes.servers), ['lanes', 'billing']);
  });

  it('rejects a factory whose server is named differently, and a factory returning something else', async () => {
    await assert.rejects(
      Test.createTestingModule({ imports: [LanesModule.forRootAsync({ name: 'billing', useFactory: () => new JetStreamLanesServer({ consumer: new FakeJetStream(), parallelism: 1 }) })] }).compile(),
      /the server is named "lanes", the module "billing"/,
    );
    await assert.rejects(
      Test.createTestingModule({ imports: [LanesModule.forRootAsync({ useFactory: () => ({}) as never })] }).compile(),
      /useFactory must return a JetStreamLanesServer or KafkaLanesServer, got \{\}/,
    );
    assert.throws(() => LanesModule.forRoot({} as never), /LanesModule.forRoot: server must be a JetStreamLanesServer or KafkaLanesServer/);
  });
});
