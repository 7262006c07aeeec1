import { Injectable, OnDestroy, computed, inject, signal } from '@angular/core';
import { Observable, OperatorFunction, Subject, Subscription, catchError, defer, map, of, retry, tap, timer } from 'rxjs';
import { BatchSettlement, batchByLane, mapAsyncPartitioned } from 'rxjs-lanes';
import { DocVersion, SimulatedBackend } from './simulated-backend';

/** One keystroke's worth of a document: the full text, numbered per document. */
export interface Edit extends DocVersion {
  readonly docId: string;
}

/**
 * - `per-edit`: every version is its own request — `mapAsyncPartitioned`, one lane per document.
 * - `batched`: versions waiting in a document's lane go out together in one bulk request — `batchByLane`.
 */
export type SaveMode = 'per-edit' | 'batched';

/** A failed try of the request now running, and when the next one goes out. */
export interface RetryWait {
  /** What the failed try reported (e.g. `503 Service Unavailable`). */
  readonly error: string;
  /** The try that failed, 1 = the first. */
  readonly attempt: number;
  /** Backoff before the next try, in ms. */
  readonly delayMs: number;
}

/** How a document's last finished request ended. */
export interface SaveOutcome {
  readonly saved: boolean;
  readonly versions: readonly number[];
  /** Tries it took (saved) or that were made before giving up (not saved). */
  readonly attempts: number;
  readonly error: string | null;
}

/** What the page shows for one document's lane. Versions are numbers: v1 is the first edit. */
export interface LaneState {
  readonly queued: readonly number[];
  /** The versions of the request in flight, or waiting for its next try after a failure. */
  readonly running: readonly number[];
  /** The try of that request now under way or next (1 = first); 0 when nothing runs. */
  readonly attempt: number;
  /** Set while the running request waits for its next try. */
  readonly retry: RetryWait | null;
  readonly done: readonly number[];
  /** Versions given up on after {@link MAX_ATTEMPTS} tries. */
  readonly failed: readonly number[];
  /** Versions a newer one replaced while they waited (latest-wins): never sent, nothing lost. */
  readonly superseded: readonly number[];
  readonly lastVersion: number;
  readonly outcome: SaveOutcome | null;
}

const EMPTY_LANE: LaneState = {
  queued: [], running: [], attempt: 0, retry: null, done: [], failed: [], superseded: [], lastVersion: 0, outcome: null,
};

/** A version that was superseded, for the page's log. */
export interface SupersededEvent {
  readonly docId: string;
  readonly version: number;
  /** The newer version that took its place. */
  readonly by: number;
  /** `performance.now()` when it happened, to sort it among the backend's requests. */
  readonly at: number;
}

/** Superseded events the service remembers for the log (the counts per document are kept in full). */
const SUPERSEDED_LOG_SIZE = 50;

/**
 * Most edits inside the operator at once: waiting for their document's lane, being saved, or saved and not
 * yet emitted. Per edit with latest-wins, a document holds at most two (the one saving and the newest one
 * waiting; older waiting ones are superseded and leave at once), so this is room for 128 busy documents.
 * Bulk mode keeps every version, so there it is room for every document's backlog: when the window is
 * full, the next edit waits at the operator's entrance even if its document is idle.
 */
export const MAX_HELD_EDITS = 256;
/** Bulk mode: most bulk requests running at once (one per document at most). */
export const BATCH_CONCURRENCY = 16;
/** Bulk mode: a document's lane flushes at this many versions... */
export const BATCH_SIZE = 10;
/** ...or this long after the first version entered its empty lane. */
export const BATCH_MAX_WAIT_MS = 100;
/** Tries of one request before its versions are marked failed (the first one included). */
export const MAX_ATTEMPTS = 4;
/** Backoff before the 2nd, 3rd, 4th try: doubling, so a backend in trouble is not hammered. */
export const RETRY_DELAYS_MS: readonly number[] = [500, 1000, 2000];

/**
 * Per-document autosave.
 *
 * Every edit goes into one stream. The lanes operator keys it by document id and runs at most one save per
 * document at a time, in edit order — so a stale save can never overtake a newer one — while different
 * documents save in parallel. A failed request is retried with backoff inside its lane (the document's
 * newer versions wait behind it, the other documents go on); after {@link MAX_ATTEMPTS} tries its versions
 * are marked failed and the lane moves on. A failure is a value here, never an error of the stream: an
 * error would end the subscription and with it autosave for every document. The service also keeps, per
 * document, what is queued, running, retrying, done and failed, as signals the page renders.
 */
@Injectable({ providedIn: 'root' })
export class AutosaveService implements OnDestroy {
  private readonly backend = inject(SimulatedBackend);
  private readonly edits = new Subject<Edit>();
  private subscription: Subscription;
  /** The newest edit of each document, for "save again" after its save was given up on. */
  private readonly newest = new Map<string, Edit>();

