// The scenarios drawn in docs/marbles/. Each runs the REAL exported operator (imported from src/) in
// virtual time; change a scenario here, run `npx tsx scripts/marbles/generate.ts`, and commit the SVGs.
import {
  batchByLane,
  batchByLaneFromBatches,
  boundedOrdering,
  mapAsync,
  mapAsyncPartitioned,
  mapAsyncPartitionedUnordered,
} from '../../src/index.js';
import { captureAsyncMap, captureBatchByLane, captureBoundedOrdering, type AsyncMapScenario, type Message } from './capture.js';
import type { Diagram } from './model.js';

/** A diagram and, when its ASCII form is the operator's TSDoc diagram, the source file that carries it. */
export interface DiagramSpec {
  name: string;
  /** The source file whose TSDoc ```text block must equal this diagram's ASCII form (relative to the repo). */
  tsdoc?: string;
  build: () => Diagram;
}

/** Per-key serialisation and an out-of-order completion, shared by the ordered and unordered siblings. */
const partitionedInput = {
  source: '-abc-------|',
  keys: { a: 'x', b: 'x', c: 'y' },
  inner: { a: '----(A|)', b: '--(B|)', c: '-(C|)' },
  legend: { wait: 'waiting for its key (perKey 1)', run: 'inner running', held: 'done, held for input order' },
} satisfies Partial<AsyncMapScenario>;

