/**
 * An in-memory stand-in for a Kafka cluster and kafkajs 2.2.4 consumers, for testing the adapter
 * without a broker: the contract suite runs on it in `npm test` (spec/kafka/contract.spec.ts), and the
 * faults a real broker does not produce on demand are tested on it alone (consumeKafka.spec.ts). The
 * same contract runs on a real Kafka 4 broker in spec/integration/kafka/.
 *
 * It honours the documented behaviour of kafkajs's consumer, and the parts of its implementation the
 * adapter relies on (node_modules/kafkajs/src/consumer: runner.js, consumerGroup.js, offsetManager,
 * batch.js, subscriptionState.js, seekOffsets.js):
 *
 * - `run()` joins the group, emits GROUP_JOIN (payload.memberAssignment), resolves, and starts the
 *   fetch loop. A second `run()` while running is a no-op (kafkajs logs a warning).
 * - The fetch loop fetches every assigned partition that is not paused, from its fetch position, and
 *   calls `eachBatch` once per partition batch, awaiting it (`partitionsConsumedConcurrently` at
 *   once), then heartbeats. With every partition paused it sleeps `maxWaitTimeInMs`; with no data it
 *   long-polls up to `maxWaitTimeInMs`. A response for a partition that is paused, or has a seek
 *   pending, when the response arrives is dropped.
 * - The fetch position is the resolved offset (`resolveOffset(o)` → next fetch at `o + 1`; resolving the
 *   last delivered message of a batch also resolves trailing control records, like kafkajs). With
 *   `eachBatchAutoResolve` the batch's last offset is resolved after `eachBatch`. An unresolved
 *   message is fetched again.
 * - After every join the fetch positions restart from the committed offsets (kafkajs makes a new
 *   OffsetManager); pending seeks survive a re-join (they live on the ConsumerGroup) and are applied
 *   at the next fetch of an assigned partition.
 * - `seek` replaces any pending seek of the partition; `isStale()` is true while one is pending.
 * - Rebalance (eager): a member joining or leaving puts the group in "preparing"; each member sees it
 *   at its next heartbeat (after each batch, or when `eachBatch` calls `heartbeat()`), which throws
 *   REBALANCE_IN_PROGRESS; the loop then waits for the running batches, emits REBALANCING, and
 *   re-joins; when every member re-joined, the generation increments, partitions are assigned round
 *   robin and each member emits GROUP_JOIN. A member removed from the group (`kick`, a session
 *   timeout) gets UNKNOWN_MEMBER_ID at its heartbeat and re-joins without a REBALANCING event.
 * - `commitOffsets` is accepted when the member's generation is the group's (Kafka accepts commits of
 *   the current generation while a rebalance is being prepared) and is ignored while the consumer is
 *   stopping (kafkajs's runner returns early); before `run()` or after `stop()` it throws. Unlike
 *   kafkajs it does not retry a rejected commit.
 * - `stop()` stops the loop after the running `eachBatch` calls return, leaves the group, emits STOP.
 * - `crash()` does what kafkajs's onCrash does: stop (STOP), then CRASH with `restart`, and with
 *   `restart` a fresh run (new consumer group state, so no pending seeks) after a delay.
 * - With `autoCommit` (kafkajs's default) resolved offsets are committed after each batch.
 *
 * Simplifications: one broker (one fetcher); offsets as JS numbers; no retries, no request timeouts;
 * a new group starts at the earliest offset (as with `fromBeginning: true`).
 */
import type {
  Batch,
  ConsumerEvents,
  ConsumerRunConfig,
  EachBatchPayload,
  InstrumentationEvent,
  KafkaMessage,
  TopicPartitionOffset,
  TopicPartitionOffsetAndMetadata,
} from 'kafkajs';
import type { KafkajsConsumerLike } from '../../src/kafka';

