import { Observable, type SchedulerAction, type Subscriber, type Subscription, type Unsubscribable } from 'rxjs';
import { Valve } from '../flow/Valve.js';
import { listenToStop } from '../broker/StopSignal.js';
import { mapAsyncPartitionedUnordered } from '../mapAsyncPartitionedUnordered.js';
import {
  isConfluentConsumer,
  type ConfluentConsumerLike,
  type KafkaBatchPayloadLike as EachBatchPayload,
  type KafkaConsumerEventLike,
  type KafkaConsumerLike,
  type KafkajsConsumerLike,
} from './client.js';
import { CommitTracker, type OffsetTicket } from './CommitTracker.js';
import { decodeFinished } from './finishedMetadata.js';
import { HandlerRunner, type SettlingHost } from './HandlerRunner.js';
import { Delivery, InFlight, partitionKeyOf, settlement } from './InFlight.js';
import { nakDelay, type Outcome } from '../broker/Outcome.js';
import { OffsetCommitter } from './OffsetCommitter.js';
import { OPERATOR, type KafkaRunConfig } from './options.js';
import { ParkedBatches } from './ParkedBatches.js';
import { PartitionSignals } from './PartitionSignals.js';
import { PendingSeeks } from './PendingSeeks.js';
import { CommitLag } from './CommitLag.js';
import { ScopedHub } from '../internal/monitor/MonitorHub.js';
import type { KafkaConsumerStatus, KafkaSettlement } from './types.js';

/** Consumers currently driven by a subscription: kafkajs runs a consumer once at a time. */
const driven = new WeakSet<object>();

type Phase = 'running' | 'draining' | 'closing' | 'closed';

/**
 * One subscription of {@link consumeKafka}: all the state of one run of the consumer. It drives kafkajs
 * (`run`, `eachBatch`, the group events), pushes deliveries into a `mapAsyncPartitionedUnordered`
 * pipeline, fences partitions on a rebalance, redelivers naks by seeking, and ends the run (drain,
 * failure or unsubscribe) with a last commit and `consumer.stop()`.
 */
export class KafkaRun<K> implements SettlingHost<K> {
  private phase: Phase = 'running';
  private status: KafkaConsumerStatus | undefined;
  private readonly tracker = new CommitTracker();
  private readonly valve = new Valve();
  /** The pipeline's source: deliveries are pushed into it from `eachBatch`. */
  private feed: Subscriber<InFlight<K>> | null = null;
  private pipeline: Subscription | null = null;
  private readonly signals = new PartitionSignals();
  private readonly seeks = new PendingSeeks();
  private readonly nakTimers = new Set<Subscription>();
  private readonly handlers: HandlerRunner<K>;
  /** Set when the pipeline is torn down early: late handler results have no effect then. */
  tornDown = false;
  private readonly commits: OffsetCommitter;
  private commitTimer: Subscription | null = null;
  private readonly removers: (() => void)[] = [];
  private stopSubscription: Unsubscribable | null = null;
  private readonly parked: ParkedBatches;
  private heartbeatTimer: Subscription | null = null;
  /** Set once `consumer.stop()` was called: `eachBatch` calls held during a drain may return. */
  private stopCalled = false;
  /** Counts our seeks, so `eachBatch` asks kafkajs whether its batch went stale only when it may have. */
  private seekCount = 0;
  private stoppedAgain = false;
  /** `consumer.run()`: kafkajs resolves it once the first join is done (or failed). */
  private runPromise: Promise<void> | null = null;
  /** Whether `consumer.run()` settled (or was never called): before, kafkajs cannot be stopped. */
  private runSettled = true;
  /**
   * A consumer of \@confluentinc/kafka-javascript: no group events and no `stop()`. The adapter reads its
   * assignment instead (before each batch, each commit and on the heartbeat ticker) and disconnects it.
   */
  private readonly confluent: boolean;
  /** With `recordFinished`: per newly assigned partition, the read of its committed metadata. */
  private readonly restores = new Map<string, Promise<void>>();
  /** Set only when monitored: offsets received and not yet committed. */
  private readonly lag: CommitLag | undefined;

