import { Injectable, computed, signal } from '@angular/core';

/** One version of a document, as the client sends it. */
export interface DocVersion {
  readonly version: number;
  readonly text: string;
}

/** What the backend logged about one request it received. */
export interface SaveRequest {
  readonly id: number;
  readonly docId: string;
  /** The versions the request carried, in the order they were in the request. */
  readonly versions: readonly number[];
  /** `seq` is one counter for every start and end, so two requests can be ordered without clocks. */
  readonly startSeq: number;
  endSeq: number | null;
  readonly startedAt: number;
  endedAt: number | null;
  /** Requests of this document in flight when this one arrived, itself included (1 = alone). */
  readonly inFlightForDoc: number;
  /** Requests of any document in flight when this one arrived, itself included. */
  readonly inFlightTotal: number;
  /** Which try this is, as the client numbers them (1 = first; above 1 = a retry of a failed request). */
  readonly attempt: number;
  status: 'running' | 'saved' | 'failed' | 'aborted';
  /** Why it failed (status `failed`). */
  error: string | null;
}

/** What a refused request rejects with: a server error, as an HTTP client would report it. */
export class BackendError extends Error {
  override readonly name = 'BackendError';
  constructor(readonly status: number, readonly statusText: string, readonly docId: string) {
    super(`${status} ${statusText}`);
  }
}

/** What the backend stores per document: the last write wins, as in most real backends. */
export interface StoredDoc {
  readonly version: number;
  readonly text: string;
}

/** A plain copy of the backend's state, for the page and for the end-to-end test. */
export interface BackendSnapshot {
  readonly requests: readonly SaveRequest[];
  readonly stored: Readonly<Record<string, StoredDoc>>;
  readonly maxInFlightPerDoc: number;
  readonly maxInFlightTotal: number;
  readonly staleWrites: number;
  readonly failedRequests: number;
}

/**
 * A document store that lives in the page, with an adjustable latency and jitter per request, and a failure
 * control: a share of requests fails at random, and the saves of chosen documents fail until released (a
 * backend that refuses one document, e.g. a full disk shard or a lock). A failed request applies nothing.
 *
 * A write is applied when its request *completes* (after the simulated latency), and the last write wins —
 * so two saves of one document in flight at once, with random latency, can apply out of order and leave a
 * stale text behind. The backend counts such stale writes instead of preventing them: keeping the saves of
 * one document strictly one at a time, in order, is the client's job (and what the lanes do).
 */
@Injectable({ providedIn: 'root' })
export class SimulatedBackend {
  /** Mean latency of one request, in ms. */
  readonly latencyMs = signal(250);
  /** Latency spread as a fraction of the mean: 0.6 means anywhere in [0.4, 1.6] × mean. */
  readonly jitter = signal(0.6);
  /** Share of requests that fail at random, 0 to 1. */
  readonly failureRate = signal(0);
  /** Documents whose every save fails (503) until they are taken out of the set. */
  readonly refused = signal<ReadonlySet<string>>(new Set());

  private readonly requestLog = signal<readonly SaveRequest[]>([]);
  private readonly storedDocs = signal<Readonly<Record<string, StoredDoc>>>({});
  private readonly inFlight = new Map<string, number>();
  private inFlightTotal = 0;
  private seq = 0;
  private nextId = 1;
  private readonly maxPerDoc = signal(0);
  private readonly maxTotal = signal(0);
  private readonly stale = signal(0);
  private readonly failedCount = signal(0);

  readonly requests = this.requestLog.asReadonly();
  readonly stored = this.storedDocs.asReadonly();
  readonly maxInFlightPerDoc = this.maxPerDoc.asReadonly();
  readonly maxInFlightTotal = this.maxTotal.asReadonly();
  readonly staleWrites = this.stale.asReadonly();
  readonly failedRequests = this.failedCount.asReadonly();
  readonly running = computed(() => this.requestLog().filter((r) => r.status === 'running').length);

  /**
   * Saves one version of a document. Resolves when the write is applied; rejects with a
   * {@link BackendError} when the request fails (nothing applied). `attempt` only labels the request log.
   */
  save(docId: string, edit: DocVersion, signal?: AbortSignal, attempt = 1): Promise<void> {
    return this.request(docId, [edit], signal, attempt).then(() => undefined);
  }