export const EVENTS: ConsumerEvents = {
  HEARTBEAT: 'consumer.heartbeat',
  COMMIT_OFFSETS: 'consumer.commit_offsets',
  GROUP_JOIN: 'consumer.group_join',
  FETCH_START: 'consumer.fetch_start',
  FETCH: 'consumer.fetch',
  START_BATCH_PROCESS: 'consumer.start_batch_process',
  END_BATCH_PROCESS: 'consumer.end_batch_process',
  CONNECT: 'consumer.connect',
  DISCONNECT: 'consumer.disconnect',
  STOP: 'consumer.stop',
  CRASH: 'consumer.crash',
  REBALANCING: 'consumer.rebalancing',
  RECEIVED_UNSUBSCRIBED_TOPICS: 'consumer.received_unsubscribed_topics',
  REQUEST: 'consumer.network.request',
  REQUEST_TIMEOUT: 'consumer.network.request_timeout',
  REQUEST_QUEUE_SIZE: 'consumer.network.request_queue_size',
};

const tick = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const tpKey = (topic: string, partition: number): string => `${topic}/${partition}`;

/** kafkajs's protocol errors carry a `type`; the runner re-joins on these. */
export class FakeProtocolError extends Error {
  override readonly name = 'KafkaJSProtocolError';
  constructor(readonly type: 'REBALANCE_IN_PROGRESS' | 'ILLEGAL_GENERATION' | 'UNKNOWN_MEMBER_ID') {
    super(`fake broker: ${type}`);
  }
}

class NonRetriableError extends Error {
  override readonly name = 'KafkaJSNonRetriableError';
}

interface StoredRecord {
  offset: number;
  key: string | null;
  value: string;
  control: boolean;
  headers?: Record<string, string>;
}

export interface CommitRecord {
  topic: string;
  partition: number;
  offset: number;
  generation: number;
  member: string;
  /** Position in the broker's global event sequence (compare with handler completions). */
  seq: number;
}

/** One Kafka "cluster": topics with partitions, and consumer groups. */
export class FakeBroker {
  private readonly logs = new Map<string, StoredRecord[][]>();
  private readonly groups = new Map<string, FakeGroup>();
  private dataWaiters: (() => void)[] = [];
  /** A global sequence number, for ordering events across the broker and the tests. */
  seq = 0;

  createTopic(topic: string, partitions: number): void {
    this.logs.set(
      topic,
      Array.from({ length: partitions }, () => []),
    );
  }

  partitionsOf(topic: string): number {
    return this.log(topic).length;
  }

  /** Appends a record; `gap` skips offsets first (as compaction would leave). Returns its offset. */
  produce(topic: string, partition: number, key: string | null, value: string, gap = 0): number {
    const log = this.log(topic)[partition];
    const offset = (log.length ? log[log.length - 1].offset + 1 : 0) + gap;
    log.push({ offset, key, value, control: false });
    this.notifyData();
    return offset;
  }

  /** Appends a transaction marker: it takes an offset, kafkajs never hands it to the application. */
  produceControl(topic: string, partition: number): number {
    const log = this.log(topic)[partition];
    const offset = log.length ? log[log.length - 1].offset + 1 : 0;
    log.push({ offset, key: null, value: '', control: true });
    return offset;
  }

  /** Produces with the default partitioner's idea: a key always goes to the same partition. */
  produceKeyed(topic: string, key: string, value: string): { partition: number; offset: number } {
    const partition = hash(key) % this.partitionsOf(topic);
    return { partition, offset: this.produce(topic, partition, key, value) };
  }