  constructor(
    private readonly consumer: KafkaConsumerLike,
    private readonly config: KafkaRunConfig<K>,
    private readonly subscriber: Subscriber<KafkaSettlement<K>>,
  ) {
    this.handlers = new HandlerRunner(config, this);
    this.confluent = isConfluentConsumer(consumer);
    this.parked = new ParkedBatches(this.confluent);
    this.commits = new OffsetCommitter(
      consumer,
      this.tracker,
      config.onCommit,
      (error) => void this.close('failed', error),
      config.readCommitted !== undefined,
    );
    if (config.monitor !== undefined) {
      const lag = (this.lag = new CommitLag(() => config.scheduler.now()));
      this.commits.onCommitted = (point) => lag.committed(point.topic, point.partition, point.offset);
    }
  }

  start(): () => void {
    const { consumer, subscriber, config } = this;
    if (driven.has(consumer)) {
      this.phase = 'closed';
      subscriber.error(new Error(`${OPERATOR}: this consumer is already consumed by another subscription`));
      return () => undefined;
    }
    driven.add(consumer);

    if (!this.confluent) {
      const kafkajs = consumer as KafkajsConsumerLike;
      const { events } = kafkajs;
      try {
        this.removers.push(
          kafkajs.on(events.GROUP_JOIN, (event) => this.onGroupJoin(event)),
          kafkajs.on(events.REBALANCING, () => this.onRebalancing()),
          kafkajs.on(events.CRASH, (event) => this.onCrash(event)),
          kafkajs.on(events.STOP, () => this.onStop()),
        );
      } catch (error) {
        void this.close('failed', error);
        return () => this.teardown();
      }
    }

    const source = new Observable<InFlight<K>>((feed) => {
      this.feed = feed;
    });
    this.pipeline = source
      .pipe(
        mapAsyncPartitionedUnordered({
          parallelism: config.parallelism,
          perKey: config.perKey,
          key: (item: InFlight<K>) => this.laneOf(item),
          project: (item: InFlight<K>) => this.handlers.handle(item),
          valve: this.valve,
          maxQueued: 0, // eachBatch never pushes into a full pipeline; a bug here fails loudly
          monitor:
            this.lag &&
            new ScopedHub(
              config.monitor!,
              OPERATOR,
              () => this.lag!.state(),
              (probe) => (this.lag!.probe = probe),
            ),
        }),
      )
      .subscribe({
        next: (settlement) => subscriber.next(settlement),
        error: (error: unknown) => void this.close('failed', error),
        complete: () => void this.close('drained'),
      });

    const interval = config.commitInterval;
    this.commitTimer = config.scheduler.schedule(
      function (this: SchedulerAction<KafkaRun<K>>, run) {
        run!.onCommitTick();
        this.schedule(run, interval);
      },
      interval,
      this,
    );

    this.heartbeatTimer = config.scheduler.schedule(
      function (this: SchedulerAction<KafkaRun<K>>, run) {
        if (run!.confluent && run!.phase === 'running') run!.syncAssignment();
        run!.parked.heartbeat();
        this.schedule(run, config.heartbeatInterval);
      },
      config.heartbeatInterval,
      this,
    );

    this.setStatus('starting');
    if (this.phase === 'running') this.watchStop();
    if (this.phase === 'running') {
      let running: Promise<void>;
      this.runSettled = false;
      try {
        const eachBatch = (payload: EachBatchPayload) => this.eachBatch(payload);
        // the confluent client rejects `autoCommit` here: it is configured on its consumer (checked when created)
        running = this.confluent
          ? consumer.run({ eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch })
          : consumer.run({ autoCommit: false, eachBatchAutoResolve: false, partitionsConsumedConcurrently: 1, eachBatch });
      } catch (error) {
        running = Promise.reject(error);
      }
      this.runPromise = running.then(
        () => void (this.runSettled = true),
        (error: unknown) => {
          this.runSettled = true;
          void this.close('failed', error);
        },
      );
    }
    return () => this.teardown();
  }

  // ---- kafkajs side ------------------------------------------------------------------------------