  /**
   * Saves several versions of one document in one request (a bulk endpoint). The versions are applied in
   * the order given; resolves with one acknowledgement per version, positionally. A failed request
   * rejects with a {@link BackendError} and applies none of them.
   */
  saveBatch(docId: string, edits: readonly DocVersion[], signal?: AbortSignal, attempt = 1): Promise<readonly number[]> {
    return this.request(docId, edits, signal, attempt);
  }

  /** Makes every save of `docId` fail (`true`) or lets them through again (`false`). */
  refuse(docId: string, refused: boolean): void {
    this.refused.update((set) => {
      const next = new Set(set);
      if (refused) next.add(docId);
      else next.delete(docId);
      return next;
    });
  }

  snapshot(): BackendSnapshot {
    return {
      requests: this.requestLog().map((r) => ({ ...r, versions: [...r.versions] })),
      stored: { ...this.storedDocs() },
      maxInFlightPerDoc: this.maxPerDoc(),
      maxInFlightTotal: this.maxTotal(),
      staleWrites: this.stale(),
      failedRequests: this.failedCount(),
    };
  }

  /** Forgets everything (only meaningful while nothing is in flight). */
  reset(): void {
    this.requestLog.set([]);
    this.storedDocs.set({});
    this.maxPerDoc.set(0);
    this.maxTotal.set(0);
    this.stale.set(0);
    this.failedCount.set(0);
  }

  private request(
    docId: string, edits: readonly DocVersion[], signal: AbortSignal | undefined, attempt: number,
  ): Promise<readonly number[]> {
    if (signal?.aborted) return Promise.reject(signal.reason);
    const forDoc = (this.inFlight.get(docId) ?? 0) + 1;
    this.inFlight.set(docId, forDoc);
    this.inFlightTotal++;
    const entry: SaveRequest = {
      id: this.nextId++,
      docId,
      versions: edits.map((e) => e.version),
      startSeq: ++this.seq,
      endSeq: null,
      startedAt: performance.now(),
      endedAt: null,
      inFlightForDoc: forDoc,
      inFlightTotal: this.inFlightTotal,
      attempt,
      status: 'running',
      error: null,
    };
    this.maxPerDoc.update((m) => Math.max(m, forDoc));
    this.maxTotal.update((m) => Math.max(m, this.inFlightTotal));
    this.requestLog.update((log) => [...log, entry]);

    const mean = this.latencyMs();
    const spread = this.jitter();
    const delay = Math.max(0, mean * (1 - spread + 2 * spread * Math.random()));

    return new Promise<readonly number[]>((resolve, reject) => {
      const finish = (status: 'saved' | 'failed' | 'aborted', error: string | null = null) => {
        this.inFlight.set(docId, (this.inFlight.get(docId) ?? 1) - 1);
        if (this.inFlight.get(docId) === 0) this.inFlight.delete(docId);
        this.inFlightTotal--;
        entry.endSeq = ++this.seq;
        entry.endedAt = performance.now();
        entry.status = status;
        entry.error = error;
        this.requestLog.update((log) => [...log]);
      };
      const onAbort = () => {
        clearTimeout(timer);
        finish('aborted');
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        // Decided when the request is answered, so changing the failure control affects requests in flight.
        const failure = this.failure(docId);
        if (failure) {
          this.failedCount.update((n) => n + 1);
          finish('failed', failure.message);
          reject(failure);
          return;
        }
        for (const edit of edits) this.apply(docId, edit);
        finish('saved');
        resolve(edits.map((e) => e.version));
      }, delay);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private failure(docId: string): BackendError | null {
    if (this.refused().has(docId)) return new BackendError(503, 'Service Unavailable', docId);
    if (Math.random() < this.failureRate()) return new BackendError(500, 'Internal Server Error', docId);
    return null;
  }

  private apply(docId: string, edit: DocVersion): void {
    const current = this.storedDocs()[docId];
    if (current && current.version > edit.version) this.stale.update((n) => n + 1);
    this.storedDocs.update((docs) => ({ ...docs, [docId]: { version: edit.version, text: edit.text } }));
  }
}