  /** A producer appending to the fake's topics (keyed messages by the key's partition, others to partition 0). */
  producer(): {
    send(record: {
      topic: string;
      messages: { key?: Buffer | string | null; value: Buffer | string | null; headers?: Record<string, unknown> }[];
    }): Promise<void>;
  } {
    return {
      send: async ({ topic, messages }) => {
        await tick();
        for (const m of messages) {
          const key = m.key === undefined || m.key === null ? null : m.key.toString();
          const partition = key === null ? 0 : hash(key) % this.partitionsOf(topic);
          const headers = Object.fromEntries(Object.entries(m.headers ?? {}).map(([k, v]) => [k, String(v)]));
          const offset = this.produce(topic, partition, key, m.value === null ? '' : m.value.toString());
          this.log(topic)[partition].find((r) => r.offset === offset)!.headers = headers;
        }
      },
    };
  }

  records(topic: string, partition: number): readonly StoredRecord[] {
    return this.log(topic)[partition];
  }

  /** Up to `max` records from `offset` on (binary search: offsets ascend). */
  recordsFrom(topic: string, partition: number, offset: number, max: number): StoredRecord[] {
    const log = this.log(topic)[partition];
    let low = 0;
    let high = log.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (log[mid].offset < offset) low = mid + 1;
      else high = mid;
    }
    return log.slice(low, low + max);
  }

  /** One past the last offset of a partition. */
  endOffset(topic: string, partition: number): number {
    const log = this.log(topic)[partition];
    return log.length ? log[log.length - 1].offset + 1 : 0;
  }

  group(groupId: string): FakeGroup {
    let group = this.groups.get(groupId);
    if (!group) this.groups.set(groupId, (group = new FakeGroup(this, groupId)));
    return group;
  }

  /** Every consumer made, so a test can stop them all whatever happened. */
  readonly consumers: FakeConsumer[] = [];

  consumer(options: { groupId: string; topics: string[]; maxWaitTimeInMs?: number; maxBatchSize?: number }): FakeConsumer {
    const consumer = new FakeConsumer(this, this.group(options.groupId), options);
    this.consumers.push(consumer);
    return consumer;
  }

  log(topic: string): StoredRecord[][] {
    const log = this.logs.get(topic);
    if (!log) throw new Error(`fake broker: no topic ${topic}`);
    return log;
  }

  waitForData(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      function done(): void {
        clearTimeout(timer);
        resolve();
      }
      this.dataWaiters.push(done);
    });
  }

  private notifyData(): void {
    const waiters = this.dataWaiters;
    if (waiters.length === 0) return;
    this.dataWaiters = [];
    for (const wake of waiters) wake();
  }
}

function hash(key: string): number {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (Math.imul(h, 31) + key.charCodeAt(i)) | 0;
  return Math.abs(h);
}

/** A consumer group: membership, generations, assignment, committed offsets. */
export class FakeGroup {
  generation = 0;
  state: 'stable' | 'preparing' = 'stable';
  members: FakeConsumer[] = [];
  readonly committed = new Map<string, number>();
  /** The metadata committed with each partition's offset (Kafka keeps it with the offset). */
  readonly metadata = new Map<string, string | null>();
  readonly commits: CommitRecord[] = [];
  readonly rejectedCommits: (CommitRecord & { reason: string })[] = [];
  private joining = new Map<FakeConsumer, (assignment: Record<string, number[]>) => void>();

  constructor(
    private readonly broker: FakeBroker,
    readonly groupId: string,
  ) {}

  committedOffset(topic: string, partition: number): number | undefined {
    return this.committed.get(tpKey(topic, partition));
  }

  committedMetadata(topic: string, partition: number): string | null {
    return this.metadata.get(tpKey(topic, partition)) ?? null;
  }

  /** A member (re-)joins; resolves with its assignment once every member joined. */
  join(member: FakeConsumer): Promise<Record<string, number[]>> {
    if (!this.members.includes(member)) {
      this.members.push(member);
      if (this.members.length > 1) this.state = 'preparing';
    } else if (this.members.length > 1 || this.state === 'preparing') {
      this.state = 'preparing';
    }
    const joined = new Promise<Record<string, number[]>>((resolve) => this.joining.set(member, resolve));
    this.tryComplete();
    return joined;
  }

