// A browser app (an Angular page, say): no Node types. The main entry and rxjs-lanes/jetstream (whose client,
// nats.ws, runs in browsers) must type-check here; rxjs-lanes/kafka is Node-only (its messages are Buffers).
import { of } from 'rxjs';
import { batchByLane, boundedOrdering, mapAsyncPartitioned, Valve } from 'rxjs-lanes';
import { fromJetStream } from 'rxjs-lanes/jetstream';

export const pipeline = of(1, 2, 3).pipe(
  mapAsyncPartitioned({ parallelism: 2, perKey: 1, key: (n: number) => n % 2, project: (n) => Promise.resolve(n) }),
  boundedOrdering({ maxBounded: 4, initialId: 1, nextId: (n: number) => n + 1, getId: (n: number) => n }),
  batchByLane({ key: (n: number) => n, size: 2 }, (batch) => batch.map((n) => n * 2)),
);
export const valve = new Valve();
export type Source = typeof fromJetStream;
