/**
 * A plain-SVG line chart (no plotting dependency): one polyline per series, each point labelled, log-scaled
 * axes where asked. Written for bench/suites/throughputLatency.ts; deterministic output for equal input.
 */
export interface Point {
  x: number;
  y: number;
  label: string;
}

export interface Series {
  name: string;
  color: string;
  points: Point[];
  dashed?: boolean;
}

export interface ChartSpec {
  title: string;
  subtitle: string;
  xLabel: string;
  yLabel: string;
  logX?: boolean;
  logY?: boolean;
  series: Series[];
}

const W = 760;
const H = 460;
const M = { left: 78, right: 24, top: 64, bottom: 96 };

const escape = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const short = (v: number) =>
  v >= 1_000_000 ? `${+(v / 1_000_000).toPrecision(3)}M` : v >= 1_000 ? `${+(v / 1_000).toPrecision(3)}k` : `${+v.toPrecision(3)}`;

function ticks(min: number, max: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(min)); e <= Math.ceil(Math.log10(max)); e++) {
      for (const m of [1, 2, 5]) {
        const v = m * 10 ** e;
        if (v >= min && v <= max) out.push(v);
      }
    }
    return out;
  }
  const step = 10 ** Math.floor(Math.log10((max - min) / 4 || 1));
  const nice = [1, 2, 5, 10].map((m) => m * step).find((s) => (max - min) / s <= 6) ?? step * 10;
  const out: number[] = [];
  for (let v = Math.ceil(min / nice) * nice; v <= max; v += nice) out.push(v);
  return out;
}

function scale(min: number, max: number, log: boolean, from: number, to: number): (v: number) => number {
  const f = log ? Math.log10 : (v: number) => v;
  const a = f(min);
  const b = f(max);
  return (v) => from + ((f(v) - a) / (b - a || 1)) * (to - from);
}

function range(values: number[], log: boolean): [number, number] {
  let min = Math.min(...values);
  let max = Math.max(...values);
  if (log) return [min / 1.4, max * 1.4];
  const pad = (max - min) * 0.08 || 1;
  min = Math.max(0, min - pad);
  max += pad;
  return [min, max];
}

export function lineChart(spec: ChartSpec): string {
  const xs = spec.series.flatMap((s) => s.points.map((p) => p.x));
  const ys = spec.series.flatMap((s) => s.points.map((p) => p.y));
  const [x0, x1] = range(xs, spec.logX ?? false);
  const [y0, y1] = range(ys, spec.logY ?? false);
  const sx = scale(x0, x1, spec.logX ?? false, M.left, W - M.right);
  const sy = scale(y0, y1, spec.logY ?? false, H - M.bottom, M.top);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" font-family="system-ui, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="${M.left}" y="24" font-size="16" font-weight="600">${escape(spec.title)}</text>`);
  out.push(`<text x="${M.left}" y="44" fill="#555">${escape(spec.subtitle)}</text>`);
  for (const t of ticks(x0, x1, spec.logX ?? false)) {
    const x = sx(t).toFixed(1);
    out.push(`<line x1="${x}" y1="${M.top}" x2="${x}" y2="${H - M.bottom}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${x}" y="${H - M.bottom + 16}" text-anchor="middle" fill="#444">${short(t)}</text>`);
  }
  for (const t of ticks(y0, y1, spec.logY ?? false)) {
    const y = sy(t).toFixed(1);
    out.push(`<line x1="${M.left}" y1="${y}" x2="${W - M.right}" y2="${y}" stroke="#e5e5e5"/>`);
    out.push(`<text x="${M.left - 6}" y="${y}" dy="4" text-anchor="end" fill="#444">${short(t)}</text>`);
  }
  out.push(`<rect x="${M.left}" y="${M.top}" width="${W - M.left - M.right}" height="${H - M.top - M.bottom}" fill="none" stroke="#999"/>`);
  out.push(`<text x="${(M.left + W - M.right) / 2}" y="${H - M.bottom + 36}" text-anchor="middle">${escape(spec.xLabel)}</text>`);
  out.push(`<text transform="translate(18 ${(M.top + H - M.bottom) / 2}) rotate(-90)" text-anchor="middle">${escape(spec.yLabel)}</text>`);
  spec.series.forEach((s, i) => {
    const pts = s.points.map((p) => `${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
    const dash = s.dashed ? ' stroke-dasharray="6 4"' : '';
    if (s.points.length > 1) out.push(`<polyline points="${pts}" fill="none" stroke="${s.color}" stroke-width="2"${dash}/>`);
    for (const p of s.points) {
      const x = sx(p.x).toFixed(1);
      const y = sy(p.y).toFixed(1);
      out.push(`<circle cx="${x}" cy="${y}" r="3.5" fill="${s.color}"/>`);
      out.push(`<text x="${x}" y="${y}" dx="5" dy="-6" font-size="10" fill="${s.color}">${escape(p.label)}</text>`);
    }
    const lx = M.left + (i % 2) * 340;
    const ly = H - 34 + Math.floor(i / 2) * 18;
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 22}" y2="${ly}" stroke="${s.color}" stroke-width="2"${dash}/>`);
    out.push(`<text x="${lx + 28}" y="${ly + 4}">${escape(s.name)}</text>`);
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}
