// The layering of src/, checked in CI (`npm run lint:deps`): madge reads the import graph (type-only imports
// included), this file holds the rules. Prints one line per violation and ends with "N passed, N failed".
//
//   core (operators src/*.ts, src/flow, src/internal)  <-  src/broker  <-  src/jetstream, src/kafka
//
// The core never reaches the broker layers; internals never reach the operator files that use them (public
// types live in src/types.ts); the two adapters never reach each other; the adapters describe their clients
// with structural types of their own, so src/ imports no broker client at all; at run time the library needs
// rxjs and Node built-ins only; nothing in src/ imports a test, a benchmark or a script; no cycles.
import madge from 'madge';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** [name, from-pattern, to-pattern, exception] over paths relative to src/ (npm packages as `npm:<name>`). */
const rules = [
  ['internal never imports an operator file', /^internal\//, /^[^/]+\.ts$/, /^(types|errors)\.ts$/],
  ['the core never imports the broker layers', /^([^/]+\.ts$|flow\/|internal\/)/, /^(broker|jetstream|kafka)\//],
  ['src/broker knows neither adapter', /^broker\//, /^(jetstream|kafka)\//],
  ['jetstream never imports kafka', /^jetstream\//, /^kafka\//],
  ['kafka never imports jetstream', /^kafka\//, /^jetstream\//],
  ['no broker client is imported (structural types only)', /./, /^npm:(@nats-io\/|kafkajs|@confluentinc\/)/],
  ['only rxjs and node: built-ins from npm', /./, /^npm:/, /^npm:(rxjs|node:.*)$/],
  ['nothing in src imports spec, bench, demo or scripts', /./, /^\.\.\/(spec|bench|demo|scripts)\//],
];

const result = await madge(join(root, 'src'), {
  fileExtensions: ['ts'],
  tsConfig: join(root, 'tsconfig.json'),
  includeNpm: true,
  detectiveOptions: { ts: { skipTypeImports: false }, es6: { skipTypeImports: false } },
});
const graph = result.obj();
const name = (dep) =>
  dep.includes('node_modules/')
    ? `npm:${dep
        .split('node_modules/')
        .pop()
        .replace(/^(@[^/]+\/[^/]+|[^/]+).*$/, '$1')}`
    : dep;

let passed = 0;
let failed = 0;
const edges = Object.entries(graph).flatMap(([from, tos]) => tos.map((to) => [from, name(to)]));
const builtins = new Set((await import('node:module')).builtinModules);
for (const [rule, fromPattern, toPattern, except] of rules) {
  const bad = edges.filter(
    ([from, to]) => fromPattern.test(from) && toPattern.test(to) && !(except && except.test(to)) && !builtins.has(to.replace(/^npm:/, '')),
  );
  if (bad.length === 0) passed++;
  else {
    failed++;
    console.log(`FAIL ${rule}`);
    for (const [from, to] of bad) console.log(`     src/${from} -> ${to}`);
  }
}
const cycles = result.circular();
if (cycles.length === 0) passed++;
else {
  failed++;
  console.log('FAIL no import cycles');
  for (const cycle of cycles) console.log(`     ${cycle.join(' -> ')}`);
}
const modules = Object.keys(graph).length;
if (modules < 40) {
  failed++; // a misconfigured graph must not pass by reading nothing
  console.log(`FAIL the graph covers src/: only ${modules} modules read`);
} else passed++;
console.log(`layering of src/ (${modules} modules, ${edges.length} imports)`);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = failed === 0 ? 0 : 1;
