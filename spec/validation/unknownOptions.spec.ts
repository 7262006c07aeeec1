/**
 * Every options form of the pack rejects option names it does not know, when the operator is created,
 * with one message shape: `<operator>: unknown option "<name>"[; did you mean "<known>"?] (known: …)`.
 */
import { of, type SchedulerLike } from 'rxjs';
import {
  adaptiveLimit,
  batchByLane,
  batchByLaneFromBatches,
  boundedOrdering,
  mapAsync,
  mapAsyncPartitioned,
  mapAsyncPartitionedUnordered,
} from '../../src/index';
import { consumeJetStream, fromJetStream, settleBatchResults, type JetStreamPullConsumer } from '../../src/jetstream/index';
import { consumeKafka, type KafkaConsumerLike } from '../../src/kafka/index';

const project = (x: number) => of(x);
const handler = (batch: readonly number[]) => batch.map(() => 1);
const jetStreamConsumer = { fetch: () => Promise.reject(new Error('unused')), info: () => Promise.reject(new Error('unused')) };
const kafkaConsumer = { run: () => 0, stop: () => 0, seek: () => 0, commitOffsets: () => 0, on: () => 0, events: {} };

/** Each options form, with a valid options object and a way to call it with extra options. */
/** The pull options fromJetStream and consumeJetStream share, in the order their messages list them. */
const jetStreamPullOptions = ['stop', 'onStatus', 'onDiagnostic', 'awaitPending', 'expires', 'minPull', 'maxPull', 'scheduler', 'group'];

const forms: [string, string[], (extra: Record<string, unknown>) => unknown][] = [
  ['mapAsync', ['parallelism', 'project', 'valve', 'maxQueued', 'monitor'], (extra) => mapAsync({ parallelism: 2, project, ...extra })],
  [
    'mapAsyncPartitioned',
    ['parallelism', 'perKey', 'key', 'project', 'valve', 'maxQueued', 'latest', 'onSuperseded', 'monitor'],
    (extra) => mapAsyncPartitioned({ parallelism: 2, perKey: 1, key: (x: number) => x, project, ...extra }),
  ],
  [
    'mapAsyncPartitionedUnordered',
    ['parallelism', 'perKey', 'key', 'project', 'valve', 'maxQueued', 'latest', 'onSuperseded', 'monitor'],
    (extra) => mapAsyncPartitionedUnordered({ parallelism: 2, perKey: 1, key: (x: number) => x, project, ...extra }),
  ],
  [
    'adaptiveLimit',
    ['min', 'max', 'initial', 'algorithm', 'backoffRatio', 'latencyThreshold', 'tolerance', 'smoothing', 'longWindow', 'scheduler'],
    (extra) => adaptiveLimit({ max: 4, ...extra }),
  ],
  [
    'batchByLane',
    ['key', 'size', 'maxWait', 'concurrency', 'maxInFlight', 'ordered', 'scheduler', 'onDiagnostic', 'valve', 'maxQueued', 'monitor'],
    (extra) => batchByLane({ key: (x: number) => x, size: 2, ...extra }, handler),
  ],
  [
    'batchByLaneFromBatches',
    ['key', 'size', 'maxWait', 'concurrency', 'maxInFlight', 'ordered', 'scheduler', 'onDiagnostic', 'valve', 'maxQueued', 'monitor'],
    (extra) => batchByLaneFromBatches({ key: (x: number) => x, size: 2, ...extra }, handler),
  ],
  [
    'boundedOrdering',
    ['maxBounded', 'initialId', 'nextId', 'getId', 'compare', 'maxWait', 'scheduler', 'onGap', 'onLate', 'monitor'],
    (extra) => boundedOrdering({ maxBounded: 4, initialId: 0, nextId: (n: number) => n + 1, getId: (n: number) => n, ...extra }),
  ],
  [
    'fromJetStream',
    ['window', 'valve', ...jetStreamPullOptions, 'monitor'],
    (extra) => fromJetStream(jetStreamConsumer as unknown as JetStreamPullConsumer, { window: 4, ...extra }),
  ],
  [
    'consumeJetStream',
    ['parallelism', 'perKey', 'key', 'handler', 'onError', 'keepAlive', 'window', ...jetStreamPullOptions, 'retry', 'monitor'],
    (extra) =>
      consumeJetStream(jetStreamConsumer as unknown as JetStreamPullConsumer, { parallelism: 4, handler: () => undefined, ...extra }),
  ],
  ['settleBatchResults', ['onMissing'], (extra) => settleBatchResults({ ...extra })],
  [
    'consumeKafka',
    [
      'parallelism',
      'perKey',
      'key',
      'handler',
      'onError',
      'deadLetter',
      'maxAttempts',
      'recordFinished',
      'readCommitted',
      'stop',
      'onStatus',
      'onCommit',
      'commitInterval',
      'heartbeatInterval',
      'scheduler',
      'monitor',
    ],
    (extra) => consumeKafka(kafkaConsumer as unknown as KafkaConsumerLike, { parallelism: 4, handler: () => undefined, ...extra }),
  ],
];

