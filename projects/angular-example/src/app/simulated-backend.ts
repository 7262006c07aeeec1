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
  status: 'running' | 'saved' | 'aborted';
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
}

/**
 * A document store that lives in the page, with an adjustable latency and jitter per request.
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

  private readonly requestLog = signal<readonly SaveRequest[]>([]);
  private readonly storedDocs = signal<Readonly<Record<string, StoredDoc>>>({});
  private readonly inFlight = new Map<string, number>();
  private inFlightTotal = 0;
  private seq = 0;
  private nextId = 1;
  private readonly maxPerDoc = signal(0);
  private readonly maxTotal = signal(0);
  private readonly stale = signal(0);

  readonly requests = this.requestLog.asReadonly();
  readonly stored = this.storedDocs.asReadonly();
  readonly maxInFlightPerDoc = this.maxPerDoc.asReadonly();
  readonly maxInFlightTotal = this.maxTotal.asReadonly();
  readonly staleWrites = this.stale.asReadonly();
  readonly running = computed(() => this.requestLog().filter((r) => r.status === 'running').length);

  /** Saves one version of a document. Resolves when the write is applied. */
  save(docId: string, edit: DocVersion, signal?: AbortSignal): Promise<void> {
    return this.request(docId, [edit], signal).then(() => undefined);
  }

  /**
   * Saves several versions of one document in one request (a bulk endpoint). The versions are applied in
   * the order given; resolves with one acknowledgement per version, positionally.
   */
  saveBatch(docId: string, edits: readonly DocVersion[], signal?: AbortSignal): Promise<readonly number[]> {
    return this.request(docId, edits, signal);
  }

  snapshot(): BackendSnapshot {
    return {
      requests: this.requestLog().map((r) => ({ ...r, versions: [...r.versions] })),
      stored: { ...this.storedDocs() },
      maxInFlightPerDoc: this.maxPerDoc(),
      maxInFlightTotal: this.maxTotal(),
      staleWrites: this.stale(),
    };
  }

  /** Forgets everything (only meaningful while nothing is in flight). */
  reset(): void {
    this.requestLog.set([]);
    this.storedDocs.set({});
    this.maxPerDoc.set(0);
    this.maxTotal.set(0);
    this.stale.set(0);
  }

  private request(docId: string, edits: readonly DocVersion[], signal?: AbortSignal): Promise<readonly number[]> {
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
      status: 'running',
    };
    this.maxPerDoc.update((m) => Math.max(m, forDoc));
    this.maxTotal.update((m) => Math.max(m, this.inFlightTotal));
    this.requestLog.update((log) => [...log, entry]);

    const mean = this.latencyMs();
    const spread = this.jitter();
    const delay = Math.max(0, mean * (1 - spread + 2 * spread * Math.random()));

    return new Promise<readonly number[]>((resolve, reject) => {
      const finish = (status: 'saved' | 'aborted') => {
        this.inFlight.set(docId, (this.inFlight.get(docId) ?? 1) - 1);
        if (this.inFlight.get(docId) === 0) this.inFlight.delete(docId);
        this.inFlightTotal--;
        entry.endSeq = ++this.seq;
        entry.endedAt = performance.now();
        entry.status = status;
        this.requestLog.update((log) => [...log]);
      };
      const onAbort = () => {
        clearTimeout(timer);
        finish('aborted');
        reject(signal!.reason);
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        for (const edit of edits) this.apply(docId, edit);
        finish('saved');
        resolve(edits.map((e) => e.version));
      }, delay);
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  private apply(docId: string, edit: DocVersion): void {
    const current = this.storedDocs()[docId];
    if (current && current.version > edit.version) this.stale.update((n) => n + 1);
    this.storedDocs.update((docs) => ({ ...docs, [docId]: { version: edit.version, text: edit.text } }));
  }
}
