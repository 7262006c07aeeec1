// Size budget: bundles each entry, and a few single imports, from the packed tarball as a user's bundler would
// (esbuild, browser platform, minified, tree-shaken, through the package's `module` condition), gzips the
// result and fails any case over its budget in size-budget.json. Two figures per case:
//   own     rxjs external: the bytes this package adds to an app that already uses rxjs (the budgeted one);
//   +rxjs   rxjs bundled too: what the import costs an app that uses nothing else of rxjs (printed only).
// `node scripts/package/size.mjs --update` rewrites the budgets to today's figures plus 10%, for a reviewed
// increase.
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const require = createRequire(import.meta.url);
const esbuild = require('esbuild');
const { Checks, packedTarball, root, unpack, workDir } = require('./lib.js');

const budgetFile = join(root, 'scripts', 'package', 'size-budget.json');
const cases = {
  'rxjs-lanes (everything)': `export * from 'rxjs-lanes';`,
  'rxjs-lanes/jetstream (everything)': `export * from 'rxjs-lanes/jetstream';`,
  'rxjs-lanes/kafka (everything)': `export * from 'rxjs-lanes/kafka';`,
  '{ mapAsync }': `export { mapAsync } from 'rxjs-lanes';`,
  '{ mapAsyncPartitioned }': `export { mapAsyncPartitioned } from 'rxjs-lanes';`,
  '{ batchByLane }': `export { batchByLane } from 'rxjs-lanes';`,
  '{ boundedOrdering }': `export { boundedOrdering } from 'rxjs-lanes';`,
  '{ Valve, pullFrom }': `export { Valve, pullFrom } from 'rxjs-lanes';`,
  '{ consumeJetStream }': `export { consumeJetStream } from 'rxjs-lanes/jetstream';`,
  '{ consumeKafka }': `export { consumeKafka } from 'rxjs-lanes/kafka';`,
  '{ CommitTracker }': `export { CommitTracker } from 'rxjs-lanes/kafka';`,
};

const dir = join(workDir, 'size');
unpack(packedTarball(), dir, 'rxjs-lanes');

async function gzipped(source, rxjsExternal) {
  const result = await esbuild.build({
    stdin: { contents: source, resolveDir: dir, loader: 'js' },
    bundle: true,
    write: false,
    format: 'esm',
    platform: 'browser',
    minify: true,
    metafile: true,
    // rxjs (and the optional clients, which the entries must not load anyway) resolve from the repo.
    nodePaths: [join(root, 'node_modules')],
    external: rxjsExternal ? ['rxjs', 'rxjs/*'] : [],
    logLevel: 'silent',
  });
  const inputs = Object.keys(result.metafile.inputs);
  const clients = inputs.filter((i) => /node_modules\/(kafkajs|@nats-io)\//.test(i));
  if (clients.length) throw new Error(`bundles broker client code: ${clients.slice(0, 3).join(', ')}`);
  const foreign = inputs.filter((i) => /rxjs-lanes\/dist\//.test(i) && !/rxjs-lanes\/dist\/esm\//.test(i));
  if (foreign.length) throw new Error(`a bundler loaded the package outside dist/esm: ${foreign.join(', ')}`);
  return gzipSync(result.outputFiles[0].contents, { level: 9 }).length;
}

const update = process.argv.includes('--update');
const budgets = update ? {} : JSON.parse(readFileSync(budgetFile, 'utf8'));
const checks = new Checks('size budget (gzipped, minified; esbuild from the packed tarball)');
const kB = (n) => `${(n / 1024).toFixed(2)} kB`;
for (const [name, source] of Object.entries(cases)) {
  await checks.checkAsync(name, async () => {
    const own = await gzipped(source, true);
    const withRxjs = await gzipped(source, false);
    if (update) {
      budgets[name] = Math.ceil((own * 1.1) / 10) * 10;
      return `own ${kB(own)}, +rxjs ${kB(withRxjs)}; budget set to ${kB(budgets[name])}`;
    }
    const budget = budgets[name];
    if (typeof budget !== 'number') throw new Error(`no budget for "${name}" in ${budgetFile} (run with --update)`);
    const figures = `own ${kB(own)} of ${kB(budget)} budget, +rxjs ${kB(withRxjs)}`;
    if (own > budget) throw new Error(`over budget: ${figures}`);
    return figures;
  });
}
if (update) writeFileSync(budgetFile, JSON.stringify(budgets, null, 2) + '\n');
checks.finish();
