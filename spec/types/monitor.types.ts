// Type-level tests of lanesMonitor and the `monitor` option (see mapAsync.types.ts for how they run).
import { expectTypeOf } from 'expect-type';
import { of } from 'rxjs';
import {
  batchByLane,
  boundedOrdering,
  lanesMonitor,
  mapAsync,
  mapAsyncPartitioned,
  type LanesAckLag,
  type LanesCounts,
  type LanesEvent,
  type LanesKeyBacklog,
  type LanesMonitor,
  type LanesRunSnapshot,
  type LanesSnapshot,
  type MonitorOptions,
} from 'rxjs-lanes';
import { consumeJetStream, type ConsumeJetStreamOptions } from 'rxjs-lanes/jetstream';
import type { ConsumeKafkaOptions } from 'rxjs-lanes/kafka';

const monitor = lanesMonitor({ topKeys: 3, name: 'saves', onEvent: (event) => expectTypeOf(event).toEqualTypeOf<LanesEvent>() });
expectTypeOf(monitor).toEqualTypeOf<LanesMonitor>();
expectTypeOf(lanesMonitor()).toEqualTypeOf<LanesMonitor>();
// @ts-expect-error -- unknown option
lanesMonitor({ topkeys: 3 });

const snapshot = monitor.snapshot();
expectTypeOf(snapshot).toEqualTypeOf<LanesSnapshot>();
expectTypeOf(snapshot.at).toEqualTypeOf<number>();
expectTypeOf(snapshot.total).toEqualTypeOf<LanesCounts>();
expectTypeOf(snapshot.runs).toEqualTypeOf<readonly LanesRunSnapshot[]>();
declare const run: LanesRunSnapshot;
expectTypeOf(run.held).toEqualTypeOf<number>();
expectTypeOf(run.oldestWaitMs).toEqualTypeOf<number>();
expectTypeOf(run.topKeys).toEqualTypeOf<readonly LanesKeyBacklog[]>();
expectTypeOf(run.ack).toEqualTypeOf<LanesAckLag | undefined>();
expectTypeOf(run.name).toEqualTypeOf<string | undefined>();
declare const event: LanesEvent;
expectTypeOf(event.type).toEqualTypeOf<'admitted' | 'started' | 'settled' | 'emitted' | 'acked'>();
// @ts-expect-error -- snapshots are read-only views for the caller
snapshot.runs.push(run);

// Every operator and adapter takes it.
of(1).pipe(mapAsync({ parallelism: 2, project: (n) => of(n), monitor }));
of(1).pipe(mapAsyncPartitioned({ parallelism: 2, perKey: 1, key: (n) => n, project: (n) => of(n), monitor }));
of(1).pipe(batchByLane({ key: (n) => n, size: 2, monitor }, (batch) => batch));
of(1).pipe(boundedOrdering({ maxBounded: 2, initialId: 1, nextId: (i) => i + 1, getId: (n) => n, monitor }));
expectTypeOf<ConsumeJetStreamOptions<string>['monitor']>().toEqualTypeOf<LanesMonitor | undefined>();
expectTypeOf<ConsumeKafkaOptions['monitor']>().toEqualTypeOf<LanesMonitor | undefined>();
expectTypeOf<MonitorOptions['monitor']>().toEqualTypeOf<LanesMonitor | undefined>();
void consumeJetStream;
// @ts-expect-error -- a monitor, not a function
of(1).pipe(mapAsync({ parallelism: 2, project: (n) => of(n), monitor: () => undefined }));
