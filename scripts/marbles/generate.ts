// Regenerates docs/marbles/<name>.svg from the real operators in virtual time.
//   npx tsx scripts/marbles/generate.ts            write every diagram
//   npx tsx scripts/marbles/generate.ts --check    exit 1 if a committed SVG differs (writes nothing)
//   npx tsx scripts/marbles/generate.ts --ascii    print the ASCII diagrams (the operators' TSDoc carries them)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { asciiDiagram } from './ascii.js';
import { diagrams } from './scenarios.js';
import { renderSvg } from './svg.js';

export const marblesDir = join(__dirname, '..', '..', 'docs', 'marbles');

function main(args: string[]): number {
  const check = args.includes('--check');
  const ascii = args.includes('--ascii');
  let stale = 0;
  mkdirSync(marblesDir, { recursive: true });
  for (const spec of diagrams) {
    const diagram = spec.build();
    const file = join(marblesDir, `${spec.name}.svg`);
    const svg = renderSvg(diagram);
    if (ascii) console.log(`${spec.name}${spec.tsdoc ? ` (TSDoc of ${spec.tsdoc})` : ''}:\n${asciiDiagram(diagram)}\n`);
    let current: string | null = null;
    try {
      current = readFileSync(file, 'utf8');
    } catch {
      current = null;
    }
    if (current === svg) continue;
    if (check) {
      stale++;
      console.error(`stale: docs/marbles/${spec.name}.svg`);
    } else {
      writeFileSync(file, svg);
      console.log(`wrote docs/marbles/${spec.name}.svg`);
    }
  }
  return stale === 0 ? 0 : 1;
}

process.exitCode = main(process.argv.slice(2));
