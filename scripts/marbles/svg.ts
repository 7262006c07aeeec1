// Renders a captured Diagram as a standalone SVG: source timeline, the operator box (caption and one row
// per element: waiting, running, held), output timeline, a summary line and a legend. Pure string output,
// fixed number formatting, no clock or randomness: the same Diagram always gives the same bytes.
import { asciiDiagram } from './ascii.js';
import type { Diagram, Marble, SegmentStyle, Termination, Timeline, WorkRow } from './model.js';

const WIDTH = 840;
const MARGIN = 12;
const X0 = 122; // timelines start here; the column to the left holds the labels
const X1 = WIDTH - 28;
const PAD = 20; // from the timeline's start to frame 0, and from the last frame to the arrow
const R = 14; // marble radius
const ROW = 28; // work row height

const FONT = "'Helvetica Neue', Helvetica, Arial, 'DejaVu Sans', sans-serif";
const MONO = "Menlo, Consolas, 'DejaVu Sans Mono', 'Liberation Mono', monospace";
const INK = '#1f2328';
const MUTED = '#57606a';
const GRID = '#eaeef2';

/** Colour-blind-safe pairs (fill, stroke) per partition key, then the neutral colour. */
const PALETTE: Array<[string, string]> = [
  ['#d6e6fa', '#1f5fae'],
  ['#fde2c4', '#b85a00'],
  ['#d3f0d0', '#2a7a2e'],
  ['#ecdcf5', '#7a3d99'],
  ['#d2eeee', '#1d6f73'],
];
const NEUTRAL: [string, string] = ['#e6e9ed', '#4b5560'];
const ERROR = '#cf222e';
const NOTE = '#9a6700';

const n = (value: number): string => String(Math.round(value * 10) / 10);
const esc = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export function renderSvg(diagram: Diagram): string {
  const fw = (X1 - X0 - 2 * PAD) / Math.max(1, diagram.frames - 1);
  const x = (frame: number): number => X0 + PAD + frame * fw;
  const colour = (key: string | undefined): [string, string] => {
    const index = key === undefined ? -1 : diagram.keys.indexOf(key);
    return index < 0 ? NEUTRAL : PALETTE[index % PALETTE.length];
  };

  const yAxis = 20;
  const ySource = 50;
  const boxTop = ySource + 36;
  const yCaption = boxTop + 25;
  const yFirstRow = boxTop + 52;
  const boxBottom = yFirstRow + (diagram.rows.length - 1) * ROW + 22;
  const yOutput = boxBottom + 38;
  const underOutput = (diagram.callouts?.length ?? 0) > 0 ? 40 : diagram.output.marbles.some((m) => m.note) ? 16 : 0;
  const ySummary = yOutput + 46 + underOutput;
  const legend = legendItems(diagram, colour);
  const yLegend = ySummary + 28;
  const height = yLegend + (legend.length - 1) * 22 + 22;

  const out: string[] = [];
  const push = (s: string): void => void out.push(s);

  push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" role="img" aria-labelledby="title desc">`,
  );
  push(`<title id="title">${esc(`${diagram.caption} — marble diagram`)}</title>`);
  push(`<desc id="desc">${esc(`${diagram.summary}\n${asciiDiagram(diagram)}`)}</desc>`);
  push(`<rect x="0.5" y="0.5" width="${WIDTH - 1}" height="${height - 1}" rx="8" fill="#ffffff" stroke="#d0d7de"/>`);

  // The operator box, then the frame grid (with frame numbers on top) over its fill and under everything else.
  push(
    `<rect x="${MARGIN}" y="${boxTop}" width="${WIDTH - 2 * MARGIN}" height="${boxBottom - boxTop}" rx="6" fill="#f6f8fa" stroke="#8c959f" stroke-width="1.2"/>`,
  );
  for (let f = 0; f < diagram.frames; f++) {
    push(`<line x1="${n(x(f))}" y1="${yAxis + 8}" x2="${n(x(f))}" y2="${yOutput}" stroke="${GRID}" stroke-width="1"/>`);
    push(`<text x="${n(x(f))}" y="${yAxis}" text-anchor="middle" font-family="${FONT}" font-size="10" fill="#8c959f">${f}</text>`);
  }
  push(`<text x="${MARGIN + 8}" y="${yAxis}" font-family="${FONT}" font-size="10" fill="#8c959f">frame</text>`);
  push(
    `<text x="${WIDTH / 2}" y="${yCaption}" text-anchor="middle" font-family="${MONO}" font-size="14" font-weight="600" fill="${INK}">${esc(diagram.caption)}</text>`,
  );

  // Timelines.
  drawTimeline(push, 'source', diagram.source, ySource, x, colour);
  diagram.rows.forEach((row, i) => drawRow(push, row, yFirstRow + i * ROW, x, colour));
  drawTimeline(push, 'output', diagram.output, yOutput, x, colour);
  for (const { frame, text } of diagram.callouts ?? []) {
    push(
      `<line x1="${n(x(frame))}" y1="${yOutput + R + 12}" x2="${n(x(frame))}" y2="${yOutput + R + 26}" stroke="${NOTE}" stroke-width="1.5"/>`,
    );
    push(
      `<text x="${n(x(frame))}" y="${yOutput + R + 40}" text-anchor="middle" font-family="${FONT}" font-size="12" font-weight="600" fill="${NOTE}">${esc(text)}</text>`,
    );
  }

  push(
    `<text x="${WIDTH / 2}" y="${ySummary}" text-anchor="middle" font-family="${FONT}" font-size="13" font-style="italic" fill="${MUTED}">${esc(diagram.summary)}</text>`,
  );
  legend.forEach((line, i) => {
    let cursor = MARGIN + 8;
    for (const item of line) {
      push(item.draw(cursor, yLegend + i * 22));
      cursor += item.width;
    }
  });
  push('</svg>');
  return out.join('\n') + '\n';
}