  leave(member: FakeConsumer): void {
    this.members = this.members.filter((m) => m !== member);
    this.joining.get(member)?.({}); // a member leaving while it waits to join wakes up with nothing
    this.joining.delete(member);
    if (this.members.length > 0) {
      this.state = 'preparing';
      this.tryComplete();
    } else {
      this.state = 'stable';
    }
  }

  /** Removes a member without its knowledge (a session timeout): it finds out at its next heartbeat. */
  kick(member: FakeConsumer): void {
    this.leave(member);
  }

  /** Forces a rebalance (e.g. new partitions, or a member joining elsewhere). */
  rebalance(): void {
    if (this.members.length > 0) this.state = 'preparing';
  }

  private tryComplete(): void {
    if (this.members.length === 0 || !this.members.every((m) => this.joining.has(m))) return;
    // every member is in: a new generation, assigned round robin over the sorted partitions
    setImmediate(() => {
      if (!this.members.every((m) => this.joining.has(m))) return;
      this.generation++;
      this.state = 'stable';
      const topics = [...new Set(this.members.flatMap((m) => m.topics))].sort();
      const assignments = new Map<FakeConsumer, Record<string, number[]>>(this.members.map((m) => [m, {}]));
      let i = 0;
      for (const topic of topics) {
        for (let partition = 0; partition < this.broker.partitionsOf(topic); partition++) {
          const member = this.members[i++ % this.members.length];
          (assignments.get(member)![topic] ??= []).push(partition);
        }
      }
      const joining = this.joining;
      this.joining = new Map();
      for (const [member, resolve] of joining) resolve(assignments.get(member) ?? {});
    });
  }

  commit(
    member: FakeConsumer,
    generation: number,
    offsets: { topic: string; partition: number; offset: number; metadata?: string | null }[],
  ): void {
    const accepted = generation === this.generation && this.members.includes(member);
    for (const { topic, partition, offset } of offsets) {
      const record = { topic, partition, offset, generation, member: member.memberId, seq: ++this.broker.seq };
      if (!accepted) {
        this.rejectedCommits.push({ ...record, reason: 'ILLEGAL_GENERATION' });
        continue;
      }
      this.commits.push(record);
      this.committed.set(tpKey(topic, partition), offset);
      this.metadata.set(tpKey(topic, partition), offsets.find((o) => o.topic === topic && o.partition === partition)?.metadata ?? null);
    }
    if (!accepted) throw new FakeProtocolError('ILLEGAL_GENERATION');
  }
}

let members = 0;

type Listener = (event: InstrumentationEvent<any>) => void;

/** A kafkajs consumer of the fake broker. */
export class FakeConsumer implements KafkajsConsumerLike {
  readonly events = EVENTS;
  readonly memberId = `member-${++members}`;
  readonly topics: string[];
  /** Errors `eachBatch` threw that were not rebalance errors (kafkajs would log and retry them). */
  readonly eachBatchErrors: unknown[] = [];
  /** Every `eachBatch` call: topic, partition, the offsets handed over. */
  readonly batches: { topic: string; partition: number; offsets: number[] }[] = [];
  runCalls = 0;
  /** Heartbeats sent (by the fetch loop and by `eachBatch` calling `payload.heartbeat()`). */
  heartbeats = 0;

  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly maxWaitTimeInMs: number;
  private readonly maxBatchSize: number;
  /** kafkajs's ConsumerGroup exists between run() and stop(). */
  private groupState: {
    config: ConsumerRunConfig;
    generation: number;
    assignment: Record<string, number[]>;
    positions: Map<string, number>;
    seeks: Map<string, number>;
    paused: Set<string>;
    running: boolean;
    needsRejoin: 'rebalance' | 'unknown-member' | null;
    loop: Promise<void> | null;
  } | null = null;
  private stopping: Promise<void> | null = null;
  private joiningNow = false;
  private eventId = 0;

