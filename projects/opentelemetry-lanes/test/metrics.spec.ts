import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AggregationTemporality, InMemoryMetricExporter, MeterProvider, PeriodicExportingMetricReader, type DataPoint, type Histogram } from '@opentelemetry/sdk-metrics';
import { Subject } from 'rxjs';
import { mapAsyncPartitioned } from 'rxjs-lanes';
import { lanesMetrics } from '../src/index.js';

async function until(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 1000 && !condition(); i++) await new Promise((resolve) => setTimeout(resolve, 2));
  assert.ok(condition(), 'the condition never held');
}

function setup() {
  const exporter = new InMemoryMetricExporter(AggregationTemporality.CUMULATIVE);
  const reader = new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 1_000_000 });
  const provider = new MeterProvider({ readers: [reader] });
  const collect = async () => {
    exporter.reset();
    await reader.forceFlush();
    const metrics = exporter.getMetrics().flatMap((r) => r.scopeMetrics.flatMap((s) => s.metrics));
    return (name: string) => metrics.find((m) => m.descriptor.name === name)?.dataPoints ?? [];
  };
  return { meter: provider.getMeter('test'), collect, provider };
}

describe('lanesMetrics', () => {
  it('exports the snapshot as gauges per subscription and the events as histograms', async () => {
    const { meter, collect, provider } = setup();
    const { monitor, shutdown } = lanesMetrics({ meter, name: 'saves' });
    const releases = new Map<string, () => void>();
    const source = new Subject<string>();
    const subscription = source
      .pipe(
        mapAsyncPartitioned({
          parallelism: 3,
          perKey: 1,
          key: (v: string) => v[0]!,
          project: (v: string) => new Promise<string>((resolve) => releases.set(v, () => resolve(v))),
          monitor,
        }),
      )
      .subscribe();
    for (const v of ['a1', 'a2', 'b1', 'c1']) source.next(v);
    let points = await collect();
    const value = (name: string) => (points(name) as DataPoint<number>[]).map((p) => [p.value, p.attributes]);
    const attributes = { 'lanes.monitor': 'saves', 'lanes.operator': 'mapAsyncPartitioned', 'lanes.run': 1 };
    assert.deepEqual(value('lanes.running'), [[2, attributes]]);
    assert.deepEqual(value('lanes.waiting'), [[1, attributes]]);
    assert.deepEqual(value('lanes.queued'), [[1, attributes]]);
    assert.deepEqual(value('lanes.held'), [[0, attributes]]);
    assert.equal(points('lanes.ack.pending').length, 0); // not an adapter

    releases.get('b1')!(); // b1 done, held behind a1
    await until(() => monitor.snapshot().total.held === 1);
    points = await collect();
    assert.deepEqual(value('lanes.held'), [[1, attributes]]);
    releases.get('a1')!(); // a1 emitted; a2 and c1 start; b1 still held (behind a2, input order)
    await until(() => monitor.snapshot().total.running === 2);
    points = await collect();
    const runs = points('lanes.run') as DataPoint<Histogram>[];
    assert.equal(runs.length, 1);
    assert.equal(runs[0]!.value.count, 2);
    assert.deepEqual(runs[0]!.attributes, { 'lanes.monitor': 'saves', 'lanes.operator': 'mapAsyncPartitioned' });
    assert.equal((points('lanes.wait') as DataPoint<Histogram>[])[0]!.value.count, 4); // a1 b1 a2 c1 started
    assert.equal((points('lanes.hold') as DataPoint<Histogram>[])[0]!.value.count, 1); // a1 emitted
    assert.deepEqual(value('lanes.held'), [[1, attributes]]);

    subscription.unsubscribe();
    assert.deepEqual(monitor.snapshot().runs, []); // the subscription left: the callback observes nothing more
    shutdown();
    await provider.shutdown();
  });

  it('rejects what is not a Meter', () => {
    assert.throws(() => lanesMetrics({ meter: {} as never }), /lanesMetrics: meter must be an OpenTelemetry Meter/);
  });
});