  private async eachBatch(payload: EachBatchPayload): Promise<void> {
    if (this.phase !== 'running') {
      if (this.phase === 'closed') this.stopAgain();
      return this.hold(payload);
    }
    const { batch } = payload;
    const { topic, partition, messages } = batch;
    const partitionKey = partitionKeyOf(topic, partition);
    if (this.confluent) this.syncAssignment();
    let generation = this.tracker.generation(topic, partition);
    if (generation === undefined) {
      generation = this.assign(topic, partition);
      this.startRestores([{ topic, partition, generation }]);
    }
    const restore = this.restores.get(partitionKey);
    if (restore !== undefined) {
      await restore; // the finished offsets recorded in the commit metadata: skipped below
      if (this.phase !== 'running' || this.tracker.generation(topic, partition) !== generation)
        return this.eachBatchAfterPhaseChange(payload);
    }
    // A seek is pending (a nak came due after this batch was fetched): kafkajs fetches again from there.
    if (payload.isStale()) return;
    // No seek pending: the seek we issued (if any) was applied before this batch was fetched.
    this.seeks.applied(partitionKey);
    const signal = this.signals.signal(partitionKey);
    let seeks = this.seekCount;
    let last = -1; // index of the last message passed on (delivered or skipped as already handled)
    try {
      for (let i = 0; i < messages.length; i++) {
        if (!this.valve.isOpen) {
          // handed back (confluent): the client fetches the rest again, after polling for rebalances
          if (await this.waitForRoom(payload)) break;
          if (!payload.isRunning() || payload.isStale()) break;
        }
        if (this.phase !== 'running' || this.tracker.generation(topic, partition) !== generation) break;
        // a handler that settled synchronously with a nak may have sought this partition back
        if (this.seekCount !== seeks) {
          seeks = this.seekCount;
          if (payload.isStale()) break;
        }
        const message = messages[i];
        const ticket = this.tracker.deliver(topic, partition, Number(message.offset));
        last = i;
        if (ticket !== undefined) {
          const delivery = new Delivery(topic, partition, message, ticket.attempt);
          if (this.lag !== undefined && ticket.attempt === 1) this.lag.received(topic, partition, ticket.offset);
          this.feed!.next(new InFlight<K>(delivery, ticket, partitionKey, signal));
        }
      }
      if (last === messages.length - 1 && this.phase === 'running') {
        // The whole batch was passed on: trailing offsets kafkajs filtered out (transaction markers)
        // need no handling, so the commit offset may cover them.
        const next = Number(batch.lastOffset()) + 1;
        if (Number.isSafeInteger(next)) this.tracker.advance(topic, partition, next);
      }
    } catch (error) {
      if (isKafkaError(error)) throw error; // the heartbeat saw a rebalance: kafkajs re-joins the group
      void this.close('failed', error);
    } finally {
      // kafkajs fetches the partition from here on next; messages not passed on are fetched again.
      if (last >= 0) payload.resolveOffset(messages[last].offset);
    }
    if (this.phase !== 'running') await this.hold(payload);
  }

  private async eachBatchAfterPhaseChange(payload: EachBatchPayload): Promise<void> {
    if (this.phase !== 'running') await this.hold(payload);
  }

  /**
   * Waits until the pipeline has room (or the run stops); the heartbeat ticker keeps the session alive.
   * Resolves with `true` when the batch is to be handed back to the client instead (confluent: see
   * {@link ParkedBatches}).
   */
  private async waitForRoom(payload: EachBatchPayload): Promise<boolean> {
    while (!this.valve.isOpen && this.phase === 'running' && payload.isRunning() && !payload.isStale()) {
      if (await this.parked.park(payload, this.valve.whenOpen())) return true;
    }
    return false;
  }

  /**
   * Holds an `eachBatch` call during a drain, passing nothing on, until the consumer is being stopped:
   * kafkajs then fetches nothing more, and `consumer.stop()` returns promptly.
   */
  private async hold(payload: EachBatchPayload): Promise<void> {
    while (!this.stopCalled && payload.isRunning()) await this.parked.park(payload, null);
  }

  /** kafkajs may finish joining after a stop that came while it was still joining: stop it again. */
  private stopAgain(): void {
    if (this.stoppedAgain || this.confluent) return;
    this.stoppedAgain = true;
    try {
      Promise.resolve((this.consumer as KafkajsConsumerLike).stop()).then(undefined, () => undefined);
    } catch {
      // nothing left to stop
    }
  }

