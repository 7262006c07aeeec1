// The API reference: API Documenter's Markdown over the API Extractor doc models of the three entry points
// (temp/api-model/*.api.json, written by every `api-extractor run`: `npm run api:check` and `api:update`),
// into docs/api/ (generated, not committed; `npm run docs:api` builds it). Ends with "N passed, N failed".
//
// Two things API Documenter cannot do on its own, done here on its input and output:
// - the three entries are one npm package, so their models all carry the package name "rxjs-lanes" and
//   would be written over each other: the subpath entries are renamed before, and titled
//   `rxjs-lanes/jetstream`, `rxjs-lanes/kafka` after;
// - the marble diagrams (docs/marbles/*.svg, generated from runs of the operators) go under the title of
//   their operator's page, with a link to the operator's guide.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const { root, Checks } = require('../package/lib.js');

const checks = new Checks('API reference');
const models = join(root, 'temp', 'api-model');
const input = join(root, 'temp', 'api-documenter-input');
const output = join(root, 'docs', 'api');
const entries = { 'rxjs-lanes': 'rxjs-lanes', 'rxjs-lanes-jetstream': 'rxjs-lanes/jetstream', 'rxjs-lanes-kafka': 'rxjs-lanes/kafka' };

// page of the operator → its diagrams (docs/marbles/README.md says how to read them)
const marbles = {
  'rxjs-lanes.mapasyncpartitioned.md': ['mapAsyncPartitioned'],
  'rxjs-lanes.mapasyncpartitionedunordered.md': ['mapAsyncPartitionedUnordered'],
  'rxjs-lanes.mapasync.md': ['mapAsync', 'mapAsync-error'],
  'rxjs-lanes.boundedordering.md': ['boundedOrdering'],
  'rxjs-lanes.batchbylane.md': ['batchByLane'],
  'rxjs-lanes.batchbylanefrombatches.md': ['batchByLaneFromBatches'],
};
const guide = {
  mapAsyncPartitioned: 'mapasyncpartitioned',
  mapAsyncPartitionedUnordered: 'mapasyncpartitionedunordered',
  mapAsync: 'mapasync',
  boundedOrdering: 'boundedordering--put-a-stream-back-in-sequence-order-within-a-bounded-window',
  batchByLane: 'batchbylane--per-key-ordered-batches-one-result-per-message',
  batchByLaneFromBatches: 'sources-that-already-deliver-batches-batchbylanefrombatches',
};

checks.check('the doc models of the three entry points', () => {
  rmSync(input, { recursive: true, force: true });
  mkdirSync(input, { recursive: true });
  for (const file of Object.keys(entries)) {
    const path = join(models, `${file}.api.json`);
    if (!existsSync(path)) throw new Error(`${path} is missing: run \`npm run api:check\` (or \`npm run docs:api\`) first`);
    const model = JSON.parse(readFileSync(path, 'utf8'));
    model.name = file; // a distinct package name per entry, so that each gets its own pages
    model.canonicalReference = model.canonicalReference.replace(/^rxjs-lanes!/, `${file}!`);
    writeFileSync(join(input, `${file}.api.json`), JSON.stringify(model, null, 2));
  }
  return `${Object.keys(entries).length} models`;
});

checks.check('api-documenter markdown into docs/api/', () => {
  rmSync(output, { recursive: true, force: true });
  const bin = require.resolve('.bin/api-documenter', { paths: [join(root, 'node_modules')] });
  const result = spawnSync(bin, ['markdown', '-i', input, '-o', output], { cwd: root, encoding: 'utf8' });
  const log = `${result.stdout}${result.stderr}`;
  if (result.status !== 0) throw new Error(log.trim().split('\n').slice(-30).join('\n'));
  // A `{@link X}` in a declaration that two entries export (Valve) resolves in one entry only: tolerated when X
  // is documented by another entry (the link is then plain text on that page). Every other message fails.
  const elsewhere = (name) => Object.keys(entries).some((file) => existsSync(join(output, `${file}.${name.toLowerCase()}.md`)));
  const warnings = log
    .split('\n')
    .filter((line) => /warning|error/i.test(line))
    .filter((line) => !elsewhere(/Unable to resolve reference "(\w+)"/.exec(line)?.[1] ?? '\0'));
  if (warnings.length) throw new Error(warnings.join('\n'));
  return `${readdirSync(output).length} pages`;
});

checks.check('entry titles and marble diagrams', () => {
  let diagrams = 0;
  for (const page of readdirSync(output)) {
    const path = join(output, page);
    let text = readFileSync(path, 'utf8');
    for (const [file, entry] of Object.entries(entries)) {
      if (file === entry) continue;
      text = text
        .replace(new RegExp(`\\[${file}\\]\\(\\./${file}\\.md\\)`, 'g'), `[${entry}](./${file}.md)`)
        .replace(new RegExp(`^## ${file} package$`, 'm'), `## ${entry} entry point`)
        .replace(new RegExp(`\\[${file}\\]\\(\\./${file}\\.md\\) \\|`, 'g'), `[${entry}](./${file}.md) |`);
    }
    for (const name of marbles[page] ?? []) {
      const svg = join(root, 'docs', 'marbles', `${name}.svg`);
      if (!existsSync(svg)) throw new Error(`docs/marbles/${name}.svg is missing (npm run docs:marbles)`);
      const op = name.replace(/-error$/, '');
      const figure =
        `![${name} marble diagram (how to read it: docs/marbles/README.md)](../marbles/${name}.svg)\n\n` +
        (name === op ? `Semantics rule by rule: [the operators guide](../guides/operators.md#${guide[op]}).\n\n` : '');
      // after the summary (and the ASCII diagram of the TSDoc), before the signature
      text = text.replace(/^\*\*Signature:\*\*$/m, `${figure}$&`);
      diagrams++;
    }
    writeFileSync(path, text);
  }
  const expected = Object.values(marbles).flat().length;
  if (diagrams !== expected) throw new Error(`placed ${diagrams} of ${expected} diagrams: a page was renamed?`);
  return `${diagrams} diagrams`;
});

checks.finish();
