import { Injectable, OnDestroy, computed, inject, signal } from '@angular/core';
import { Observable, OperatorFunction, Subject, Subscription, tap } from 'rxjs';
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

/** What the page shows for one document's lane. Versions are numbers: v1 is the first edit. */
export interface LaneState {
  readonly queued: readonly number[];
  readonly running: readonly number[];
  readonly done: readonly number[];
  readonly failed: readonly number[];
  readonly lastVersion: number;
}

const EMPTY_LANE: LaneState = { queued: [], running: [], done: [], failed: [], lastVersion: 0 };

/**
 * Most edits inside the operator at once: waiting for their document's lane, being saved, or saved and not
 * yet emitted. Room for every document's backlog: when the window is full, the next edit waits at the
 * operator's entrance even if its document is idle, so one busy document would hold the others back.
 * Saves running at once are bounded by the documents anyway (one per document).
 */
export const MAX_HELD_EDITS = 256;
/** Bulk mode: most bulk requests running at once (one per document at most). */
export const BATCH_CONCURRENCY = 16;
/** Bulk mode: a document's lane flushes at this many versions... */
export const BATCH_SIZE = 10;
/** ...or this long after the first version entered its empty lane. */
export const BATCH_MAX_WAIT_MS = 100;

/**
 * Per-document autosave.
 *
 * Every edit goes into one stream. The lanes operator keys it by document id and runs at most one save per
 * document at a time, in edit order — so a stale save can never overtake a newer one — while different
 * documents save in parallel. The service also keeps, per document, what is queued, running and done, as
 * signals the page renders.
 */
@Injectable({ providedIn: 'root' })
export class AutosaveService implements OnDestroy {
  private readonly backend = inject(SimulatedBackend);
  private readonly edits = new Subject<Edit>();
  private subscription: Subscription;

  private readonly laneState = signal<Readonly<Record<string, LaneState>>>({});
  private readonly modeState = signal<SaveMode>('per-edit');
  private readonly errorState = signal<string | null>(null);

  /** Per document: queued, running and done versions. */
  readonly lanes = this.laneState.asReadonly();
  readonly mode = this.modeState.asReadonly();
  /** Set if the save pipeline failed (it then stops; the page shows the message). */
  readonly error = this.errorState.asReadonly();
  /** True while any document has a version queued or running. */
  readonly busy = computed(() =>
    Object.values(this.laneState()).some((lane) => lane.queued.length > 0 || lane.running.length > 0),
  );

  constructor() {
    this.subscription = this.connect(this.modeState());
  }

  /** Records a new version of a document and queues it for saving. */
  edit(docId: string, text: string): void {
    const version = this.lane(docId).lastVersion + 1;
    this.updateLane(docId, (lane) => ({ ...lane, lastVersion: version, queued: [...lane.queued, version] }));
    this.edits.next({ docId, version, text });
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
      error: (err: unknown) => this.errorState.set(err instanceof Error ? err.message : String(err)),
    });
  }

  /**
   * One request per version; per document one at a time, in order; documents in parallel. A version is
   * marked done when the backend acknowledges it (the operator's output, in edit order across all
   * documents, would show a fast document's saves only after a slow document's earlier ones).
   */
  private savePerEdit(): OperatorFunction<Edit, Edit> {
    return mapAsyncPartitioned({
      parallelism: MAX_HELD_EDITS,
      perKey: 1,
      key: (edit: Edit) => edit.docId,
      project: (edit: Edit, docId: string, { signal }) => {
        this.start(docId, [edit.version]);
        return this.backend.save(docId, edit, signal).then(() => {
          this.finish(docId, [edit.version], []);
          return edit;
        });
      },
    });
  }

  /**
   * Whatever queued up in a document's lane while its previous request ran goes out as one bulk request
   * (up to {@link BATCH_SIZE} versions, or after {@link BATCH_MAX_WAIT_MS}); still one request per document
   * at a time, in order. The backend acknowledges each version positionally; each version's settlement
   * (`ok` with its ack, or `ok: false` when an ack is missing) marks it done or failed.
   */
  private saveBatched(): OperatorFunction<Edit, BatchSettlement<Edit, string, number>> {
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
          (batch: readonly Edit[], docId: string, { signal }) => {
            this.start(docId, batch.map((edit) => edit.version));
            return this.backend.saveBatch(docId, batch, signal);
          },
        ),
        tap((settlement) => {
          const { docId, version } = settlement.value;
          if (settlement.ok && settlement.result === version) this.finish(docId, [version], []);
          else this.finish(docId, [], [version]);
        }),
      );
  }

  private start(docId: string, versions: readonly number[]): void {
    this.updateLane(docId, (lane) => ({
      ...lane,
      queued: lane.queued.filter((v) => !versions.includes(v)),
      running: [...lane.running, ...versions],
    }));
  }

  private finish(docId: string, saved: readonly number[], failed: readonly number[]): void {
    const ended = [...saved, ...failed];
    this.updateLane(docId, (lane) => ({
      ...lane,
      running: lane.running.filter((v) => !ended.includes(v)),
      done: [...lane.done, ...saved],
      failed: [...lane.failed, ...failed],
    }));
  }

  private lane(docId: string): LaneState {
    return this.laneState()[docId] ?? EMPTY_LANE;
  }

  private updateLane(docId: string, change: (lane: LaneState) => LaneState): void {
    this.laneState.update((lanes) => ({ ...lanes, [docId]: change(lanes[docId] ?? EMPTY_LANE) }));
  }
}