  private readonly laneState = signal<Readonly<Record<string, LaneState>>>({});
  private readonly modeState = signal<SaveMode>('per-edit');
  private readonly errorState = signal<string | null>(null);
  private readonly supersededState = signal<readonly SupersededEvent[]>([]);

  /** Per document: queued, running, done and failed versions. */
  readonly lanes = this.laneState.asReadonly();
  readonly mode = this.modeState.asReadonly();
  /** Set if the save pipeline itself failed (a bug, not a failed save); it is then restarted. */
  readonly error = this.errorState.asReadonly();
  /** The latest superseded versions, oldest first (at most {@link SUPERSEDED_LOG_SIZE}). */
  readonly supersededLog = this.supersededState.asReadonly();
  /** True while any document has a version queued or running (retries included). */
  readonly busy = computed(() =>
    Object.values(this.laneState()).some((lane) => lane.queued.length > 0 || lane.running.length > 0),
  );
  /** True while some document's newest version is not saved: busy, or its save was given up on. */
  readonly unsaved = computed(
    () => this.busy() || Object.values(this.laneState()).some((lane) => lane.failed.includes(lane.lastVersion)),
  );

  constructor() {
    this.subscription = this.connect(this.modeState());
  }

  /** Records a new version of a document and queues it for saving. */
  edit(docId: string, text: string): void {
    const version = this.lane(docId).lastVersion + 1;
    const edit: Edit = { docId, version, text };
    this.newest.set(docId, edit);
    this.updateLane(docId, (lane) => ({ ...lane, lastVersion: version, queued: [...lane.queued, version] }));
    this.edits.next(edit);
  }

  /** True when the document's newest version was given up on and nothing newer is on its way. */
  canSaveAgain(docId: string): boolean {
    const lane = this.lane(docId);
    return lane.failed.includes(lane.lastVersion) && lane.queued.length === 0 && lane.running.length === 0;
  }

  /** Queues the document's newest version again, after its save was given up on. */
  saveAgain(docId: string): boolean {
    const edit = this.newest.get(docId);
    if (!edit || !this.canSaveAgain(docId)) return false;
    this.updateLane(docId, (lane) => ({
      ...lane,
      failed: lane.failed.filter((v) => v !== edit.version),
      queued: [...lane.queued, edit.version],
    }));
    this.edits.next(edit);
    return true;
  }

  /** Switches between per-edit and batched saving. Only while idle, so no document is ever in two pipelines. */
  setMode(mode: SaveMode): boolean {
    if (this.busy() || mode === this.modeState()) return false;
    this.subscription.unsubscribe();
    this.modeState.set(mode);
    this.subscription = this.connect(mode);
    return true;
  }

  /** Forgets the lanes (while idle). */
  reset(): boolean {
    if (this.busy()) return false;
    this.laneState.set({});
    this.supersededState.set([]);
    this.newest.clear();
    this.errorState.set(null);
    return true;
  }

  ngOnDestroy(): void {
    this.subscription.unsubscribe(); // aborts running saves through their AbortSignal
    this.edits.complete();
  }

  private connect(mode: SaveMode): Subscription {
    const pipeline: OperatorFunction<Edit, unknown> = mode === 'per-edit' ? this.savePerEdit() : this.saveBatched();
    return this.edits.pipe(pipeline).subscribe({
      // Failed saves never get here (they are values). If the pipeline still dies, nothing may stay stuck:
      // what it held is marked failed (the page offers "save again") and a fresh pipeline takes new edits.
      error: (err: unknown) => {
        this.errorState.set(describe(err));
        this.laneState.update((lanes) =>
          Object.fromEntries(Object.entries(lanes).map(([id, lane]) => [id, {
            ...lane,
            queued: [], running: [], attempt: 0, retry: null,
            failed: [...lane.failed, ...lane.running, ...lane.queued],
          }])),
        );
        this.subscription = this.connect(this.modeState());
      },
    });
  }

  /**
   * One request per version; per document one at a time, in order; documents in parallel. Latest-wins
   * per document: while a document's save runs, only its newest version waits; each newer edit supersedes
   * the waiting one, which is never sent (every version is the full text, so the newest one is all the
   * backend needs). A burst of edits in one document therefore costs two saves, not one per keystroke,
   * and cannot fill the operator's window and hold the other documents back. A version is marked done
   * when the backend acknowledges it (the operator's output, in edit order across all documents, would
   * show a fast document's saves only after a slow document's earlier ones).
   */
  private savePerEdit(): OperatorFunction<Edit, unknown> {
    return mapAsyncPartitioned(
      {
        parallelism: MAX_HELD_EDITS,
        key: (edit: Edit) => edit.docId,
        latest: true,
        onSuperseded: ({ value, key, by }) => this.supersede(key, value.version, by.version),
      },
      (edit: Edit, docId: string, { signal }) =>
        this.withRetry(docId, [edit.version], (attempt) => this.backend.save(docId, edit, signal, attempt)).pipe(
          tap((outcome) => {
            if (outcome.saved) this.finish(docId, [edit.version], []);
            else this.finish(docId, [], [edit.version]);
          }),
        ),
    );
  }

