/**
 * Terminal output of the demo: aligned tables and a progress display that is a live line per run on a
 * TTY and plain milestone lines otherwise (CI logs). No dependencies.
 */
import type { OverloadRow } from './adaptive.js';
import type { ApproachResult, DemoSettings, LiveRun, RunHooks, SweepRow } from './core.js';

export interface Style {
  bold(text: string): string;
  dim(text: string): string;
  good(text: string): string;
  bad(text: string): string;
}

const ansi = (open: number, close: number) => (text: string) => `\x1b[${open}m${text}\x1b[${close}m`;
export const COLOR: Style = { bold: ansi(1, 22), dim: ansi(2, 22), good: ansi(32, 39), bad: ansi(31, 39) };
export const PLAIN: Style = { bold: (t) => t, dim: (t) => t, good: (t) => t, bad: (t) => t };

/** Colour only on a terminal, and never when NO_COLOR is set (https://no-color.org). */
export function pickStyle(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): Style {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return PLAIN;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return COLOR;
  return stream.isTTY === true && env.TERM !== 'dumb' ? COLOR : PLAIN;
}

// eslint-disable-next-line no-control-regex -- matching the terminal's colour escapes is the point
const ESCAPES = /\x1b\[[0-9;]*m/g;
export const visibleWidth = (text: string): number => text.replace(ESCAPES, '').length;

export const int = (n: number): string => Math.round(n).toLocaleString('en-US');
export const times = (n: number): string => (n >= 10 ? `${n.toFixed(0)}×` : `${n.toFixed(1)}×`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;

/** Word-wraps `text` to `width` columns (at most 120), each line indented by `indent`. */
export function wrap(text: string, width: number | undefined, indent = '  '): string {
  const max = Math.max(40, Math.min(width !== undefined && width > 0 ? width : 100, 120)) - indent.length;
  const lines: string[] = [];
  let current = '';
  for (const word of text.split(/\s+/)) {
    if (current !== '' && current.length + 1 + word.length > max) {
      lines.push(current);
      current = word;
    } else current = current === '' ? word : `${current} ${word}`;
  }
  if (current !== '') lines.push(current);
  return lines.map((l) => indent + l).join('\n');
}

export interface Column {
  /** A `\n` makes a two-line header. */
  header: string;
  align: 'left' | 'right';
  /** Consecutive columns with the same group share a label centred above their headers. */
  group?: string;
}

/** An aligned table: header lines, a rule, rows. Cells may contain colour codes. */
export function table(columns: readonly Column[], rows: readonly (readonly string[])[], style: Style, indent = '  '): string {
  const gap = '  ';
  const headers = columns.map((c) => c.header.split('\n'));
  const widths = columns.map((_, i) => Math.max(...headers[i].map(visibleWidth), ...rows.map((r) => visibleWidth(r[i]))));
  const align = (text: string, i: number): string => {
    const space = ' '.repeat(Math.max(0, widths[i] - visibleWidth(text)));
    return columns[i].align === 'right' ? space + text : text + space;
  };
  const line = (cells: readonly string[]) => indent + cells.map(align).join(gap).trimEnd();

  const headerLines = Math.max(...headers.map((h) => h.length), columns.some((c) => c.group !== undefined) ? 2 : 1);
  const headerRows: string[] = [];
  for (let l = 0; l < headerLines; l++) {
    // Bottom-aligned: a one-line header sits on the last header line; group labels on the line above.
    const parts: string[] = [];
    for (let i = 0; i < columns.length; i++) {
      const group = columns[i].group;
      if (group !== undefined && l === headerLines - 2) {
        let end = i;
        while (end + 1 < columns.length && columns[end + 1].group === group) end++;
        const span = widths.slice(i, end + 1).reduce((a, b) => a + b, 0) + gap.length * (end - i);
        const left = Math.max(0, Math.floor((span - group.length) / 2));
        parts.push((' '.repeat(left) + group).padEnd(span));
        i = end;
        continue;
      }
      const h = headers[i];
      parts.push(align(h[l - (headerLines - h.length)] ?? '', i));
    }
    headerRows.push(style.bold(indent + parts.join(gap).trimEnd()));
  }
  return [...headerRows, indent + widths.map((w) => '─'.repeat(w)).join(gap), ...rows.map(line)].join('\n');
}

const yes = (held: boolean, style: Style): string => (held ? style.good('✓ held') : style.bad('✗ broken'));

/** The main table: one row per approach. Concurrency above mapAsyncPartitioned's bounds is shown in red. */
export function resultsTable(
  results: readonly ApproachResult[],
  bounds: Pick<DemoSettings, 'parallelism' | 'perKey'>,
  style: Style,
): string {
  const { parallelism, perKey } = bounds;
  const columns: Column[] = [
    { header: 'approach', align: 'left' },
    { header: 'events/s', align: 'right' },
    { header: 'speed-up', align: 'right' },
    { header: 'entity\norder', align: 'left' },
    { header: 'global\norder', align: 'left' },
    { header: 'entity', align: 'right', group: 'max in flight' },
    { header: 'overall', align: 'right', group: 'max in flight' },
    { header: 'read-\nahead', align: 'right' },
  ];
  const rows = results.map((r) => [
    r.complete ? r.label : `${r.label} ${style.bad('(LOST OR DUPLICATED RESULTS)')}`,
    int(r.throughput),
    times(r.speedUp),
    yes(r.entityOrderHeld, style),
    yes(r.globalOrderHeld, style),
    r.maxInFlightPerEntity <= perKey ? int(r.maxInFlightPerEntity) : style.bad(int(r.maxInFlightPerEntity)),
    r.maxInFlight <= parallelism ? int(r.maxInFlight) : style.bad(int(r.maxInFlight)),
    int(r.maxReadAhead),
  ]);
  return table(columns, rows, style);
}

/** Responsive's published speed-ups of its async processor for Kafka Streams (seed 001). */
export const RESPONSIVE: ReadonlyMap<number, string> = new Map([
  [1, '3×'],
  [2, '5.5×'],
]);

export function sweepTable(rows: readonly SweepRow[], style: Style): string {
  const columns: Column[] = [
    { header: 'latency', align: 'right' },
    { header: 'measured\ncall', align: 'right' },
    { header: 'concatMap', align: 'right' },
    { header: 'mapAsync-\nPartitioned', align: 'right' },
    { header: 'speed-up', align: 'right' },
    { header: 'Responsive\nreported', align: 'right' },
  ];
  const body = rows.map((r) => [
    `${r.latencyMs} ms`,
    `${r.sequential.meanCallMs.toFixed(2)} ms`,
    `${int(r.sequential.throughput)} ev/s`,
    `${int(r.partitioned.throughput)} ev/s`,
    style.bold(times(r.speedUp)),
    RESPONSIVE.get(r.latencyMs) ?? '–',
  ]);
  return table(columns, body, style);
}

interface Out {
  write(text: string): unknown;
  isTTY?: boolean;
  columns?: number;
}

/** A usable terminal width, or `undefined` when unknown (pipes, or a pseudo-terminal reporting 0). */
const columnsOf = (out: Out): number | undefined => (out.columns !== undefined && out.columns > 0 ? out.columns : undefined);

/**
 * Progress hooks for {@link runDemo}: on a TTY a live line per run (bar, count, remote calls in flight,
 * elapsed), redrawn every 80 ms and replaced by a summary when the run ends; otherwise a plain line at
 * 25 %, 50 %, 75 % (once a run has lasted `milestonesAfterMs`) and at the end.
 */
export function progress(
  out: Out,
  style: Style,
  options: { live?: boolean; milestonesAfterMs?: number; labelWidth?: number } = {},
): RunHooks {
  const { live = out.isTTY === true, milestonesAfterMs = 500, labelWidth = 34 } = options;
  let timer: ReturnType<typeof setInterval> | undefined;
  let milestone = 0;
  const label = (run: LiveRun) => run.label.padEnd(labelWidth);
  const elapsed = (run: LiveRun) => seconds(performance.now() - run.startedAt);

  const draw = (run: LiveRun): void => {
    const count = `${int(run.emitted).padStart(int(run.total).length)}/${int(run.total)}`;
    const rest = `  ${count}  in flight ${String(run.inFlight).padStart(4)}  ${elapsed(run)}`;
    const head = `  ${label(run)} `;
    const columns = columnsOf(out) ?? 120;
    const width = Math.max(0, Math.min(24, columns - 1 - head.length - rest.length));
    const filled = Math.round((run.emitted / run.total) * width);
    const bar = '█'.repeat(filled) + style.dim('░'.repeat(width - filled));
    const text = head + bar + rest;
    out.write(`\r\x1b[2K${visibleWidth(text) >= columns ? text.replace(ESCAPES, '').slice(0, columns - 1) : text}`);
  };

  return {
    onStart(run) {
      milestone = 0;
      if (!live) return;
      draw(run);
      timer = setInterval(() => draw(run), 80);
      timer.unref();
    },
    onResult(run) {
      if (live) return;
      // Milestones only for runs long enough to need them (a short run just prints its summary).
      const next = Math.floor((run.emitted / run.total) * 4);
      if (next > milestone && run.emitted < run.total && performance.now() - run.startedAt >= milestonesAfterMs) {
        milestone = next;
        out.write(
          `  ${label(run)} ${String(Math.floor((run.emitted / run.total) * 100)).padStart(3)} %  ${int(run.emitted)}/${int(run.total)}  ${elapsed(run)}\n`,
        );
      }
    },
    onEnd(run, result) {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
      const summary = `  ${label(run)} ${style.good('done')}  ${int(result.events)} events in ${seconds(result.elapsedMs)}  (${int(result.throughput)} events/s)`;
      out.write(live ? `\r\x1b[2K${summary}\n` : `${summary}\n`);
    },
  };
}

/** The adaptive-concurrency comparison: one row per parallelism setting. */
export function overloadTable(rows: readonly OverloadRow[], style: Style): string {
  const best = Math.max(...rows.map((r) => r.throughput));
  const columns: Column[] = [
    { header: 'parallelism', align: 'left' },
    { header: 'req/s', align: 'right' },
    { header: 'p50', align: 'right', group: 'call latency' },
    { header: 'p99', align: 'right', group: 'call latency' },
    { header: 'peak calls\nin flight', align: 'right' },
    { header: 'final\nlimit', align: 'right' },
  ];
  const ms = (n: number) => `${n.toFixed(n < 100 ? 1 : 0)} ms`;
  const body = rows.map((r) => [
    r.complete ? r.label : `${r.label} ${style.bad('(LOST, DUPLICATED OR OUT OF ORDER)')}`,
    r.throughput === best ? style.good(int(r.throughput)) : int(r.throughput),
    ms(r.p50),
    ms(r.p99),
    int(r.peakInFlight),
    int(r.finalLimit),
  ]);
  return table(columns, body, style);
}
