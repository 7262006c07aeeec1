// Runs a real operator on a scenario in virtual time (TestScheduler.run) and records what happened:
// when each source element arrived, when its inner was subscribed, produced values, completed or was
// torn down, and when each output value was emitted. The diagram is built from these records only.
import { defer, finalize, tap, type Observable, type OperatorFunction } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import type { Diagram, Marble, Segment, Termination, Timeline, WorkRow } from './model.js';

/** An element of an async-map scenario: its one-character id and, for partitioned operators, its key. */
export interface Element {
  id: string;
  key: string;
}

export interface AsyncMapScenario {
  name: string;
  caption: string;
  summary: string;
  /** Source marbles; each value character is an element id. */
  source: string;
  /** Partition key per element id; omit for an operator without keys (every element gets the neutral colour). */
  keys?: Record<string, string>;
  /** The inner of each element as cold marbles, relative to its subscription, e.g. `'---(A|)'` or `'--#'`. */
  inner: Record<string, string>;
  /**
   * The real operator under test; `work(element)` is the element's inner (an Observable in virtual time).
   * `superseded(element, by)` records a latest-wins replacement (call it from `onSuperseded`).
   */
  operator: (
    work: (element: Element) => Observable<string>,
    superseded: (element: Element, by: Element) => void,
  ) => OperatorFunction<Element, string>;
  legend: Diagram['legend'];
  asciiNotes?: Record<string, string>;
  /** Frames drawn (default: two past the last event). */
  frames?: number;
}

interface Run {
  element: Element;
  arrived: number;
  start: number | null;
  produced: Marble[];
  end: WorkRow['end'];
  /** Latest-wins: when it was superseded, and by which element. */
  superseded?: { frame: number; by: string };
}

/** Records an Observable's events with their frames (for source and output timelines). */
export function recorder(now: () => number, keyOf: (label: string) => string | undefined) {
  const timeline: Timeline = { marbles: [], end: null };
  const observer = {
    next: (label: string) => timeline.marbles.push({ frame: now(), label, key: keyOf(label) }),
    complete: () => (timeline.end = { frame: now(), kind: 'complete' } satisfies Termination),
    error: () => (timeline.end = { frame: now(), kind: 'error' } satisfies Termination),
  };
  return { timeline, observer };
}

export function lastFrame(diagram: Pick<Diagram, 'source' | 'output' | 'rows'>): number {
  const frames: number[] = [0];
  for (const t of [diagram.source, diagram.output]) {
    frames.push(...t.marbles.map((m) => m.frame));
    if (t.end) frames.push(t.end.frame);
  }
  for (const row of diagram.rows) {
    frames.push(...row.segments.map((s) => s.to), ...row.produced.map((m) => m.frame));
    if (row.end) frames.push(row.end.frame);
  }
  return Math.max(...frames);
}

/** Wraps an inner so that its subscription, values and end are recorded on `run` (virtual-time frames). */
function instrument<V>(
  now: () => number,
  run: { start: number | null; produced: Marble[]; end: WorkRow['end'] },
  inner: () => Observable<V>,
  label: (value: V) => string | null,
  key: string | undefined,
): Observable<V> {
  return defer(() => {
    run.start = now();
    return inner();
  }).pipe(
    tap({
      next: (value) => {
        const text = label(value);
        if (text !== null) run.produced.push({ frame: now(), label: text, key });
      },
      complete: () => (run.end = { frame: now(), kind: 'complete' }),
      error: () => (run.end = { frame: now(), kind: 'error' }),
    }),
    finalize(() => {
      run.end ??= { frame: now(), kind: 'cancel' };
    }),
  );
}