type Push = (s: string) => void;
type Colour = (key: string | undefined) => [string, string];

function drawTimeline(push: Push, label: string, timeline: Timeline, y: number, x: (f: number) => number, colour: Colour): void {
  push(`<text x="${MARGIN + 8}" y="${y + 5}" font-family="${FONT}" font-size="14" font-weight="600" fill="${INK}">${label}</text>`);
  const endX =
    timeline.end !== null
      ? x(timeline.end.frame) + terminationOffset(timeline, timeline.end.frame)
      : timeline.unsubscribed !== undefined
        ? x(timeline.unsubscribed)
        : X1;
  push(`<line x1="${X0}" y1="${y}" x2="${n(endX)}" y2="${y}" stroke="${INK}" stroke-width="2"/>`);
  if (timeline.end === null && timeline.unsubscribed === undefined) push(`<path d="M ${X1} ${y} l -10 -5 v 10 z" fill="${INK}"/>`);
  if (timeline.end === null && timeline.unsubscribed !== undefined) {
    // Unsubscribed by the operator: the line stops, and a faint dashed stub says the source was cut off.
    push(
      `<line x1="${n(endX)}" y1="${y}" x2="${n(Math.min(X1, endX + 2 * R + 20))}" y2="${y}" stroke="${MUTED}" stroke-width="2" stroke-dasharray="2 4"/>`,
    );
    terminator(push, endX, y, 'cancel', 9);
  }

  // Events of one frame are drawn side by side, starting at the frame: RxJS's synchronous group "(ab)".
  const byFrame = new Map<number, Array<Marble | Termination>>();
  for (const m of timeline.marbles) byFrame.set(m.frame, [...(byFrame.get(m.frame) ?? []), m]);
  if (timeline.end) byFrame.set(timeline.end.frame, [...(byFrame.get(timeline.end.frame) ?? []), timeline.end]);
  for (const [frame, events] of byFrame) {
    const cx0 = x(frame);
    const values = events.filter((e) => 'label' in e).length;
    if (values > 1) {
      const last = cx0 + (values - 1) * (2 * R + 2);
      push(`<path d="M ${n(cx0 - R)} ${y + R + 6} v 4 H ${n(last + R)} v -4" fill="none" stroke="${MUTED}" stroke-width="1"/>`);
    }
    events.forEach((event, i) => {
      const cx = cx0 + i * (2 * R + 2);
      if ('label' in event) marble(push, cx, y, R, event, colour(event.key), 14);
      else terminator(push, cx, y, event.kind, 15);
    });
  }
}

/** Horizontal offset of the termination within its frame's group (it comes after that frame's values). */
function terminationOffset(timeline: Timeline, frame: number): number {
  return timeline.marbles.filter((m) => m.frame === frame).length * (2 * R + 2);
}

function marble(push: Push, cx: number, cy: number, r: number, m: Marble, [fill, stroke]: [string, string], size: number): void {
  if (m.note !== undefined) {
    push(`<circle cx="${n(cx)}" cy="${cy}" r="${r + 4}" fill="none" stroke="${NOTE}" stroke-width="2" stroke-dasharray="3 2"/>`);
    push(
      `<text x="${n(cx)}" y="${cy + r + 20}" text-anchor="middle" font-family="${FONT}" font-size="12" font-weight="600" fill="${NOTE}">${esc(m.note)}</text>`,
    );
  }
  const text = m.text ?? m.label;
  if (text.length > 1) {
    // A pill wide enough for the text, starting at the frame (like the first marble of a group).
    const w = Math.round(text.length * size * 0.62 + 12);
    push(
      `<rect x="${n(cx - r)}" y="${cy - r}" width="${w}" height="${2 * r}" rx="${r}" fill="${fill}" stroke="${stroke}" stroke-width="2"/>`,
    );
    push(
      `<text x="${n(cx - r + w / 2)}" y="${n(cy + size * 0.36)}" text-anchor="middle" font-family="${FONT}" font-size="${size}" font-weight="700" fill="${INK}">${esc(text)}</text>`,
    );
    return;
  }
  push(`<circle cx="${n(cx)}" cy="${cy}" r="${r}" fill="${fill}" stroke="${stroke}" stroke-width="2"/>`);
  push(
    `<text x="${n(cx)}" y="${n(cy + size * 0.36)}" text-anchor="middle" font-family="${FONT}" font-size="${size}" font-weight="700" fill="${INK}">${esc(text)}</text>`,
  );
}