  private onGroupJoin(event: KafkaConsumerEventLike): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.fence(false); // a re-join without a REBALANCING event (e.g. after a session timeout)
    const assignment = event.payload.memberAssignment as Record<string, number[]>;
    const assigned: { topic: string; partition: number; generation: number }[] = [];
    for (const topic of Object.keys(assignment)) {
      for (const partition of assignment[topic]) assigned.push({ topic, partition, generation: this.assign(topic, partition) });
    }
    this.startRestores(assigned);
    if (this.phase === 'running') this.setStatus('consuming');
  }

  /**
   * The confluent consumer's assignment, read back: partitions new to it are assigned (a new generation),
   * partitions gone from it are revoked (fenced: their running handlers no longer count). The client only
   * rebalances between two `eachBatch` calls, and this runs before each one, so no batch of a revoked
   * partition is passed on. A revocation followed by the same assignment is not seen, and needs not be:
   * the client fetches from the committed offset again, and the tracker skips what is running or settled.
   */
  private syncAssignment(): void {
    let current: { topic: string; partition: number }[];
    try {
      current = (this.consumer as ConfluentConsumerLike).assignment();
    } catch {
      return; // not connected (any more)
    }
    const present = new Set<string>();
    const added: { topic: string; partition: number; generation: number }[] = [];
    for (const { topic, partition } of current) {
      present.add(partitionKeyOf(topic, partition));
      if (this.tracker.generation(topic, partition) === undefined)
        added.push({ topic, partition, generation: this.assign(topic, partition) });
    }
    for (const { topic, partition } of this.tracker.assigned()) {
      if (!present.has(partitionKeyOf(topic, partition))) this.revoke(topic, partition);
    }
    this.startRestores(added);
    if (this.phase === 'running' && (current.length > 0 || joined(this.consumer))) this.setStatus('consuming');
  }

  /** One partition is no longer ours (confluent): fences it. */
  private revoke(topic: string, partition: number): void {
    const generation = this.tracker.generation(topic, partition);
    if (generation !== undefined) this.commits.forget(generation);
    const partitionKey = partitionKeyOf(topic, partition);
    this.tracker.revoke(topic, partition);
    this.lag?.revoke(topic, partition);
    this.signals.revoke(topic, partition);
    this.seeks.forget(partitionKey);
    this.restores.delete(partitionKey);
  }

  /**
   * With `recordFinished`: reads the committed offsets and metadata of newly assigned partitions (one
   * call for all of them) and marks the finished offsets the metadata records, before their first batch
   * is passed on. A failed read marks nothing (those messages are handled again: duplicates, not a loss).
   */
  private startRestores(partitions: readonly { topic: string; partition: number; generation: number }[]): void {
    const read = this.config.readCommitted;
    if (read === undefined || partitions.length === 0) return;
    const committed = Promise.resolve().then(() => read(partitions.map(({ topic, partition }) => ({ topic, partition }))));
    for (const { topic, partition, generation } of partitions) {
      const partitionKey = partitionKeyOf(topic, partition);
      const restore: Promise<void> = committed
        .then(
          (offsets) => {
            if (this.tracker.generation(topic, partition) !== generation) return;
            const entry = offsets.find((o) => o.topic === topic && o.partition === partition);
            const offset = entry === undefined ? NaN : Number(entry.offset);
            if (Number.isSafeInteger(offset) && offset >= 0)
              this.tracker.markFinished(topic, partition, decodeFinished(entry!.metadata, offset));
          },
          () => undefined,
        )
        .finally(() => {
          if (this.restores.get(partitionKey) === restore) this.restores.delete(partitionKey);
        });
      this.restores.set(partitionKey, restore);
    }
  }

  private onRebalancing(): void {
    if (this.phase !== 'running' && this.phase !== 'draining') return;
    this.fence(true);
    if (this.phase === 'running') this.setStatus('rebalancing');
  }

  private onCrash(event: KafkaConsumerEventLike): void {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.fence(false);
    if (event.payload.restart) {
      if (this.phase === 'running') this.setStatus('starting');
    } else {
      void this.close('failed', event.payload.error);
    }
  }

  private onStop(): void {
    // Our own close stops the consumer; anything else stopped it from outside (or a crash did, and
    // the CRASH event follows, restarting or failing the run).
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.fence(false);
    this.setStatus('stopped');
  }

  private assign(topic: string, partition: number): number {
    const generation = this.tracker.assign(topic, partition);
    this.signals.assign(topic, partition);
    return generation;
  }

  /**
   * Revokes every partition: outcomes of running handlers no longer count, pending nak redeliveries
   * are dropped. With `commit`, first commits what is settled (the group is about to move the
   * partitions; a commit sent now still carries the current generation).
   */
  private fence(commit: boolean): void {
    // A seek we issued that kafkajs has not applied yet survives a re-join and would be applied to a
    // later assignment of the partition, skipping messages whose handling was fenced. Replace it with
    // a seek to the commit offset (everything below it is handled).
    for (const { topic, partition } of this.seeks.takeAll()) {
      const offset = this.tracker.watermark(topic, partition);
      if (offset !== undefined) this.trySeek(topic, partition, offset);
    }
    const points = commit ? this.commits.points() : [];
    this.tracker.revokeAll();
    this.lag?.revokeAll();
    this.signals.revokeAll();
    this.commits.forgetAll();
    this.restores.clear();
    for (const timer of this.nakTimers) timer.unsubscribe();
    this.nakTimers.clear();
    if (points.length > 0) this.commits.send(points, 'rebalance').then(undefined, () => undefined);
  }

  // ---- the pipeline ------------------------------------------------------------------------------

  private laneOf(item: InFlight<K>): unknown {
    const key = this.config.key(item.delivery);
    item.key = key;
    // A keyless delivery is a lane of its own; keyed ones share a lane per topic-partition and key.
    return key === null || key === undefined ? item : `${item.partitionKey}\u0000${typeof key}\u0000${String(key)}`;
  }

  /** Records the outcome in the tracker (a nak once its delay is over) and makes the settlement. */
  record(item: InFlight<K>, outcome: Outcome, error: unknown): KafkaSettlement<K> {
    if (this.tornDown) return settlement(item, outcome, error, true);
    const delay = nakDelay(outcome);
    if (delay === undefined) return settlement(item, outcome, error, !this.tracker.settle(item.ticket, outcome as 'ack' | 'term'));
    const fenced = this.isFenced(item);
    if (!fenced) this.scheduleNak(item.ticket, delay);
    return settlement(item, outcome, error, fenced);
  }

  isFenced(item: InFlight<K>): boolean {
    return this.tracker.generation(item.ticket.topic, item.ticket.partition) !== item.ticket.generation;
  }

  /** A nak: after `delay` ms the message becomes due and the partition is sought back to it. */
  private scheduleNak(ticket: OffsetTicket, delay: number): void {
    const fire = (): void => {
      if (this.phase === 'closing' || this.phase === 'closed') return;
      if (this.tracker.settle(ticket, 'nak')) this.redeliver(ticket.topic, ticket.partition);
    };
    if (delay === 0) {
      fire();
      return;
    }
    const timer = this.config.scheduler.schedule(() => {
      this.nakTimers.delete(timer);
      fire();
    }, delay);
    this.nakTimers.add(timer);
  }

  private redeliver(topic: string, partition: number): void {
    const offset = this.tracker.redeliveryOffset(topic, partition);
    if (offset === undefined) return;
    if (this.seeks.request(topic, partition, offset)) this.trySeek(topic, partition, offset);
  }

  private trySeek(topic: string, partition: number, offset: number): void {
    this.seekCount++;
    try {
      this.consumer.seek({ topic, partition, offset: String(offset) });
    } catch {
      // the consumer is stopping: the message stays uncommitted and comes again after a restart
    }
  }

  // ---- commits ----------------------------------------------------------------------------------

  private onCommitTick(): void {
    if (this.phase !== 'running' && this.phase !== 'draining') return;
    if (this.confluent) this.syncAssignment(); // commit no partition the client gave away
    this.commits.tick();
  }

  // ---- life cycle -------------------------------------------------------------------------------

  private watchStop(): void {
    const stop = this.config.stop;
    if (stop === undefined) return;
    this.stopSubscription = listenToStop(
      stop,
      () => this.drain(),
      (error: unknown) => void this.close('failed', error),
    );
  }

  private drain(): void {
    if (this.phase !== 'running') return;
    this.phase = 'draining';
    this.parked.wakeAll();
    this.setStatus('draining');
    this.feed?.complete(); // the pipeline completes once the running handlers finished
  }

  /**
   * Ends the run: final commit, `consumer.stop()`, then the output's completion or error. What the run
   * holds itself (tickers, nak timers, the stop signal's subscription, the client's event listeners) is
   * freed at once, in whatever phase the client is; only the client's own stop waits (for `run()`).
   */
  private async close(end: 'drained' | 'failed' | 'stopped', error?: unknown): Promise<void> {
    if (this.phase === 'closing' || this.phase === 'closed') return;
    this.phase = 'closing';
    this.parked.wakeAll();
    this.commitTimer?.unsubscribe();
    this.stopSubscription?.unsubscribe();
    for (const timer of this.nakTimers) timer.unsubscribe();
    this.nakTimers.clear();
    // Every group event is ignored from here on (our own stop() emits STOP): nothing to listen to.
    for (const remove of this.removers) remove();
    this.removers.length = 0;
    // The heartbeat ticker keeps the session of held eachBatch calls alive during the last commit of a
    // drain or a failure; an unsubscriber waits for nothing, and while run() joins nothing is held.
    if (end === 'stopped' || !this.runSettled) this.heartbeatTimer?.unsubscribe();
    if (end !== 'drained') {
      this.tornDown = true;
      this.pipeline?.unsubscribe(); // tears down running handlers (their inners)
      this.handlers.cancelDeadLetters();
      this.signals.abortAll(error ?? new Error(`${OPERATOR}: stopped`));
    }
    let failure = error;
    try {
      await this.commits.commit(end === 'drained' ? 'drain' : 'shutdown');
    } catch (commitError) {
      if (end === 'drained') failure = commitError;
    }
    this.tracker.revokeAll();
    // kafkajs ignores a stop() that comes while run() is still joining the group (its runner is not
    // running yet: stop() forgets it, and it then consumes on with nobody to stop it): stop it only once
    // run() is done. Nothing of ours is pending meanwhile; a batch handed over then is held, passing
    // nothing on, until the stop below releases it.
    if (!this.runSettled) this.heartbeatTimer?.unsubscribe();
    await this.runPromise;
    let stopped: Promise<void>;
    try {
      // the confluent client has no stop(): its run ends with disconnect()
      stopped = Promise.resolve(
        this.confluent ? (this.consumer as ConfluentConsumerLike).disconnect() : (this.consumer as KafkajsConsumerLike).stop(),
      );
    } catch (stopError) {
      stopped = Promise.reject(stopError);
    }
    this.stopCalled = true;
    this.parked.wakeAll(); // after stop() was called: the released eachBatch calls end kafkajs's fetch loop
    this.heartbeatTimer?.unsubscribe(); // nothing is held any more
    try {
      await stopped;
    } catch (stopError) {
      if (end === 'drained' && failure === undefined) failure = stopError;
    }
    this.signals.clear();
    this.seeks.clear();
    driven.delete(this.consumer);
    this.phase = 'closed';
    if (end === 'stopped') {
      this.report('stopped');
      return;
    }
    const ok = end === 'drained' && failure === undefined;
    this.report(ok ? 'drained' : 'failed');
    if (ok) this.subscriber.complete();
    else this.subscriber.error(failure);
  }

  /** The subscriber unsubscribed: what the run holds is freed now; the client's stop follows. */
  private teardown(): void {
    this.tornDown = true;
    this.pipeline?.unsubscribe();
    if (this.phase !== 'closing' && this.phase !== 'closed') void this.close('stopped');
    // also when a drain or a failure was already closing: the subscriber waits for nothing any more
    this.heartbeatTimer?.unsubscribe();
  }

  private setStatus(status: KafkaConsumerStatus): void {
    if (this.status === status || this.phase === 'closed') return;
    this.status = status;
    const report = this.config.onStatus;
    if (report === undefined) return;
    try {
      report(status);
    } catch (error) {
      void this.close('failed', error);
    }
  }

  /** The final status: reported once the run is closed; a throwing callback has nothing left to fail. */
  private report(status: KafkaConsumerStatus): void {
    if (this.status === status) return;
    this.status = status;
    try {
      this.config.onStatus?.(status);
    } catch {
      // the run is over
    }
  }
}

/** kafkajs's own errors (e.g. a heartbeat that found the group rebalancing) go back to kafkajs. */
function isKafkaError(error: unknown): boolean {
  const name = (error as { name?: unknown } | null)?.name;
  return typeof name === 'string' && name.startsWith('KafkaJS');
}

/** Whether a confluent consumer joined its group (an empty assignment is still "consuming"). */
function joined(consumer: KafkaConsumerLike): boolean {
  try {
    const protocol = (consumer as { rebalanceProtocol?: () => unknown }).rebalanceProtocol?.();
    return typeof protocol === 'string' && protocol !== 'NONE';
  } catch {
    return false;
  }
}
