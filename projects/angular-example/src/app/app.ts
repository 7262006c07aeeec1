import { Component, WritableSignal, computed, inject, signal } from '@angular/core';
import {
  AutosaveService, BATCH_CONCURRENCY, BATCH_MAX_WAIT_MS, BATCH_SIZE, LaneState, MAX_ATTEMPTS, MAX_HELD_EDITS,
  RETRY_DELAYS_MS, SaveMode,
} from './autosave.service';
import { SaveRequest, SimulatedBackend } from './simulated-backend';
import type { SupersededEvent } from './autosave.service';
import { NumberField, NumberFieldSpec } from './number-field';

interface Doc {
  readonly id: string;
  readonly title: string;
  readonly text: WritableSignal<string>;
}

/** One version shown in a lane. Tracked by its version, the stable identity of a chip within its lane. */
interface Chip {
  readonly version: number;
}

/** What a document's status line says, and how it looks (`kind` is also its CSS class). */
export interface DocStatus {
  readonly kind: 'idle' | 'saving' | 'retrying' | 'failed' | 'given-up' | 'saved';
  readonly text: string;
}

/** One row of the request log: a request the backend received, or a version superseded before it was sent. */
type LogRow =
  | { readonly key: string; readonly kind: 'request'; readonly at: number; readonly request: SaveRequest }
  | { readonly key: string; readonly kind: 'superseded'; readonly at: number; readonly event: SupersededEvent };

/** How many done / queued chips a lane shows before folding the rest into a count. */
const SHOWN_DONE = 8;
const SHOWN_QUEUED = 10;
/** Rows of the request log. */
const LOG_ROWS = 12;

const LATENCY: NumberFieldSpec = { label: 'Latency', min: 0, max: 5000, unit: ' ms' };
const JITTER: NumberFieldSpec = { label: 'Jitter', min: 0, max: 1, unit: '' };
const FAILURE_RATE: NumberFieldSpec = { label: 'Failure rate', min: 0, max: 1, unit: '' };

@Component({
  selector: 'app-root',
  templateUrl: './app.html',
  styleUrl: './app.css',
  host: { '(window:beforeunload)': 'onBeforeUnload($event)' },
})
export class App {
  protected readonly autosave = inject(AutosaveService);
  protected readonly backend = inject(SimulatedBackend);

  protected readonly docs: readonly Doc[] = [
    { id: 'notes', title: 'Meeting notes', text: signal('') },
    { id: 'roadmap', title: 'Roadmap', text: signal('') },
    { id: 'release', title: 'Release checklist', text: signal('') },
  ];
  protected readonly maxHeld = MAX_HELD_EDITS;
  protected readonly batchConcurrency = BATCH_CONCURRENCY;
  protected readonly batchSize = BATCH_SIZE;
  protected readonly batchMaxWait = BATCH_MAX_WAIT_MS;
  protected readonly maxAttempts = MAX_ATTEMPTS;
  protected readonly retryDelays = RETRY_DELAYS_MS.join(', ');

  protected readonly latency = new NumberField(LATENCY, this.backend.latencyMs);
  protected readonly jitter = new NumberField(JITTER, this.backend.jitter);
  protected readonly failureRate = new NumberField(FAILURE_RATE, this.backend.failureRate);

  /** The newest rows first, for the log table. */
  protected readonly logRows = computed<readonly LogRow[]>(() => {
    const requests = this.backend.requests().slice(-LOG_ROWS)
      .map((request): LogRow => ({ key: `r${request.id}`, kind: 'request', at: request.startedAt, request }));
    const superseded = this.autosave.supersededLog().slice(-LOG_ROWS)
      .map((event): LogRow => ({ key: `s${event.docId}:${event.version}`, kind: 'superseded', at: event.at, event }));
    return [...requests, ...superseded].sort((a, b) => b.at - a.at).slice(0, LOG_ROWS);
  });

  constructor() {
    // A read-only window into the app for the end-to-end test (and for the curious, in the console).
    (globalThis as Record<string, unknown>)['rxjsLanesDemo'] = {
      snapshot: () => ({
        backend: this.backend.snapshot(),
        settings: {
          latencyMs: this.backend.latencyMs(), jitter: this.backend.jitter(), failureRate: this.backend.failureRate(),
          refused: [...this.backend.refused()],
        },
        lanes: this.autosave.lanes(),
        busy: this.autosave.busy(),
        unsaved: this.autosave.unsaved(),
        mode: this.autosave.mode(),
        error: this.autosave.error(),
        texts: Object.fromEntries(this.docs.map((d) => [d.id, d.text()])),
      }),
    };
  }

