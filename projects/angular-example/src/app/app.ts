import { Component, WritableSignal, computed, inject, signal } from '@angular/core';
import {
  AutosaveService, BATCH_CONCURRENCY, BATCH_MAX_WAIT_MS, BATCH_SIZE, LaneState, MAX_HELD_EDITS, SaveMode,
} from './autosave.service';
import { SimulatedBackend } from './simulated-backend';

interface Doc {
  readonly id: string;
  readonly title: string;
  readonly text: WritableSignal<string>;
}

/** How many done / queued chips a lane shows before folding the rest into a count. */
const SHOWN_DONE = 8;
const SHOWN_QUEUED = 10;

@Component({
  selector: 'app-root',
  templateUrl: './app.html',
  styleUrl: './app.css',
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

  /** The newest requests first, for the log table. */
  protected readonly recentRequests = computed(() => this.backend.requests().slice(-12).reverse());

  constructor() {
    // A read-only window into the app for the end-to-end test (and for the curious, in the console).
    (globalThis as Record<string, unknown>)['rxjsLanesDemo'] = {
      snapshot: () => ({
        backend: this.backend.snapshot(),
        lanes: this.autosave.lanes(),
        busy: this.autosave.busy(),
        mode: this.autosave.mode(),
        error: this.autosave.error(),
        texts: Object.fromEntries(this.docs.map((d) => [d.id, d.text()])),
      }),
    };
  }

  protected onInput(doc: Doc, event: Event): void {
    const text = (event.target as HTMLTextAreaElement).value;
    doc.text.set(text);
    this.autosave.edit(doc.id, text);
  }

  protected setMode(mode: SaveMode): void {
    this.autosave.setMode(mode);
  }

  protected setLatency(event: Event): void {
    const value = Number((event.target as HTMLInputElement).value);
    if (Number.isFinite(value) && value >= 0) this.backend.latencyMs.set(value);
  }

  protected setJitter(event: Event): void {
    const value = Number((event.target as HTMLInputElement).value);
    if (Number.isFinite(value) && value >= 0 && value <= 1) this.backend.jitter.set(value);
  }

  protected reset(): void {
    if (!this.autosave.reset()) return;
    this.backend.reset();
    for (const doc of this.docs) doc.text.set('');
  }

  protected lane(docId: string): LaneState {
    return this.autosave.lanes()[docId] ?? { queued: [], running: [], done: [], failed: [], lastVersion: 0 };
  }

  protected shownDone(lane: LaneState): readonly number[] {
    return lane.done.slice(-SHOWN_DONE);
  }

  protected hiddenDone(lane: LaneState): number {
    return Math.max(0, lane.done.length - SHOWN_DONE);
  }

  protected shownQueued(lane: LaneState): readonly number[] {
    return lane.queued.slice(0, SHOWN_QUEUED);
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
