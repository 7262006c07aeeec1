/**
 * The demo's simulated world: an in-memory broker topic of entity events, and an instrumented remote
 * service that each event needs a call to. No server, no network: the latency is a real timer.
 */
import { Observable } from 'rxjs';
import type { Valve } from '../src/index.js';

/** One message on the topic: the `seq`-th event (1-based, in publish order) of entity `entity`. */
export interface BrokerEvent {
  /** Position on the topic, 0-based. A consumer commits offsets in this order. */
  readonly offset: number;
  readonly entity: number;
  readonly seq: number;
}

/** What the remote call returns for an event (Akka's example returns "partition-sequenceNr"). */
export interface Processed {
  readonly event: BrokerEvent;
  readonly value: string;
}

/** mulberry32: a tiny seeded PRNG, so a run is repeatable for a given seed. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * An in-memory topic of `count` events spread at random over `entities` entities; each entity's events
 * are numbered 1..n in publish order.
 */
export class SimulatedBroker {
  readonly events: readonly BrokerEvent[];

  constructor(count: number, entities: number, seed: number) {
    const random = prng(seed);
    const lastSeq = new Map<number, number>();
    const events: BrokerEvent[] = [];
    for (let offset = 0; offset < count; offset++) {
      const entity = Math.floor(random() * entities);
      const seq = (lastSeq.get(entity) ?? 0) + 1;
      lastSeq.set(entity, seq);
      events.push({ offset, entity, seq });
    }
    this.events = events;
  }

  /**
   * A consumer of the topic from offset 0, delivering up to `pollSize` messages per poll (one poll per
   * macrotask), like a Kafka or JetStream client loop. With a `valve`, it is a *pausable* consumer: it
   * pauses when the valve closes (stopping mid-batch; the rest is delivered after resume) and resumes
   * when it opens — the pack's documented hook for pausable sources. Without one it delivers
   * everything as fast as it can, as a plain push source.
   */
  consume(pollSize: number, valve?: Valve): Observable<BrokerEvent> {
    const events = this.events;
    return new Observable<BrokerEvent>((subscriber) => {
      let position = 0;
      let paused = valve !== undefined && !valve.isOpen;
      let pending: ReturnType<typeof setImmediate> | null = null;

      const schedule = (): void => {
        pending ??= setImmediate(poll);
      };
      const poll = (): void => {
        pending = null;
        const end = Math.min(position + pollSize, events.length);
        while (position < end && !paused && !subscriber.closed) {
          subscriber.next(events[position++]);
        }
        if (subscriber.closed) return;
        if (position >= events.length) subscriber.complete();
        else if (!paused) schedule();
      };

      const stopListening = valve?.onChange((open) => {
        paused = !open;
        if (open && position < events.length && !subscriber.closed) schedule();
      });
      schedule();
      return () => {
        stopListening?.();
        if (pending !== null) clearImmediate(pending);
        pending = null;
      };
    });
  }
}

/** What the remote service observed during one run. */
export interface RemoteStats {
  /** Calls in progress now, overall. */
  inFlight: number;
  /** The most calls in progress at once, overall. */
  maxInFlight: number;
  /** The most calls in progress at once for one entity. */
  maxInFlightPerEntity: number;
  /** Calls started for an entity out of its publish order (seq not the previous started seq + 1). */
  startOrderViolations: number;
  calls: number;
  /** Calls that completed after a call for a later offset had completed: results the caller must reorder. */
  completedOutOfOrder: number;
  /** Sum of the measured call durations (ms), for the mean. */
  totalCallMs: number;
}

/**
 * A simulated remote service (a database, an RPC) whose every call takes `latencyMs`, spread uniformly
 * over ±`jitter`·latency, using a real timer. It counts concurrency itself — overall and per entity —
 * so the figures do not depend on what the caller claims.
 */
export class SimulatedRemote {
  readonly stats: RemoteStats = {
    inFlight: 0,
    maxInFlight: 0,
    maxInFlightPerEntity: 0,
    startOrderViolations: 0,
    calls: 0,
    completedOutOfOrder: 0,
    totalCallMs: 0,
  };
  private highestCompleted = -1;
  private readonly perEntity = new Map<number, number>();
  private readonly lastStarted = new Map<number, number>();

  constructor(
    private readonly latencyMs: number,
    private readonly jitter: number,
    private readonly seed: number,
  ) {}

  /** The latency of `event`'s call: fixed per event and seed, so every approach meets the same delays. */
  latencyOf(event: BrokerEvent): number {
    if (this.jitter === 0) return this.latencyMs;
    const u = prng(this.seed ^ Math.imul(event.offset + 1, 0x9e3779b1))();
    return this.latencyMs * (1 + this.jitter * (2 * u - 1));
  }

  /** Processes `event` remotely. Aborting `signal` cancels the call (the Promise rejects). */
  call(event: BrokerEvent, signal?: AbortSignal): Promise<Processed> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const stats = this.stats;
    const { entity } = event;
    if (event.seq !== (this.lastStarted.get(entity) ?? 0) + 1) stats.startOrderViolations++;
    this.lastStarted.set(entity, event.seq);
    const entityInFlight = (this.perEntity.get(entity) ?? 0) + 1;
    this.perEntity.set(entity, entityInFlight);
    if (entityInFlight > stats.maxInFlightPerEntity) stats.maxInFlightPerEntity = entityInFlight;
    if (++stats.inFlight > stats.maxInFlight) stats.maxInFlight = stats.inFlight;
    stats.calls++;
    const started = performance.now();

    const end = (): void => {
      stats.inFlight--;
      stats.totalCallMs += performance.now() - started;
      const left = (this.perEntity.get(entity) ?? 1) - 1;
      if (left === 0) this.perEntity.delete(entity);
      else this.perEntity.set(entity, left);
    };

    return new Promise<Processed>((resolve, reject) => {
      const done = (): void => {
        signal?.removeEventListener('abort', abort);
        end();
        if (event.offset < this.highestCompleted) stats.completedOutOfOrder++;
        else this.highestCompleted = event.offset;
        resolve({ event, value: `${entity}-${event.seq}` });
      };
      const delay = this.latencyOf(event);
      const handle = delay > 0 ? setTimeout(done, delay) : setImmediate(done);
      const abort = (): void => {
        if (delay > 0) clearTimeout(handle as ReturnType<typeof setTimeout>);
        else clearImmediate(handle as ReturnType<typeof setImmediate>);
        end();
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', abort, { once: true });
    });
  }
}