function terminator(push: Push, cx: number, cy: number, kind: 'complete' | 'error' | 'cancel', half: number): void {
  if (kind === 'complete') {
    push(`<line x1="${n(cx)}" y1="${cy - half}" x2="${n(cx)}" y2="${cy + half}" stroke="${INK}" stroke-width="3"/>`);
  } else {
    const colour = kind === 'error' ? ERROR : MUTED;
    const h = half * 0.7;
    push(
      `<path d="M ${n(cx - h)} ${n(cy - h)} L ${n(cx + h)} ${n(cy + h)} M ${n(cx - h)} ${n(cy + h)} L ${n(cx + h)} ${n(cy - h)}" stroke="${colour}" stroke-width="3" stroke-linecap="round"/>`,
    );
  }
}

const SEGMENT: Record<SegmentStyle, (x1: number, x2: number, y: number, c: [string, string]) => string> = {
  wait: (x1, x2, y, [, stroke]) =>
    `<line x1="${n(x1)}" y1="${y}" x2="${n(x2)}" y2="${y}" stroke="${stroke}" stroke-width="2" stroke-dasharray="1 4" stroke-linecap="round"/>`,
  run: (x1, x2, y, [fill, stroke]) =>
    `<rect x="${n(x1)}" y="${y - 7}" width="${n(Math.max(4, x2 - x1))}" height="14" rx="3" fill="${fill}" stroke="${stroke}" stroke-width="1.5"/>`,
  held: (x1, x2, y, [, stroke]) =>
    `<line x1="${n(x1)}" y1="${y}" x2="${n(x2)}" y2="${y}" stroke="${stroke}" stroke-width="2" stroke-dasharray="6 4"/>`,
};

function drawRow(push: Push, row: WorkRow, y: number, x: (f: number) => number, colour: Colour): void {
  const c = colour(row.key);
  push(`<text x="${MARGIN + 12}" y="${y + 4}" font-family="${FONT}" font-size="12" fill="${MUTED}">${esc(row.label)}</text>`);
  for (const s of row.segments) push(SEGMENT[s.style](x(s.from), x(s.to), y, c));
  if (row.end && row.end.kind !== 'complete') terminator(push, x(row.end.frame), y, row.end.kind, 9);
  const byFrame = new Map<number, number>();
  for (const m of row.produced) {
    const i = byFrame.get(m.frame) ?? 0;
    byFrame.set(m.frame, i + 1);
    marble(push, x(m.frame) + i * 20, y, 9, m, c, 11);
  }
}

interface LegendItem {
  width: number;
  draw: (x: number, y: number) => string;
}

/** Legend entries for what this diagram shows (keys, row styles, terminators), wrapped into lines. */
function legendItems(diagram: Diagram, colour: Colour): LegendItem[][] {
  const items: LegendItem[] = [];
  const entry = (swatchWidth: number, swatch: (x: number, y: number) => string, label: string): void => {
    const textWidth = Math.round(label.length * 6.1);
    items.push({
      width: swatchWidth + 6 + textWidth + 22,
      draw: (x, y) =>
        swatch(x, y) +
        `<text x="${x + swatchWidth + 6}" y="${y + 4}" font-family="${FONT}" font-size="12" fill="${MUTED}">${esc(label)}</text>`,
    });
  };
  for (const key of diagram.keys) {
    const [fill, stroke] = colour(key);
    entry(
      12,
      (x, y) => `<circle cx="${x + 6}" cy="${y}" r="6" fill="${fill}" stroke="${stroke}" stroke-width="2"/>`,
      `${diagram.keyNoun ?? 'key'} ${key}`,
    );
  }
  for (const style of ['wait', 'run', 'held'] as const) {
    const label = diagram.legend[style];
    if (label !== undefined) entry(26, (x, y) => SEGMENT[style](x, x + 26, y, NEUTRAL), label);
  }
  const ends = [diagram.source.end, diagram.output.end].map((e) => e?.kind);
  const cancelled = diagram.rows.some((r) => r.end?.kind === 'cancel') || diagram.source.unsubscribed !== undefined;
  const capture = (kind: 'complete' | 'error' | 'cancel', x: number, y: number): string => {
    const parts: string[] = [];
    terminator((s) => void parts.push(s), x + 6, y, kind, 7);
    return parts.join('');
  };
  if (ends.includes('complete')) entry(12, (x, y) => capture('complete', x, y), 'complete');
  if (ends.includes('error') || diagram.rows.some((r) => r.end?.kind === 'error')) entry(12, (x, y) => capture('error', x, y), 'error');
  if (cancelled) entry(12, (x, y) => capture('cancel', x, y), 'unsubscribed (torn down)');

  const lines: LegendItem[][] = [[]];
  let used = 0;
  for (const item of items) {
    if (used + item.width > WIDTH - 2 * MARGIN - 8 && used > 0) {
      lines.push([]);
      used = 0;
    }
    lines[lines.length - 1].push(item);
    used += item.width;
  }
  return lines;
}