  constructor(
    private readonly broker: FakeBroker,
    readonly group: FakeGroup,
    options: { topics: string[]; maxWaitTimeInMs?: number; maxBatchSize?: number },
  ) {
    this.topics = options.topics;
    this.maxWaitTimeInMs = options.maxWaitTimeInMs ?? 20;
    this.maxBatchSize = options.maxBatchSize ?? 100;
  }

  get running(): boolean {
    return this.groupState?.running ?? false;
  }

  get generation(): number | undefined {
    return this.groupState?.generation;
  }

  get assignment(): Record<string, number[]> {
    return this.groupState?.assignment ?? {};
  }

  // ---- kafkajs API -----------------------------------------------------------------------------

  async run(config?: ConsumerRunConfig): Promise<void> {
    this.runCalls++;
    if (this.groupState) return; // kafkajs: "consumer#run was called, but the consumer is already running"
    this.groupState = {
      config: config ?? {},
      generation: -1,
      assignment: {},
      positions: new Map(),
      seeks: new Map(),
      paused: new Set(),
      running: true,
      needsRejoin: null,
      loop: null,
    };
    await this.join(false);
    const state = this.groupState;
    if (state && state.running) state.loop = this.loop(state);
  }

  stop(): Promise<void> {
    if (this.stopping) return this.stopping;
    const state = this.groupState;
    if (!state) return Promise.resolve();
    state.running = false; // synchronously, as kafkajs's runner.stop()
    if (this.joiningNow) this.group.leave(this); // do not wait for a join barrier that may never complete
    this.stopping = (async () => {
      await state.loop;
      this.group.leave(this);
      this.groupState = null;
      this.emit(EVENTS.STOP, null);
    })().finally(() => (this.stopping = null));
    return this.stopping;
  }

  async commitOffsets(topicPartitions: TopicPartitionOffsetAndMetadata[]): Promise<void> {
    const offsets = topicPartitions.map(({ topic, partition, offset, metadata }) => {
      if (!topic) throw new NonRetriableError(`Invalid topic ${topic}`);
      const value = Number(offset);
      if (!Number.isInteger(value)) throw new NonRetriableError(`Invalid offset, expected a long received ${offset}`);
      if (value < 0) throw new NonRetriableError('Offset must not be a negative number');
      // Kafka's offset.metadata.max.bytes (default 4096): OFFSET_METADATA_TOO_LARGE
      if (metadata !== undefined && metadata !== null && metadata.length > 4096) throw new NonRetriableError('OFFSET_METADATA_TOO_LARGE');
      return { topic, partition, offset: value, metadata };
    });
    const state = this.groupState;
    if (!state) throw new NonRetriableError('Consumer group was not initialized, consumer#run must be called first');
    if (!state.running) return; // kafkajs's runner.commitOffsets: "consumer not running, exiting"
    const generation = state.generation;
    await tick();
    this.group.commit(this, generation, offsets);
    this.emit(EVENTS.COMMIT_OFFSETS, { groupId: this.group.groupId, memberId: this.memberId, groupGenerationId: generation });
  }

  seek({ topic, partition, offset }: TopicPartitionOffset): void {
    if (!topic) throw new NonRetriableError(`Invalid topic ${topic}`);
    const value = Number(offset);
    if (!Number.isInteger(value) || value < 0) throw new NonRetriableError('Offset must not be a negative number');
    const state = this.groupState;
    if (!state) throw new NonRetriableError('Consumer group was not initialized, consumer#run must be called first');
    state.seeks.set(tpKey(topic, partition), value);
  }

  pause(topics: { topic: string; partitions?: number[] }[]): void {
    const state = this.requireGroup();
    for (const { topic, partitions } of topics) {
      for (const partition of partitions ?? this.range(topic)) state.paused.add(tpKey(topic, partition));
    }
  }