export const diagrams: DiagramSpec[] = [
  {
    name: 'latest-wins',
    build: () =>
      captureAsyncMap({
        name: 'latest-wins',
        source: '-abcd--e-----|',
        keys: { a: 'x', b: 'x', c: 'x', d: 'y', e: 'x' },
        inner: { a: '----(A|)', b: '-(B|)', c: '----(C|)', d: '--(D|)', e: '----(E|)' },
        legend: { wait: 'waiting for its key (one waiting slot per key)', run: 'inner running', held: 'done, held for input order' },
        caption: 'mapAsyncPartitioned({ parallelism: 4, key: (v) => v.key, latest: true, onSuperseded }, (v) => work(v))',
        summary:
          'b waits for a; c supersedes b (b never runs, onSuperseded is told); c runs when a completes; d runs beside; e waits for c.',
        operator: (work, superseded) =>
          mapAsyncPartitioned(
            { parallelism: 4, key: (v) => v.key, latest: true, onSuperseded: ({ value, by }) => superseded(value, by) },
            (v) => work(v),
          ),
        asciiNotes: {
          source: 'parallelism 4, latest: true',
          'b (key x)': 'superseded by c: never runs',
          'c (key x)': 'the newest of x: runs when a completes',
          'e (key x)': 'waits for c',
        },
      }),
  },
  {
    name: 'mapAsyncPartitioned',
    tsdoc: 'src/mapAsyncPartitioned.ts',
    build: () =>
      captureAsyncMap({
        ...partitionedInput,
        name: 'mapAsyncPartitioned',
        caption: 'mapAsyncPartitioned(4, 1, (v) => v.key, (v) => work(v))',
        summary: 'b waits for a (same key); c runs beside a and finishes first, but is emitted after A and B.',
        operator: (work) =>
          mapAsyncPartitioned(
            4,
            1,
            (v) => v.key,
            (v) => work(v),
          ),
        asciiNotes: {
          source: 'parallelism 4, perKey 1',
          'a (key x)': "^ a's inner subscribed, ! it emits A, completes",
          'b (key x)': 'waits for a (same key)',
          'c (key y)': 'runs beside a, done first',
          output: 'C is held until A and B are out',
        },
      }),
  },
  {
    name: 'mapAsyncPartitionedUnordered',
    tsdoc: 'src/mapAsyncPartitionedUnordered.ts',
    build: () =>
      captureAsyncMap({
        ...partitionedInput,
        name: 'mapAsyncPartitionedUnordered',
        legend: { wait: partitionedInput.legend.wait, run: partitionedInput.legend.run },
        caption: 'mapAsyncPartitionedUnordered(4, 1, (v) => v.key, (v) => work(v))',
        summary: 'Same input: results come out as they complete; b still starts only after a (same key).',
        operator: (work) =>
          mapAsyncPartitionedUnordered(
            4,
            1,
            (v) => v.key,
            (v) => work(v),
          ),
        asciiNotes: {
          source: 'parallelism 4, perKey 1',
          'a (key x)': "^ a's inner subscribed, ! it emits A, completes",
          'b (key x)': 'waits for a (same key)',
          output: 'as completed: C first',
        },
      }),
  },
  {
    name: 'mapAsync',
    tsdoc: 'src/mapAsync.ts',
    build: () =>
      captureAsyncMap({
        name: 'mapAsync',
        caption: 'mapAsync(2, (v) => work(v))',
        summary: 'At most 2 held: c and d wait until A and B are emitted; B and D finish early and wait for order.',
        source: '-abcd--|',
        inner: { a: '-----(A|)', b: '--(B|)', c: '----(C|)', d: '--(D|)' },
        operator: (work) => mapAsync(2, (v) => work(v)),
        legend: { wait: 'waiting for a slot (parallelism 2)', run: 'inner running', held: 'done, held for input order' },
        asciiNotes: {
          source: 'parallelism 2',
          a: "^ a's inner subscribed, ! it emits A, completes",
          c: 'c and d wait for a slot',
          output: 'B and D wait for A and C',
        },
      }),
  },
  {
    name: 'mapAsync-error',
    build: () =>
      captureAsyncMap({
        name: 'mapAsync-error',
        caption: 'mapAsync(2, (v) => work(v))',
        summary: "b's inner errors: the output errors at once (A is never emitted), a's inner is torn down, c never starts.",
        source: '-abc------|',
        inner: { a: '-----(A|)', b: '--#', c: '-(C|)' },
        operator: (work) => mapAsync(2, (v) => work(v)),
        legend: { wait: 'waiting for a slot', run: 'inner running' },
        asciiNotes: { a: 'torn down at 4', c: 'never subscribed', output: 'fails fast' },
        frames: 12,
      }),
  },

  {
    name: 'boundedOrdering',
    tsdoc: 'src/boundedOrdering.ts',
    build: () =>
      captureBoundedOrdering({
        name: 'boundedOrdering',
        caption: 'boundedOrdering({ maxBounded: 2, initialId: 1, nextId: (id) => id + 1, getId: (v) => v })',
        summary: '2 waits for 1; 4 and 5 fill the window, so 6 gives up on 3 and releases 4, 5, 6; 3 then comes late.',
        source: '-21-45-6----3--|',
        operator: ({ onGap, onLate }) =>
          boundedOrdering({ maxBounded: 2, initialId: 1, nextId: (id: number) => id + 1, getId: (v: number) => v, onGap, onLate }),
        legend: { held: 'waiting in the buffer (maxBounded 2)' },
        asciiNotes: { source: 'maxBounded 2, initialId 1' },
      }),
  },
  {
    name: 'batchByLane',
    tsdoc: 'src/batchByLane.ts',
    build: () =>
      captureBatchByLane({
        name: 'batchByLane',
        caption: 'batchByLane({ key: (m) => m.lane, size: 2, maxWait: 4 }, (batch) => save(batch))',
        summary:
          'Lane x flushes [a,c] at size 2; lane y flushes [b] after maxWait 4; [d] flushes at completion. Settlements in input order.',
        source: '-abc---d--|',
        lanes: { a: 'x', b: 'y', c: 'x', d: 'x' },
        handler: '--(r|)',
        operator: (handler) => batchByLane({ key: (m) => m.lane, size: 2, maxWait: 4 }, (batch, lane) => handler(batch, lane)),
        legend: { wait: 'buffered in its lane', run: 'handler running (one batch per lane)', held: 'settled, held for input order' },
        asciiNotes: {
          source: 'size 2, maxWait 4; the handler takes 2 frames',
          '[a,c] lane x': 'flushed at size 2',
          '[b] lane y': 'flushed by maxWait (b arrived at 2)',
          '[d] lane x': 'flushed at completion',
          output: 'one settlement per message, input order',
        },
      }),
  },

  {
    name: 'batchByLaneFromBatches',
    tsdoc: 'src/batchByLaneFromBatches.ts',
    build: () =>
      captureBatchByLane({
        name: 'batchByLaneFromBatches',
        caption: 'batchByLaneFromBatches({ key: (m) => m.lane, size: 2 }, (batch) => save(batch))',
        summary: 'Each fetched array is regrouped by lane at once; settlements come out per message, in message order.',
        source: '-p---q----|',
        arrays: { p: 'abc', q: 'de' },
        lanes: { a: 'x', b: 'y', c: 'x', d: 'y', e: 'x' },
        handler: '--(r|)',
        operator: (handler) => batchByLaneFromBatches({ key: (m: Message) => m.lane, size: 2 }, (batch, lane) => handler(batch, lane)),
        legend: { wait: 'buffered in its lane', run: 'handler running (one batch per lane)', held: 'settled, held for input order' },
        asciiNotes: {
          source: 'p = [a,b,c], q = [d,e]; size 2',
          '[a,c] lane x': 'lane x full within p',
          '[b,d] lane y': 'lane y full with q',
          '[e] lane x': 'flushed at completion',
          output: 'one settlement per message',
        },
      }),
  },
];
