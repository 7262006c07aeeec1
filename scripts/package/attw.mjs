// Are the types wrong? Runs @arethetypeswrong/core (what the `attw` CLI runs) on the packed tarball — or on the
// tarball given as the first argument — and reports one check per entry and module resolution (node10,
// node16 from CommonJS, node16 from ES modules, bundler): each must resolve to types and JavaScript of the
// same module format, with no problem attw knows of. `npx attw temp/package/rxjs-lanes-*.tgz` shows the table.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { checkPackage, createPackageFromTarballData } from '@arethetypeswrong/core';
import { filterProblems } from '@arethetypeswrong/core/problems';

const require = createRequire(import.meta.url);
const { Checks, packedTarball } = require('./lib.js');
const { entries } = require('./entries.js');

const checks = new Checks('types per entry and resolution (@arethetypeswrong/core)');
const tarball = process.argv[2] || packedTarball();
const analysis = await checkPackage(createPackageFromTarballData(new Uint8Array(readFileSync(tarball))));
if (!analysis.types) {
  checks.fail('the package has types', JSON.stringify(analysis));
  checks.finish();
  process.exit();
}
const short = (file) => (file || '(none)').replace(/^\/node_modules\/[^/]+\//, '');
const seen = Object.keys(analysis.entrypoints);
for (const { subpath } of entries) {
  if (!seen.includes(subpath)) checks.fail(`${subpath}`, `attw found no such entry (it saw ${seen.join(', ')})`);
}
for (const [subpath, entry] of Object.entries(analysis.entrypoints)) {
  for (const [kind, { resolution, implementationResolution }] of Object.entries(entry.resolutions)) {
    const problems = filterProblems(analysis, { entrypoint: subpath, resolutionKind: kind });
    const name = `${subpath} ${kind}`;
    if (problems.length) checks.fail(name, problems.map((p) => JSON.stringify(p)).join('\n'));
    else if (!resolution) checks.fail(name, 'no types resolved');
    else checks.pass(name, `${short(resolution.fileName)} → ${short(implementationResolution && implementationResolution.fileName)}`);
  }
}
const unplaced = analysis.problems.filter((p) => !seen.some((s) => filterProblems([p], analysis, { entrypoint: s }).length));
if (unplaced.length) checks.fail('no problem outside the entries', unplaced.map((p) => JSON.stringify(p)).join('\n'));
checks.finish();