  resume(topics: { topic: string; partitions?: number[] }[]): void {
    const state = this.requireGroup();
    for (const { topic, partitions } of topics) {
      for (const partition of partitions ?? this.range(topic)) state.paused.delete(tpKey(topic, partition));
    }
  }

  paused(): { topic: string; partitions: number[] }[] {
    const state = this.groupState;
    if (!state) return [];
    return Object.entries(state.assignment)
      .map(([topic, partitions]) => ({ topic, partitions: partitions.filter((p) => state.paused.has(tpKey(topic, p))) }))
      .filter(({ partitions }) => partitions.length > 0);
  }

  on(eventName: string, listener: Listener): () => void {
    if (!Object.values(EVENTS).includes(eventName as never)) throw new NonRetriableError(`Event name should be one of consumer.events.*`);
    let set = this.listeners.get(eventName);
    if (!set) this.listeners.set(eventName, (set = new Set()));
    set.add(listener);
    return () => set!.delete(listener);
  }

  // ---- test controls ---------------------------------------------------------------------------

  /** What kafkajs's onCrash does: stop, CRASH, and with `restart` a fresh run after `delayMs`. */
  async crash(error: Error, restart: boolean, delayMs = 5): Promise<void> {
    const config = this.groupState?.config;
    await this.stop();
    this.emit(EVENTS.CRASH, { error, groupId: this.group.groupId, restart });
    if (restart && config) {
      await sleep(delayMs);
      await this.run(config);
    }
  }

  listenerCount(): number {
    let n = 0;
    for (const set of this.listeners.values()) n += set.size;
    return n;
  }

  // ---- internals -------------------------------------------------------------------------------

  private requireGroup(): NonNullable<FakeConsumer['groupState']> {
    if (!this.groupState) throw new NonRetriableError('Consumer group was not initialized, consumer#run must be called first');
    return this.groupState;
  }

  private range(topic: string): number[] {
    return Array.from({ length: this.broker.partitionsOf(topic) }, (_, i) => i);
  }

  private emit(type: string, payload: unknown): void {
    const set = this.listeners.get(type);
    if (!set) return;
    const event: InstrumentationEvent<unknown> = { id: String(this.eventId++), type, timestamp: Date.now(), payload };
    for (const listener of [...set]) {
      try {
        Promise.resolve(listener(event)).catch(() => undefined);
      } catch {
        // kafkajs logs listener failures and goes on
      }
    }
  }

  private async join(rebalancing: boolean): Promise<void> {
    const state = this.groupState!;
    if (rebalancing) this.emit(EVENTS.REBALANCING, { groupId: this.group.groupId, memberId: this.memberId });
    this.joiningNow = true;
    const assignment = await this.group.join(this).finally(() => (this.joiningNow = false));
    if (this.groupState !== state || !state.running) return;
    state.generation = this.group.generation;
    state.assignment = assignment;
    state.needsRejoin = null;
    // a new OffsetManager: fetch positions restart from the committed offsets
    state.positions = new Map();
    for (const [topic, partitions] of Object.entries(assignment)) {
      for (const partition of partitions) state.positions.set(tpKey(topic, partition), this.group.committedOffset(topic, partition) ?? 0);
    }
    this.emit(EVENTS.GROUP_JOIN, {
      groupId: this.group.groupId,
      memberId: this.memberId,
      leaderId: this.group.members[0]?.memberId,
      isLeader: this.group.members[0] === this,
      memberAssignment: assignment,
      groupProtocol: 'RoundRobinAssigner',
      duration: 0,
    });
  }

  private heartbeat(state: NonNullable<FakeConsumer['groupState']>): Promise<void> {
    this.heartbeats++;
    if (!this.group.members.includes(this)) {
      state.needsRejoin = 'unknown-member';
      return Promise.reject(new FakeProtocolError('UNKNOWN_MEMBER_ID'));
    }
    if (this.group.state === 'preparing' || this.group.generation !== state.generation) {
      state.needsRejoin ??= 'rebalance';
      return Promise.reject(new FakeProtocolError('REBALANCE_IN_PROGRESS'));
    }
    return Promise.resolve();
  }