  private supersede(docId: string, version: number, by: number): void {
    this.updateLane(docId, (lane) => ({
      ...lane,
      queued: lane.queued.filter((v) => v !== version),
      superseded: [...lane.superseded, version],
    }));
    this.supersededState.update((log) =>
      [...log, { docId, version, by, at: performance.now() }].slice(-SUPERSEDED_LOG_SIZE),
    );
  }

  /**
   * Whatever queued up in a document's lane while its previous request ran goes out as one bulk request
   * (up to {@link BATCH_SIZE} versions, or after {@link BATCH_MAX_WAIT_MS}); still one request per document
   * at a time, in order. The backend acknowledges each version positionally; each version's settlement
   * (`ok` with its ack, or `ok: false` when an ack is missing) marks it done or failed. A request that
   * failed every try answers "not acknowledged" for each of its versions instead of failing the handler
   * (which would error the operator's output).
   */
  private saveBatched(): OperatorFunction<Edit, BatchSettlement<Edit, string, number | null>> {
    return (edits: Observable<Edit>) =>
      edits.pipe(
        batchByLane(
          {
            key: (edit: Edit) => edit.docId,
            size: BATCH_SIZE,
            maxWait: BATCH_MAX_WAIT_MS,
            concurrency: BATCH_CONCURRENCY,
            maxInFlight: MAX_HELD_EDITS,
            ordered: false, // a document's settlements as soon as its batch is saved, not behind others
          },
          (batch: readonly Edit[], docId: string, { signal }) =>
            this.withRetry(docId, batch.map((edit) => edit.version), (attempt) =>
              this.backend.saveBatch(docId, batch, signal, attempt),
            ).pipe(map((outcome) => (outcome.saved ? outcome.result : batch.map(() => null)))),
        ),
        tap((settlement) => {
          const { docId, version } = settlement.value;
          if (settlement.ok && settlement.result === version) this.finish(docId, [version], []);
          else this.finish(docId, [], [version]);
        }),
      );
  }

  /**
   * Runs one request with up to {@link MAX_ATTEMPTS} tries, waiting {@link RETRY_DELAYS_MS} between them,
   * and emits how it ended: `{ saved: true, result }` or `{ saved: false }`, never an error. Unsubscribing
   * (teardown) cancels a pending retry timer and aborts the request in flight through its signal.
   */
  private withRetry<R>(
    docId: string, versions: readonly number[], send: (attempt: number) => Promise<R>,
  ): Observable<{ saved: true; result: R } | { saved: false }> {
    let attempt = 0;
    return defer(() => {
      attempt++;
      this.tryStarted(docId, versions, attempt);
      return send(attempt);
    }).pipe(
      retry({
        count: MAX_ATTEMPTS - 1,
        delay: (error: unknown, retryCount: number) => {
          const delayMs = RETRY_DELAYS_MS[Math.min(retryCount, RETRY_DELAYS_MS.length) - 1];
          this.updateLane(docId, (lane) => ({ ...lane, retry: { error: describe(error), attempt, delayMs } }));
          return timer(delayMs);
        },
      }),
      map((result) => {
        this.setOutcome(docId, { saved: true, versions, attempts: attempt, error: null });
        return { saved: true as const, result };
      }),
      catchError((error: unknown) => {
        this.setOutcome(docId, { saved: false, versions, attempts: attempt, error: describe(error) });
        return of({ saved: false as const });
      }),
    );
  }

  private tryStarted(docId: string, versions: readonly number[], attempt: number): void {
    this.updateLane(docId, (lane) => ({
      ...lane,
      queued: lane.queued.filter((v) => !versions.includes(v)),
      running: attempt === 1 ? [...lane.running, ...versions] : lane.running,
      attempt,
      retry: null,
    }));
  }

  private setOutcome(docId: string, outcome: SaveOutcome): void {
    this.updateLane(docId, (lane) => ({ ...lane, outcome }));
  }

  private finish(docId: string, saved: readonly number[], failed: readonly number[]): void {
    const ended = [...saved, ...failed];
    this.updateLane(docId, (lane) => {
      const running = lane.running.filter((v) => !ended.includes(v));
      return {
        ...lane,
        running,
        attempt: running.length > 0 ? lane.attempt : 0,
        retry: running.length > 0 ? lane.retry : null,
        done: [...lane.done, ...saved],
        failed: [...lane.failed, ...failed],
      };
    });
  }

  private lane(docId: string): LaneState {
    return this.laneState()[docId] ?? EMPTY_LANE;
  }

  private updateLane(docId: string, change: (lane: LaneState) => LaneState): void {
    this.laneState.update((lanes) => ({ ...lanes, [docId]: change(lanes[docId] ?? EMPTY_LANE) }));
  }
}

function describe(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
