// Static checks, one line each, ending with "N passed, N failed" (`npm run lint`; run by .ci/run):
// formatting, ESLint with typescript-eslint (eslint.config.mjs: the rules that catch bugs), the type check of the
// library and of everything else that is TypeScript here (specs, benchmarks, the demo, scripts), and the layering
// of src/ (scripts/lint/layers.mjs).
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { root, Checks } = require('../package/lib.js');

const checks = new Checks('static checks');
const bin = (name) => require.resolve(`.bin/${name}`, { paths: [`${root}/node_modules`] });
const steps = [
  [
    'prettier --check (src, spec, bench, scripts, demo)',
    'prettier',
    ['--check', '--log-level', 'warn', 'src', 'spec', 'bench', 'scripts', 'demo'],
  ],
  [
    'eslint (src, spec, bench, scripts, demo; eslint.config.mjs)',
    'eslint',
    ['--max-warnings', '0', 'src', 'spec', 'bench', 'scripts', 'demo'],
  ],
  ['tsc: the library (tsconfig.json)', 'tsc', ['-p', 'tsconfig.json', '--noEmit']],
  ['tsc: specs, benchmarks, demo and scripts (tsconfig.spec.json)', 'tsc', ['-p', 'tsconfig.spec.json', '--noEmit']],
  ['layering of src/ (madge graph, scripts/lint/layers.mjs)', process.execPath, ['scripts/lint/layers.mjs']],
];
for (const [name, command, args] of steps) {
  const started = Date.now();
  const result = spawnSync(command === process.execPath ? command : bin(command), args, { cwd: root, encoding: 'utf8' });
  const seconds = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  if (result.status === 0) checks.pass(name, seconds);
  else checks.fail(name, `${result.stdout}${result.stderr}`.trim().split('\n').slice(-30).join('\n') || `exit ${result.status}`);
}
checks.finish();