  private async loop(state: NonNullable<FakeConsumer['groupState']>): Promise<void> {
    while (state.running) {
      if (state.needsRejoin) {
        await this.join(state.needsRejoin === 'rebalance');
        continue;
      }
      const batches = await this.fetch(state);
      if (!state.running) break;
      if (batches.length === 0) {
        await this.heartbeat(state).catch(() => undefined);
        continue;
      }
      await this.process(state, batches);
    }
  }

  /** kafkajs's workerQueue: every batch of the fetch is handled, `concurrency` at a time. */
  private async process(state: NonNullable<FakeConsumer['groupState']>, batches: FakeBatch[]): Promise<void> {
    const concurrency = state.config.partitionsConsumedConcurrently ?? 1;
    let next = 0;
    const worker = async (): Promise<void> => {
      while (next < batches.length) {
        const batch = batches[next++];
        if (!state.running) continue; // kafkajs's handleBatch: "consumer not running, exiting"
        try {
          await this.handleBatch(state, batch);
          await this.heartbeat(state);
        } catch (error) {
          if (!(error instanceof FakeProtocolError)) this.eachBatchErrors.push(error);
        }
      }
    };
    await Promise.all(Array.from({ length: Math.min(concurrency, batches.length) }, worker));
  }

  private async handleBatch(state: NonNullable<FakeConsumer['groupState']>, batch: FakeBatch): Promise<void> {
    const { topic, partition } = batch;
    const key = tpKey(topic, partition);
    const config = state.config;
    this.batches.push({ topic, partition, offsets: batch.messages.map((m) => Number(m.offset)) });
    if (config.eachBatch) {
      const lastFiltered = batch.messages[batch.messages.length - 1];
      const payload: EachBatchPayload = {
        batch,
        resolveOffset: (offset: string) => {
          // kafkajs: resolving the last delivered message also resolves trailing control records
          const resolved = lastFiltered && Number(offset) === Number(lastFiltered.offset) ? Number(batch.lastOffset()) : Number(offset);
          if (this.groupState === state) state.positions.set(key, resolved + 1);
        },
        heartbeat: () => this.heartbeat(state),
        pause: () => {
          this.pause([{ topic, partitions: [partition] }]);
          return () => this.resume([{ topic, partitions: [partition] }]);
        },
        commitOffsetsIfNecessary: async () => undefined,
        uncommittedOffsets: () => ({ topics: [] }),
        isRunning: () => state.running,
        isStale: () => state.seeks.has(key),
      };
      try {
        await config.eachBatch(payload);
      } catch (error) {
        if (config.autoCommit !== false) await this.autoCommit(state).catch(() => undefined);
        throw error;
      }
      if (config.eachBatchAutoResolve !== false) state.positions.set(key, Number(batch.lastOffset()) + 1);
    } else if (config.eachMessage) {
      for (const message of batch.messages) {
        if (!state.running || state.seeks.has(key)) break;
        await config.eachMessage({
          topic,
          partition,
          message,
          heartbeat: () => this.heartbeat(state),
          pause: () => {
            this.pause([{ topic, partitions: [partition] }]);
            return () => this.resume([{ topic, partitions: [partition] }]);
          },
        });
        // kafkajs's processEachMessage: resolve, heartbeat, auto-commit if necessary — per message
        state.positions.set(key, Number(message.offset) + 1);
        await this.heartbeat(state);
        await Promise.resolve(); // commitOffsetsIfNecessary (no interval or threshold set: nothing to do)
        if (state.paused.has(key)) break;
      }
    }
    if (config.autoCommit !== false) await this.autoCommit(state);
  }

