// Stages this repository's build of rxjs-lanes into an example project: builds the root, packs it with
// `npm pack` (so the example sees exactly what a published tarball would hold: the `files`, the `exports`
// map with its subpaths) and unpacks it into <project>/vendor/rxjs-lanes, which the project's package.json
// depends on as "file:vendor/rxjs-lanes". Run it from the example project's folder (its ci.sh does).
//
// Why not "file:../..": a link to the repository root drags the root's node_modules along, and the bundler
// or Node then resolves rxjs-lanes' `import 'rxjs'` to the root's copy of rxjs — two copies of rxjs in one
// app (`instanceof Observable`, `Symbol.observable` interop and schedulers would straddle them). The staged
// copy has no node_modules of its own, so its imports resolve to the project's rxjs, the only copy; both
// examples' tests assert there is exactly one.
//
// The staged package.json drops scripts, devDependencies and peer dependencies: npm ci rejects a lockfile
// whenever a linked package's dependency lists change, and keeping them would break the examples' lockfiles
// whenever the root's dev tooling changes. The examples declare rxjs (and the NATS clients) themselves.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const project = process.cwd();
const target = join(project, 'vendor', 'rxjs-lanes');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

if (!process.argv.includes('--no-build')) {
  run(process.execPath, [join(repo, 'scripts', 'ensure-install.js')], repo); // root devDependencies (tsc)
  process.stdout.write(run(npm, ['run', 'build', '--silent'], repo));
}

const packDir = mkdtempSync(join(tmpdir(), 'rxjs-lanes-pack-'));
try {
  const [{ filename }] = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], repo));
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  run('tar', ['-xzf', join(packDir, filename), '-C', target, '--strip-components=1'], project);
} finally {
  rmSync(packDir, { recursive: true, force: true });
}

const manifestPath = join(target, 'package.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
for (const field of ['scripts', 'devDependencies', 'peerDependencies', 'peerDependenciesMeta', 'overrides']) {
  delete manifest[field];
}
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
console.log(`staged rxjs-lanes ${manifest.version} from ${repo} in ${target}`);
