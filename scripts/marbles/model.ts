// The data a marble diagram is drawn from. Every frame in it was observed from a real operator run in
// virtual time (see capture.ts); the renderers (svg.ts, ascii.ts) only draw what is here.

/** A value, completion or error on a timeline, at a virtual-time frame (1 frame = 1 ms in `run` mode). */
export interface Marble {
  frame: number;
  /** One character: it is also the value's name in the ASCII marble diagram. */
  label: string;
  /** What the SVG shows, if not `label` (e.g. `[a,b,c]` for an array); drawn as a pill. */
  text?: string | undefined;
  /** Partition key (colour); `undefined` draws the neutral colour. */
  key?: string | undefined;
  /** Drawn with a highlight ring and this note under it (e.g. "late"). */
  note?: string | undefined;
}

export interface Termination {
  frame: number;
  kind: 'complete' | 'error';
}

export interface Timeline {
  marbles: Marble[];
  /** `null`: the timeline is still open at the end of the diagram. */
  end: Termination | null;
  /** Frame at which the operator unsubscribed from this timeline before it ended (source torn down). */
  unsubscribed?: number | undefined;
}

export type SegmentStyle = 'wait' | 'run' | 'held';

/** One stretch of a work row: waiting for a slot, running, or done and held back (for order, or in a buffer). */
export interface Segment {
  from: number;
  to: number;
  style: SegmentStyle;
}

/** What happens inside the operator to one element (or one batch): a row of segments under the caption. */
export interface WorkRow {
  /** Row label, e.g. `a · key x`. */
  label: string;
  key?: string | undefined;
  segments: Segment[];
  /** Values the inner produced, at the frames it produced them. */
  produced: Marble[];
  /** How the inner ended: completed, was unsubscribed early (torn down), or errored; `null` if it never ran. */
  end: { frame: number; kind: 'complete' | 'cancel' | 'error' } | null;
  /** The inner's subscription as a real subscription marble (`--^---!`), for the ASCII diagram. */
  subscription?: string | undefined;
}

export interface Diagram {
  /** File name without extension: `docs/marbles/<name>.svg`. */
  name: string;
  /** The operator call, in code. */
  caption: string;
  /** A short sentence under the diagram saying what to look at. */
  summary: string;
  /** Timeline length in frames (the last frame drawn is `frames - 1`). */
  frames: number;
  source: Timeline;
  rows: WorkRow[];
  output: Timeline;
  /** Partition keys in legend order; their index picks the colour. Empty: one neutral colour. */
  keys: string[];
  /** What the legend calls a key (default `key`). */
  keyNoun?: string;
  /** Which segment styles the legend explains, with the wording for this operator. */
  legend: Partial<Record<SegmentStyle, string>>;
  /** Notes drawn under the output timeline at a frame (e.g. a gap given up on). */
  callouts?: Array<{ frame: number; text: string }>;
  /** Notes printed to the right of ASCII rows, by row label (`source`, `output` or a work row label). */
  asciiNotes?: Record<string, string>;
  /** Label of the work rows in the ASCII diagram (they are subscription marbles), or `null` to omit them. */
  asciiRows: boolean;
}
