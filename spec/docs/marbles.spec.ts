// The marble diagrams in docs/marbles/ are generated from the real operators in virtual time
// (scripts/marbles/). This spec regenerates each one in memory and fails when the committed SVG, or the
// ASCII diagram in the operator's TSDoc, no longer matches what the operator does.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TestScheduler } from 'rxjs/testing';
import { asciiDiagram, subscriptionMarbles, timelineMarbles } from '../../scripts/marbles/ascii';
import type { Diagram, Timeline } from '../../scripts/marbles/model';
import { diagrams } from '../../scripts/marbles/scenarios';
import { renderSvg } from '../../scripts/marbles/svg';

const root = join(__dirname, '..', '..');
const REGENERATE = 'run `npx tsx scripts/marbles/generate.ts` (npm run docs:marbles) and commit docs/marbles/';

function firstDifference(a: string, b: string): string {
  const al = a.split('\n');
  const bl = b.split('\n');
  for (let i = 0; i < Math.max(al.length, bl.length); i++) {
    if (al[i] !== bl[i]) return `line ${i + 1}:\n  committed: ${al[i] ?? '(none)'}\n  generated: ${bl[i] ?? '(none)'}`;
  }
  return '';
}

/** The first ```text block of the TSDoc comment of the file's first exported function, without the ` * ` prefixes. */
function tsdocDiagram(file: string): string | undefined {
  const source = readFileSync(join(root, file), 'utf8');
  const start = source.lastIndexOf('/**', source.indexOf('export function'));
  const comment = start < 0 ? '' : source.slice(start, source.indexOf('*/', start));
  const block = /^ \* ```text\n([\s\S]*?)^ \* ```$/m.exec(comment);
  return block?.[1]
    .split('\n')
    .filter((line) => line !== '')
    .map((line) => line.replace(/^ \* ?/, ''))
    .join('\n');
}

/** The events of a timeline in TestScheduler's own form, to compare with what its marbles parse to. */
function messages(timeline: Timeline) {
  const out: Array<{ frame: number; kind: string; value?: string }> = timeline.marbles.map((m) => ({ frame: m.frame, kind: 'N', value: m.label }));
  if (timeline.end) out.push({ frame: timeline.end.frame, kind: timeline.end.kind === 'complete' ? 'C' : 'E' });
  return out;
}

/** Parses in run mode (1 frame = 1 ms), where TestScheduler reads marbles the way the diagrams mean them. */
function inRunMode<R>(fn: () => R): R {
  return new TestScheduler(() => undefined).run(fn);
}

function parsed(marbles: string) {
  return inRunMode(() => TestScheduler.parseMarbles(marbles, undefined, undefined, undefined, true).map(({ frame, notification }) =>
    notification.kind === 'N' ? { frame, kind: 'N', value: notification.value as string } : { frame, kind: notification.kind },
  ));
}

describe.each(diagrams.map((spec) => [spec.name, spec] as const))('marble diagram %s', (name, spec) => {
  let memo: Diagram | undefined;
  const diagram = (): Diagram => (memo ??= spec.build());

  it('equals the committed SVG (regenerated from the real operator in virtual time)', () => {
    const file = join(root, 'docs', 'marbles', `${name}.svg`);
    let committed: string;
    try {
      committed = readFileSync(file, 'utf8');
    } catch {
      throw new Error(`docs/marbles/${name}.svg is missing: ${REGENERATE}`);
    }
    const generated = renderSvg(diagram());
    if (committed !== generated) {
      throw new Error(
        `docs/marbles/${name}.svg no longer matches what the operator does: ${REGENERATE}\n` +
          `ASCII of the regenerated diagram:\n${asciiDiagram(diagram())}\n${firstDifference(committed, generated)}`,
      );
    }
  });

  it('has ASCII marbles that TestScheduler parses back to the captured events', () => {
    const d = diagram();
    expect(parsed(timelineMarbles(d.source))).toEqual(messages(d.source));
    expect(parsed(timelineMarbles(d.output))).toEqual(messages(d.output));
    for (const row of d.rows) {
      const run = row.segments.find((s) => s.style === 'run');
      if (run === undefined || !d.asciiRows) continue;
      const subscription = inRunMode(() => TestScheduler.parseMarblesAsSubscriptions(row.subscription ?? subscriptionMarbles(row), true));
      expect({ row: row.label, subscribed: subscription.subscribedFrame, unsubscribed: subscription.unsubscribedFrame }).toEqual({
        row: row.label,
        subscribed: run.from,
        unsubscribed: row.end?.frame ?? Infinity,
      });
    }
  });

  if (spec.tsdoc !== undefined) {
    const file = spec.tsdoc;
    it(`is the ASCII diagram in the TSDoc of ${file}`, () => {
      const expected = asciiDiagram(diagram());
      const actual = tsdocDiagram(file);
      if (actual !== expected) {
        throw new Error(
          `The \`\`\`text diagram in the TSDoc of ${file} does not match the generated diagram. ` +
            `Replace it with (from \`npx tsx scripts/marbles/generate.ts --ascii\`):\n${expected}\n\nfound:\n${actual ?? '(no ```text block)'}`,
        );
      }
    });
  }
});

describe('marble diagram rendering', () => {
  it('draws same-frame events as a synchronous group and refuses events hidden inside one', () => {
    expect(timelineMarbles({ marbles: [{ frame: 2, label: 'a' }, { frame: 2, label: 'b' }], end: { frame: 6, kind: 'complete' } })).toBe('--(ab)|');
    expect(timelineMarbles({ marbles: [{ frame: 1, label: 'a' }], end: { frame: 1, kind: 'error' } })).toBe('-(a#)');
    expect(() => timelineMarbles({ marbles: [{ frame: 2, label: 'a' }, { frame: 2, label: 'b' }, { frame: 4, label: 'c' }], end: null })).toThrow(
      /inside the synchronous group/,
    );
  });

  it('writes subscription marbles for a same-frame subscribe and unsubscribe', () => {
    const row = { label: 'x', segments: [{ from: 3, to: 3, style: 'run' as const }], produced: [], end: { frame: 3, kind: 'complete' as const } };
    expect(subscriptionMarbles(row)).toBe('---(^!)');
    expect(inRunMode(() => TestScheduler.parseMarblesAsSubscriptions('---(^!)', true))).toMatchObject({ subscribedFrame: 3, unsubscribedFrame: 3 });
  });
});