describe.each(forms)('%s', (operator, known, call) => {
  it('accepts its valid options', () => {
    expect(() => call({})).not.toThrow();
  });

  it('rejects an unknown option, listing the known ones', () => {
    expect(() => call({ colour: 'blue' })).toThrow(TypeError);
    expect(() => call({ colour: 'blue' })).toThrow(`${operator}: unknown option "colour" (known: ${known.join(', ')})`);
  });

  it('suggests the known option a typo is closest to', () => {
    const target = known[known.length - 1]!;
    const typo = target.slice(0, -1); // one letter short: "maxQueue" for "maxQueued"
    expect(() => call({ [typo]: 1 })).toThrow(
      `${operator}: unknown option ${JSON.stringify(typo)}; did you mean ${JSON.stringify(target)}?`,
    );
  });
});

/** Option names a user of another library would guess, and the hint each one gets. */
const hints: [string, () => unknown, RegExp][] = [
  [
    'points Akka users from partitioner to key',
    () => mapAsyncPartitioned({ parallelism: 2, perKey: 1, key: (x: number) => x, project, partitioner: (x: number) => x } as never),
    /unknown option "partitioner".*The key function is called "key" \(Akka's partitioner\)/,
  ],
  [
    'points Akka users from perPartition to perKey',
    () => mapAsyncPartitionedUnordered({ parallelism: 2, perKey: 1, key: (x: number) => x, project, perPartition: 1 } as never),
    /unknown option "perPartition".*The per-key bound is called "perKey" \(Akka's perPartition\)/,
  ],
  [
    'explains that boundedOrdering takes no flow control',
    () => boundedOrdering({ maxBounded: 4, initialId: 0, nextId: (n: number) => n + 1, getId: (n: number) => n, valve: 1 } as never),
    /unknown option "valve".*boundedOrdering never refuses input/,
  ],
  [
    'explains that consumeJetStream makes its own valve',
    () =>
      consumeJetStream(
        jetStreamConsumer as unknown as JetStreamPullConsumer,
        { parallelism: 4, handler: () => undefined, valve: 1 } as never,
      ),
    /unknown option "valve".*makes its valve internally/,
  ],
];

describe('hints for names the pack spells differently', () => {
  it.each(hints)('%s', (_, call, message) => {
    expect(call).toThrow(message);
  });
});

/** The operators with a maxWait, called with it (and a scheduler when given). */
const withMaxWait: [string, (maxWait: number, scheduler?: SchedulerLike) => unknown][] = [
  [
    'batchByLane',
    (maxWait, scheduler) => batchByLane({ key: (x: number) => x, size: 2, maxWait, ...(scheduler && { scheduler }) }, handler),
  ],
  [
    'boundedOrdering',
    (maxWait, scheduler) =>
      boundedOrdering({
        maxBounded: 4,
        initialId: 0,
        nextId: (n: number) => n + 1,
        getId: (n: number) => n,
        maxWait,
        ...(scheduler && { scheduler }),
      }),
  ],
];

describe.each(withMaxWait)('durations: %s takes maxWait Infinity (no limit), never a negative number or NaN', (operator, call) => {
  const scheduler: SchedulerLike = { now: () => 0, schedule: () => ({ unsubscribe() {}, closed: false }) } as never;

  it.each([0, 5, Infinity])('accepts maxWait %p', (maxWait) => {
    expect(() => call(maxWait, scheduler)).not.toThrow();
  });

  it.each([-1, NaN])('rejects maxWait %p with the message every operator uses', (maxWait) => {
    expect(() => call(maxWait)).toThrow(`${operator}: maxWait must be a number of milliseconds ≥ 0, or Infinity, got ${maxWait}`);
  });
});

/** The options forms with a scheduler, called with one. */
const withScheduler: [string, (scheduler: SchedulerLike) => unknown][] = [
  ['batchByLane', (scheduler) => batchByLane({ key: (x: number) => x, size: 2, scheduler }, handler)],
  [
    'consumeKafka',
    (scheduler) => consumeKafka(kafkaConsumer as unknown as KafkaConsumerLike, { parallelism: 4, handler: () => undefined, scheduler }),
  ],
  ['fromJetStream', (scheduler) => fromJetStream(jetStreamConsumer as unknown as JetStreamPullConsumer, { window: 4, scheduler })],
];

it.each(withScheduler)('%s rejects a scheduler without now with the message every operator uses', (operator, call) => {
  const bad = { schedule: () => undefined };
  expect(() => call(bad as never)).toThrow(`${operator}: scheduler must be a SchedulerLike (with now and schedule), got an object`);
});
