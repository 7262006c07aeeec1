import type { Attributes, Histogram, Meter, ObservableGauge } from '@opentelemetry/api';
import { lanesMonitor, type LanesEvent, type LanesMonitor, type LanesRunSnapshot } from 'rxjs-lanes';

/** Settings of {@link lanesMetrics}. */
export interface LanesMetricsOptions {
  /** The meter the instruments are made on (e.g. `metrics.getMeter('my-service')`). */
  meter: Meter;
  /** Copied into the monitor and into every data point as `lanes.monitor` (to tell pipelines apart). */
  name?: string;
  /** How many keys the monitor's snapshots list (not exported as metrics: keys are unbounded). Default 0. */
  topKeys?: number;
  /** Also passed every event (after the histograms recorded it). */
  onEvent?: (event: LanesEvent) => void;
}

/** What {@link lanesMetrics} returns. */
export interface LanesMetrics {
  /** Pass it as the `monitor` option of the operators and adapters to measure. */
  monitor: LanesMonitor;
  /** Stops the gauges' callback (the histograms record only while the monitored operators run). */
  shutdown(): void;
}

/**
 * OpenTelemetry metrics for the operators a monitor watches.
 *
 * Gauges, read from `monitor.snapshot()` once per collection, one data point per active subscription
 * (attributes `lanes.operator`, `lanes.run`, and `lanes.monitor` when named):
 * `lanes.held`, `lanes.running`, `lanes.waiting`, `lanes.queued` (elements), `lanes.oldest_wait` and
 * `lanes.oldest_held` (ms), and for the broker adapters `lanes.ack.pending` (messages) and
 * `lanes.ack.oldest` (ms).
 *
 * Histograms, from the monitor's events (attributes `lanes.operator`, and `lanes.monitor`):
 * `lanes.wait` (ms from admission to start), `lanes.run` (ms from start to settle), `lanes.hold` (ms from
 * settle to emission: the cost of ordering) and `lanes.ack.wait` (ms from receipt to ack or commit).
 */
export function lanesMetrics(options: LanesMetricsOptions): LanesMetrics {
  const { meter, name, topKeys = 0, onEvent } = options;
  if (meter === null || typeof meter !== 'object' || typeof meter.createHistogram !== 'function') {
    throw new TypeError(`lanesMetrics: meter must be an OpenTelemetry Meter, got ${String(meter)}`);
  }
  const base: Attributes = name === undefined ? {} : { 'lanes.monitor': name };
  const histogram = (id: string, description: string): Histogram => meter.createHistogram(id, { description, unit: 'ms' });
  const wait = histogram('lanes.wait', 'Time from admission to start');
  const run = histogram('lanes.run', 'Time from start to settle');
  const hold = histogram('lanes.hold', 'Time from settle to emission (waiting for order)');
  const ackWait = histogram('lanes.ack.wait', 'Time from receipt to ack or commit');
  const eventAttributes = new Map<string, Attributes>();
  const attributesOf = (operator: string): Attributes => {
    let attributes = eventAttributes.get(operator);
    if (attributes === undefined) eventAttributes.set(operator, (attributes = { ...base, 'lanes.operator': operator }));
    return attributes;
  };

  const monitor = lanesMonitor({
    ...(name === undefined ? {} : { name }),
    topKeys,
    onEvent: (event) => {
      const attributes = attributesOf(event.operator);
      if (event.type === 'started') wait.record(event.waitedMs, attributes);
      else if (event.type === 'settled') run.record(event.ranMs, attributes);
      else if (event.type === 'emitted') hold.record(event.heldMs, attributes);
      else if (event.type === 'acked') ackWait.record(event.waitedMs, attributes);
      onEvent?.(event);
    },
  });

  const gauge = (id: string, description: string, unit: string): ObservableGauge => meter.createObservableGauge(id, { description, unit });
  const gauges: [ObservableGauge, (run: LanesRunSnapshot) => number | undefined][] = [
    [gauge('lanes.held', 'Elements done, held for their turn in the output', '{element}'), (r) => r.held],
    [gauge('lanes.running', 'Elements whose work runs', '{element}'), (r) => r.running],
    [gauge('lanes.waiting', 'Elements admitted, waiting for their key or lane', '{element}'), (r) => r.waiting],
    [gauge('lanes.queued', 'Elements queued at the entrance, beyond the bound', '{element}'), (r) => r.queued],
    [gauge('lanes.oldest_wait', 'Longest wait of an element not started', 'ms'), (r) => r.oldestWaitMs],
    [gauge('lanes.oldest_held', 'Longest wait of a done element for its turn', 'ms'), (r) => r.oldestHeldMs],
    [gauge('lanes.ack.pending', 'Messages received and not yet acked or committed', '{message}'), (r) => r.ack?.pending],
    [gauge('lanes.ack.oldest', 'Age of the oldest message not yet acked or committed', 'ms'), (r) => r.ack?.oldestMs],
  ];
  const observables = gauges.map(([g]) => g);
  const callback = (result: { observe(observable: ObservableGauge, value: number, attributes?: Attributes): void }): void => {
    for (const snapshot of monitor.snapshot().runs) {
      const attributes: Attributes = { ...base, 'lanes.operator': snapshot.operator, 'lanes.run': snapshot.run };
      for (const [g, read] of gauges) {
        const value = read(snapshot);
        if (value !== undefined) result.observe(g, value, attributes);
      }
    }
  };
  meter.addBatchObservableCallback(callback, observables);
  return { monitor, shutdown: () => meter.removeBatchObservableCallback(callback, observables) };
}