  /** Asks the browser to confirm leaving while a change is not saved yet (queued, running, or given up on). */
  protected onBeforeUnload(event: BeforeUnloadEvent): void {
    if (!this.autosave.unsaved()) return;
    event.preventDefault();
    event.returnValue = ''; // older browsers need it set; the text itself is the browser's own
  }

  protected onInput(doc: Doc, event: Event): void {
    const text = (event.target as HTMLTextAreaElement).value;
    doc.text.set(text);
    this.autosave.edit(doc.id, text);
  }

  protected setMode(mode: SaveMode): void {
    this.autosave.setMode(mode);
  }

  protected setLatencyFromSlider(event: Event): void {
    this.latency.commit(event.target as HTMLInputElement);
  }

  protected setRefused(docId: string, event: Event): void {
    this.backend.refuse(docId, (event.target as HTMLInputElement).checked);
  }

  protected reset(): void {
    if (!this.autosave.reset()) return;
    this.backend.reset();
    for (const doc of this.docs) doc.text.set('');
  }

  protected lane(docId: string): LaneState {
    return this.autosave.lanes()[docId] ?? {
      queued: [], running: [], attempt: 0, retry: null, done: [], failed: [], superseded: [], lastVersion: 0,
      outcome: null,
    };
  }

  protected status(docId: string, l: LaneState): DocStatus {
    const versions = (list: readonly number[]) => this.versionList(list);
    if (l.lastVersion === 0) return { kind: 'idle', text: 'No edits yet' };
    if (l.retry) {
      return {
        kind: 'failed',
        text: `Save of ${versions(l.running)} failed (${l.retry.error}) on try ${l.retry.attempt} of ` +
          `${MAX_ATTEMPTS}; retrying in ${l.retry.delayMs / 1000} s`,
      };
    }
    if (l.running.length > 0 && l.attempt > 1) {
      return { kind: 'retrying', text: `Retrying ${versions(l.running)} (try ${l.attempt} of ${MAX_ATTEMPTS})…` };
    }
    if (l.running.length > 0) return { kind: 'saving', text: `Saving ${versions(l.running)}…` };
    if (l.queued.length > 0) return { kind: 'saving', text: `${versions(l.queued)} waiting to be saved` };
    if (this.autosave.canSaveAgain(docId)) {
      const error = l.outcome?.error ? ` (${l.outcome.error})` : '';
      return { kind: 'given-up', text: `v${l.lastVersion} not saved: gave up after ${l.outcome?.attempts ?? MAX_ATTEMPTS} tries${error}` };
    }
    const o = l.outcome;
    if (o?.saved && o.attempts > 1 && o.versions.includes(l.lastVersion)) {
      const retries = o.attempts - 1;
      return { kind: 'saved', text: `Saved ${versions(o.versions)} after ${retries} ${retries === 1 ? 'retry' : 'retries'} ✓` };
    }
    return { kind: 'saved', text: `All changes saved (v${l.lastVersion}) ✓` };
  }

  protected chips(versions: readonly number[]): readonly Chip[] {
    return versions.map((version) => ({ version }));
  }

  protected shownDone(lane: LaneState): readonly Chip[] {
    return this.chips(lane.done.slice(-SHOWN_DONE));
  }

  protected hiddenDone(lane: LaneState): number {
    return Math.max(0, lane.done.length - SHOWN_DONE);
  }

  protected shownQueued(lane: LaneState): readonly Chip[] {
    return this.chips(lane.queued.slice(0, SHOWN_QUEUED));
  }

  protected hiddenQueued(lane: LaneState): number {
    return Math.max(0, lane.queued.length - SHOWN_QUEUED);
  }

  protected docTitle(docId: string): string {
    return this.docs.find((d) => d.id === docId)?.title ?? docId;
  }

  protected versionList(versions: readonly number[]): string {
    if (versions.length <= 3) return versions.map((v) => `v${v}`).join(', ');
    return `v${versions[0]}–v${versions[versions.length - 1]} (${versions.length})`;
  }
}
