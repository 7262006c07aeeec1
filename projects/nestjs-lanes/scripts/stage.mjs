// Stages this package (@rxjs-lanes/nestjs) into a consumer project, the way scripts/stage-lanes.mjs stages
// rxjs-lanes: installs this package's own dependencies if needed (its rxjs-lanes staged first), builds it,
// packs it with `npm pack` (what a published tarball would hold) and unpacks it into
// <project>/vendor/rxjs-lanes-nestjs, which the project depends on as "file:vendor/rxjs-lanes-nestjs".
// Run it from the consumer project's folder (the NestJS example's ci.sh does).
//
// The staged package.json drops scripts, devDependencies, peer dependencies and overrides: the staged copy
// has no node_modules, so its imports of @nestjs/*, rxjs and rxjs-lanes resolve to the project's copies
// (one of each in the process), and the project's lockfile does not change when this package's dev
// tooling does. The project declares those packages itself.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const self = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const project = process.cwd();
const target = join(project, 'vendor', 'rxjs-lanes-nestjs');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';
const run = (cmd, args, cwd) => execFileSync(cmd, args, { cwd, stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });

if (!process.argv.includes('--no-build')) {
  // rxjs-lanes in this package's vendor/ (its devDependency), without building the root again when the
  // caller just did (--lanes-built)
  run(process.execPath, [join(self, '..', '..', 'scripts', 'stage-lanes.mjs'), ...(process.argv.includes('--lanes-built') ? ['--no-build'] : [])], self);
  const lock = join(self, 'package-lock.json');
  const installed = join(self, 'node_modules', '.package-lock.json');
  if (!existsSync(installed) || statSync(installed).mtimeMs < statSync(lock).mtimeMs) {
    process.stdout.write(run(npm, ['ci', '--no-audit', '--no-fund', '--loglevel=error'], self));
  }
  rmSync(join(self, 'dist'), { recursive: true, force: true });
  run(process.execPath, [join(self, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.build.json'], self);
}

const packDir = mkdtempSync(join(tmpdir(), 'rxjs-lanes-nestjs-pack-'));
try {
  const [{ filename }] = JSON.parse(run(npm, ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], self));
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  run('tar', ['-xzf', join(packDir, filename), '-C', target, '--strip-components=1'], project);
} finally {
  rmSync(packDir, { recursive: true, force: true });
}

const manifestPath = join(target, 'package.json');
const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'));
for (const field of ['scripts', 'devDependencies', 'peerDependencies', 'peerDependenciesMeta', 'overrides']) delete manifest[field];
writeFileSync(manifestPath, JSON.stringify(manifest, null, 2) + '\n');
console.log(`staged ${manifest.name} ${manifest.version} from ${self} in ${target}`);
