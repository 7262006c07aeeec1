// ASCII marble diagrams in RxJS marble syntax (run mode: one character = one frame), written so that the
// column of every event is its frame. The strings are real marbles: `TestScheduler.parseMarbles` and
// `parseMarblesAsSubscriptions` read them back to the captured events (spec/docs/marbles.spec.ts checks).
import type { Diagram, Timeline, WorkRow } from './model.js';

/**
 * A timeline as a marble string: `-` per idle frame, one character per value, `|` completion, `#` error,
 * `(ab)` for events in the same frame. A synchronous group spans as many frames as it has characters, so
 * an event that falls inside that span cannot be drawn column-aligned: that throws (change the scenario).
 */
export function timelineMarbles(timeline: Timeline): string {
  const events = timeline.marbles.map((m) => ({ frame: m.frame, token: m.label }));
  if (timeline.end !== null) events.push({ frame: timeline.end.frame, token: timeline.end.kind === 'complete' ? '|' : '#' });
  let out = '';
  for (let i = 0; i < events.length;) {
    const frame = events[i].frame;
    const tokens: string[] = [];
    for (; i < events.length && events[i].frame === frame; i++) {
      if ([...events[i].token].length !== 1) throw new Error(`marble label ${JSON.stringify(events[i].token)} must be one character`);
      tokens.push(events[i].token);
    }
    if (i < events.length && events[i].frame < frame) throw new Error('timeline events are not in frame order');
    if (out.length > frame) {
      throw new Error(`event at frame ${frame} falls inside the synchronous group before it (${out}): space the scenario out`);
    }
    out += '-'.repeat(frame - out.length) + (tokens.length === 1 ? tokens[0] : `(${tokens.join('')})`);
  }
  return out;
}

/** A work row's inner subscription as a subscription marble: `--^---!` (subscribed at 2, unsubscribed at 6). */
export function subscriptionMarbles(row: WorkRow): string {
  const run = row.segments.find((s) => s.style === 'run');
  if (run === undefined) return '';
  const lead = '-'.repeat(run.from);
  if (row.end === null) return `${lead}^`;
  if (row.end.frame === run.from) return `${lead}(^!)`;
  return `${lead}^${'-'.repeat(row.end.frame - run.from - 1)}!`;
}

/** The whole diagram as an aligned block: `source`, one subscription row per work row, `output`. */
export function asciiDiagram(diagram: Diagram): string {
  const lines: Array<[string, string]> = [['source', timelineMarbles(diagram.source)]];
  if (diagram.asciiRows) for (const row of diagram.rows) lines.push([row.label, row.subscription ?? subscriptionMarbles(row)]);
  lines.push(['output', timelineMarbles(diagram.output)]);
  const labelWidth = Math.max(...lines.map(([label]) => label.length)) + 2;
  const marbleWidth = Math.max(...lines.map(([, marbles]) => marbles.length)) + 3;
  return lines
    .map(([label, marbles]) => {
      const note = diagram.asciiNotes?.[label];
      const text = `${label}:`.padEnd(labelWidth) + marbles;
      return note === undefined ? text : text.padEnd(labelWidth + marbleWidth) + note;
    })
    .join('\n');
}