const valueChars = (marbles: string): string[] => [...marbles.replace(/[-|#()^!\s]/g, '')];

/** Captures `mapAsync`, `mapAsyncPartitioned` or `mapAsyncPartitionedUnordered` on a scenario. */
export function captureAsyncMap(scenario: AsyncMapScenario): Diagram {
  const testScheduler = new TestScheduler(() => {
    throw new Error('no assertions in capture');
  });
  const now = () => testScheduler.now();
  const runs = new Map<string, Run>();
  const keyOf = (id: string): string | undefined => scenario.keys?.[id];
  const elementOfResult = new Map<string, string>();
  for (const [id, inner] of Object.entries(scenario.inner)) for (const ch of valueChars(inner)) elementOfResult.set(ch, id);
  const values: Record<string, Element> = {};
  for (const ch of valueChars(scenario.source)) values[ch] = { id: ch, key: keyOf(ch) ?? '' };

  const source = recorder(now, keyOf);
  const output = recorder(now, (label) => keyOf(elementOfResult.get(label) ?? ''));

  testScheduler.run(({ cold }) => {
    const work = (element: Element): Observable<string> => {
      const run = runs.get(element.id);
      if (run === undefined) throw new Error(`work(${element.id}) called for an element that never arrived`);
      const marbles = scenario.inner[element.id];
      if (marbles === undefined) throw new Error(`scenario ${scenario.name}: no inner for ${element.id}`);
      return instrument(
        now,
        run,
        () => cold<string>(marbles, undefined, new Error(`inner ${element.id} failed`)),
        (v) => v,
        element.key || undefined,
      );
    };
    cold<Element>(scenario.source, values)
      .pipe(
        tap({
          next: (element) => {
            runs.set(element.id, { element, arrived: now(), start: null, produced: [], end: null });
            source.observer.next(element.id);
          },
          complete: source.observer.complete,
          error: source.observer.error,
          unsubscribe: () => (source.timeline.unsubscribed = now()),
        }),
        scenario.operator(work, (element, by) => {
          const run = runs.get(element.id);
          if (run !== undefined) run.superseded = { frame: now(), by: by.id };
        }),
      )
      .subscribe(output.observer);
  });

  const rows: WorkRow[] = [...runs.values()].map((run) => {
    const segments: Segment[] = [];
    const { element } = run;
    if (run.start !== null) {
      if (run.start > run.arrived) segments.push({ from: run.arrived, to: run.start, style: 'wait' });
      segments.push({ from: run.start, to: run.end?.frame ?? run.start, style: 'run' });
      const lastProduced = run.produced.at(-1);
      const emitted = lastProduced && output.timeline.marbles.find((m) => m.label === lastProduced.label);
      if (lastProduced && emitted && emitted.frame > lastProduced.frame) {
        segments.push({ from: lastProduced.frame, to: emitted.frame, style: 'held' });
      }
    } else if (run.superseded !== undefined) {
      // Never started: it waited until a newer element of its key took its place.
      segments.push({ from: run.arrived, to: run.superseded.frame, style: 'wait' });
    } else if (output.timeline.end) {
      // Never started: it waited until the output ended.
      segments.push({ from: run.arrived, to: output.timeline.end.frame, style: 'wait' });
    }
    const key = keyOf(element.id);
    return {
      label: key === undefined ? element.id : `${element.id} (key ${key})`,
      key,
      segments,
      produced: run.produced,
      end: run.end,
    };
  });

  const keys = scenario.keys ? [...new Set(Object.values(scenario.keys))] : [];
  const partial = { source: source.timeline, output: output.timeline, rows };
  const callouts = [...runs.values()].flatMap((run) =>
    run.superseded === undefined ? [] : [{ frame: run.superseded.frame, text: `${run.element.id} superseded by ${run.superseded.by}` }],
  );
  return {
    name: scenario.name,
    caption: scenario.caption,
    summary: scenario.summary,
    frames: scenario.frames ?? lastFrame(partial) + 2,
    ...partial,
    keys,
    legend: scenario.legend,
    asciiNotes: scenario.asciiNotes,
    asciiRows: true,
    ...(callouts.length > 0 ? { callouts } : {}),
  };
}

export interface BoundedOrderingScenario {
  name: string;
  caption: string;
  summary: string;
  /** Source marbles; each value character is a one-digit numeric id. */
  source: string;
  operator: (hooks: {
    onGap: (gap: { from: number; to: number; reason: string }) => void;
    onLate: (late: { id: number }) => void;
  }) => OperatorFunction<number, number>;
  legend: Diagram['legend'];
  asciiNotes?: Record<string, string>;
}

/** Captures `boundedOrdering`: rows show how long each element waited in the buffer; gaps and late elements are marked. */
export function captureBoundedOrdering(scenario: BoundedOrderingScenario): Diagram {
  const testScheduler = new TestScheduler(() => {
    throw new Error('no assertions in capture');
  });
  const now = () => testScheduler.now();
  const arrived = new Map<string, number>();
  const late = new Set<string>();
  const callouts: Array<{ frame: number; text: string }> = [];
  const gapNotes: string[] = [];
  const lateNotes: string[] = [];
  const source = recorder(now, () => undefined);
  const output = recorder(now, () => undefined);
  const values = Object.fromEntries(valueChars(scenario.source).map((ch) => [ch, Number(ch)]));

  testScheduler.run(({ cold }) => {
    const operator = scenario.operator({
      onGap: ({ from, to, reason }) => {
        const ids = to - from === 1 ? `${from}` : `${from}..${to - 1}`;
        callouts.push({ frame: now(), text: `gave up on ${ids} (${reason})` });
        gapNotes.push(`gave up on ${ids} at ${now()} (${reason})`);
      },
      onLate: ({ id }) => {
        late.add(String(id));
        lateNotes.push(`${id} late at ${now()}`);
      },
    });
    cold<number>(scenario.source, values)
      .pipe(
        tap({
          next: (id) => {
            arrived.set(String(id), now());
            source.observer.next(String(id));
          },
          complete: source.observer.complete,
          error: source.observer.error,
          unsubscribe: () => (source.timeline.unsubscribed = now()),
        }),
        operator,
      )
      .subscribe({
        next: (id) => {
          output.observer.next(String(id));
          // onLate runs just before the late element is emitted: mark that emission.
          if (late.delete(String(id))) output.timeline.marbles[output.timeline.marbles.length - 1].note = 'late';
        },
        complete: output.observer.complete,
        error: output.observer.error,
      });
  });

  const rows: WorkRow[] = [];
  for (const m of output.timeline.marbles) {
    const from = arrived.get(m.label);
    if (from !== undefined && m.frame > from) {
      rows.push({ label: `id ${m.label}`, segments: [{ from, to: m.frame, style: 'held' }], produced: [], end: null });
    }
  }
  const partial = { source: source.timeline, output: output.timeline, rows };
  const outputNote = [...gapNotes, ...lateNotes].join('; ');
  return {
    name: scenario.name,
    caption: scenario.caption,
    summary: scenario.summary,
    frames: lastFrame(partial) + 2,
    ...partial,
    keys: [],
    legend: scenario.legend,
    callouts,
    asciiNotes: { ...scenario.asciiNotes, ...(outputNote ? { output: outputNote } : {}) },
    asciiRows: false,
  };
}

/** A message of a batchByLane scenario. */
export interface Message {
  id: string;
  lane: string;
}

export interface BatchByLaneScenario<In extends Message | readonly Message[]> {
  name: string;
  caption: string;
  summary: string;
  /** Source marbles; each value character is a message id (or, with `arrays`, names an array of messages). */
  source: string;
  /** For `batchByLaneFromBatches`: the message ids of each source array, by its character (`{ p: 'abc' }`). */
  arrays?: Record<string, string>;
  lanes: Record<string, string>;
  /** Every handler call: cold marbles relative to the call, `r` standing for the results array. */
  handler: string;
  operator: (
    handler: (batch: readonly Message[], lane: string) => Observable<readonly string[]>,
  ) => OperatorFunction<In, { value: Message; ok: boolean }>;
  legend: Diagram['legend'];
  /** ASCII notes by batch, keyed by the batch's row label (e.g. `[a,c] lane x`). */
  asciiNotes?: Record<string, string>;
}

/** Captures `batchByLane`: one row per batch (buffered in its lane, handler running, settlements held for order). */
export function captureBatchByLane<In extends Message | readonly Message[]>(scenario: BatchByLaneScenario<In>): Diagram {
  const testScheduler = new TestScheduler(() => {
    throw new Error('no assertions in capture');
  });
  const now = () => testScheduler.now();
  const arrived = new Map<string, number>();
  const batches: Array<{ ids: string[]; lane: string; called: number; start: number | null; produced: Marble[]; end: WorkRow['end'] }> = [];
  const laneOf = (id: string) => scenario.lanes[id];
  const source = recorder(now, laneOf);
  const output = recorder(now, (label) => laneOf(label.toLowerCase()));
  const message = (id: string): Message => ({ id, lane: laneOf(id) });
  const arrays = scenario.arrays;
  const values = Object.fromEntries(
    valueChars(scenario.source).map((ch) => [ch, (arrays ? [...arrays[ch]].map(message) : message(ch)) as In]),
  );

  testScheduler.run(({ cold }) => {
    const handler = (batch: readonly Message[], lane: string): Observable<readonly string[]> => {
      const run = { ids: batch.map((m) => m.id), lane, called: now(), start: null, produced: [], end: null };
      batches.push(run);
      const results = batch.map((m) => m.id.toUpperCase());
      return instrument(
        now,
        run,
        () => cold(scenario.handler, { r: results }),
        () => 'r',
        lane,
      );
    };
    cold<In>(scenario.source, values)
      .pipe(
        tap({
          next: (input) => {
            const messages: readonly Message[] = Array.isArray(input) ? input : [input as Message];
            for (const m of messages) arrived.set(m.id, now());
            const ch = Object.keys(values).find((k) => values[k] === input)!;
            source.observer.next(ch);
            if (arrays) {
              const marble = source.timeline.marbles[source.timeline.marbles.length - 1];
              marble.text = `[${messages.map((m) => m.id).join(',')}]`;
              marble.key = undefined;
            }
          },
          complete: source.observer.complete,
          error: source.observer.error,
          unsubscribe: () => (source.timeline.unsubscribed = now()),
        }),
        scenario.operator(handler),
      )
      .subscribe({
        next: (s) => output.observer.next(s.ok ? s.value.id.toUpperCase() : '!'),
        complete: output.observer.complete,
        error: output.observer.error,
      });
  });

  const rows: WorkRow[] = batches.map((batch) => {
    // The operator takes the handler Observable's first value and unsubscribes: that is its normal end.
    if (batch.end?.kind === 'cancel' && batch.produced.some((p) => p.frame === batch.end!.frame)) batch.end.kind = 'complete';
    const first = Math.min(...batch.ids.map((id) => arrived.get(id)!));
    const segments: WorkRow['segments'] = [];
    if (batch.called > first) segments.push({ from: first, to: batch.called, style: 'wait' });
    if (batch.start !== null) segments.push({ from: batch.start, to: batch.end?.frame ?? batch.start, style: 'run' });
    const emitted = Math.max(...batch.ids.map((id) => output.timeline.marbles.find((m) => m.label === id.toUpperCase())?.frame ?? -1));
    if (batch.end !== null && emitted > batch.end.frame) segments.push({ from: batch.end.frame, to: emitted, style: 'held' });
    return { label: `[${batch.ids.join(',')}] lane ${batch.lane}`, key: batch.lane, segments, produced: [], end: batch.end };
  });
  const partial = { source: source.timeline, output: output.timeline, rows };
  return {
    name: scenario.name,
    caption: scenario.caption,
    summary: scenario.summary,
    frames: lastFrame(partial) + 2,
    ...partial,
    keys: [...new Set(Object.values(scenario.lanes))],
    keyNoun: 'lane',
    legend: scenario.legend,
    asciiNotes: scenario.asciiNotes,
    asciiRows: true,
  };
}