  private async autoCommit(state: NonNullable<FakeConsumer['groupState']>): Promise<void> {
    const offsets: { topic: string; partition: number; offset: string }[] = [];
    for (const [topic, partitions] of Object.entries(state.assignment)) {
      for (const partition of partitions) {
        const position = state.positions.get(tpKey(topic, partition));
        if (position !== undefined && position !== this.group.committedOffset(topic, partition)) {
          offsets.push({ topic, partition, offset: String(position) });
        }
      }
    }
    if (offsets.length > 0) await this.commitOffsets(offsets);
  }

  private async fetch(state: NonNullable<FakeConsumer['groupState']>): Promise<FakeBatch[]> {
    // pending seeks of assigned partitions are applied first (kafkajs: seekOffsets → resolveOffset(o - 1))
    const assigned: [string, number][] = [];
    for (const [topic, partitions] of Object.entries(state.assignment)) for (const p of partitions) assigned.push([topic, p]);
    for (const [topic, partition] of assigned) {
      const key = tpKey(topic, partition);
      const seek = state.seeks.get(key);
      if (seek !== undefined) {
        state.seeks.delete(key);
        state.positions.set(key, seek);
      }
    }
    const active = assigned.filter(([topic, partition]) => !state.paused.has(tpKey(topic, partition)));
    if (active.length === 0) {
      await sleep(this.maxWaitTimeInMs); // kafkajs: "if (!requests.length) await sleep(this.maxWaitTime)"
      return [];
    }
    const requests = active.map(([topic, partition]) => ({
      topic,
      partition,
      fetchOffset: state.positions.get(tpKey(topic, partition)) ?? 0,
    }));
    const hasData = (): boolean =>
      requests.some(({ topic, partition, fetchOffset }) => this.broker.endOffset(topic, partition) > fetchOffset);
    if (!hasData()) await this.broker.waitForData(this.maxWaitTimeInMs);
    else await tick(); // the network
    if (!state.running || this.groupState !== state) return [];
    const batches: FakeBatch[] = [];
    for (const { topic, partition, fetchOffset } of requests) {
      const key = tpKey(topic, partition);
      // responses for partitions paused or with a seek pending meanwhile are dropped
      if (state.seeks.has(key) || state.paused.has(key)) continue;
      if (!(state.assignment[topic] ?? []).includes(partition)) continue;
      const records = this.broker.recordsFrom(topic, partition, fetchOffset, this.maxBatchSize);
      if (records.length === 0) continue;
      const batch = new FakeBatch(topic, partition, records, this.broker.endOffset(topic, partition));
      if (batch.messages.length === 0) {
        // only control records: kafkajs resolves them itself and does not call eachBatch
        state.positions.set(key, Number(batch.lastOffset()) + 1);
        continue;
      }
      batches.push(batch);
    }
    return batches;
  }
}

class FakeBatch implements Batch {
  readonly messages: KafkaMessage[];
  readonly highWatermark: string;
  private readonly last: number;
  private readonly first: number;

  constructor(
    readonly topic: string,
    readonly partition: number,
    records: readonly StoredRecord[],
    highWatermark: number,
  ) {
    this.highWatermark = String(highWatermark);
    this.first = records[0].offset;
    this.last = records[records.length - 1].offset;
    this.messages = records
      .filter((r) => !r.control)
      .map((r) => ({
        key: r.key === null ? null : Buffer.from(r.key),
        value: Buffer.from(r.value),
        timestamp: '0',
        attributes: 0,
        offset: String(r.offset),
        headers: Object.fromEntries(Object.entries(r.headers ?? {}).map(([k, v]) => [k, Buffer.from(v)])),
      }));
  }

  isEmpty(): boolean {
    return this.messages.length === 0;
  }
  firstOffset(): string | null {
    return String(this.first);
  }
  lastOffset(): string {
    return String(this.last);
  }
  offsetLag(): string {
    return String(Number(this.highWatermark) - 1 - this.last);
  }
  offsetLagLow(): string {
    return String(Number(this.highWatermark) - 1 - this.first);
  }
}
