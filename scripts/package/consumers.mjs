// Consumer matrix: installs the packed tarball (and rxjs, as a user would; no broker client) from the npm
// registry into fresh projects outside the repository, type-checks them with `skipLibCheck: false` and runs
// them. The projects are in scripts/package/consumers/:
//   node-esm   `type: module`, TS `module: nodenext`; also the dual-package check (import + require in
//              one process, with the ESM build barred from loading) and a rejected default import;
//   node-cjs   `type: commonjs`, TS `module: nodenext`; import() beside require(); plain require() JS;
//   bundler    TS `moduleResolution: bundler` without Node types; bundled by esbuild and run; a bundle
//              that reaches the package through import and require must hold one copy.
// The toolchain (tsc, esbuild) is the repository's pinned one; the projects install only what an app of
// theirs depends on. npm's cache makes a second run fast; a fresh machine downloads a few MB.
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const esbuild = require('esbuild');
const { Checks, npm, packedTarball, root, run } = require('./lib.js');

/**
 * Optional clients whose types the subpath declarations still import, so that a project without them fails
 * `skipLibCheck: false` there (rxjs-lanes/kafka imports kafkajs until it gets structural types of its own, as
 * rxjs-lanes/jetstream did). Errors for a client listed here are expected; a listed client with no error fails
 * the check (remove it from the list then), and so does any error for a client not listed.
 */
const PENDING_CLIENT_TYPES = [];

/**
 * Besides the repository's pinned TypeScript (which also emits the Node projects' JavaScript), each project is
 * type-checked with these: the registry's current major (what a new user installs) and the previous one.
 */
const OTHER_TYPESCRIPTS = ['7.0.2', '5.9.3'];

const fixtures = join(root, 'scripts', 'package', 'consumers');
const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
const tarball = packedTarball();
const base = mkdtempSync(join(tmpdir(), 'rxjs-lanes-consumers-'));
const checks = new Checks(`consumer matrix (${base})`);
const keep = process.argv.includes('--keep');

const node = (cwd, ...args) => run(process.execPath, args, { cwd, timeout: 120_000 });
const timed = (fn) => {
  const started = Date.now();
  const detail = fn();
  const seconds = `${((Date.now() - started) / 1000).toFixed(1)} s`;
  return detail ? `${detail}; ${seconds}` : seconds;
};
const okLines = (output) => output.split('\n').filter((l) => l.startsWith('ok ')).length;

/** tsc's diagnostics, split into those caused by the absent optional clients and all others. */
function typecheck(dir, compiler = tsc, ...flags) {
  let output = '';
  try {
    output = node(dir, compiler, '-p', 'tsconfig.json', '--pretty', 'false', ...flags);
  } catch (error) {
    output = error.message;
  }
  const errors = output.split('\n').filter((l) => /error TS\d+/.test(l));
  const pendingClient = (l) => /node_modules\/rxjs-lanes\//.test(l) && PENDING_CLIENT_TYPES.some((c) => l.includes(`'${c}'`));
  return { client: errors.filter(pendingClient), other: errors.filter((l) => !pendingClient(l)) };
}

function project(name, { types = [], steps }) {
  const dir = join(base, name);
  cpSync(join(fixtures, name), dir, { recursive: true });
  cpSync(join(fixtures, 'shared', 'smoke.ts'), join(dir, 'src', 'smoke.ts'));
  let installed = false;
  checks.check(`${name}: npm install of the tarball, rxjs${types.length ? ' and ' + types.join(' ') : ''}`, () =>
    timed(() => {
      run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', tarball, 'rxjs@^7.8.0', ...types], {
        cwd: dir,
      });
      installed = true;
    }),
  );
  if (!installed) return;
  let result;
  checks.check(`${name}: tsc (skipLibCheck: false)`, () =>
    timed(() => {
      result = typecheck(dir);
      if (result.other.length) throw new Error(result.other.join('\n'));
    }),
  );
  checks.check(`${name}: the subpath declarations compile without the optional clients`, () => {
    // An error for a client not listed as pending already failed the tsc check above.
    const silent = PENDING_CLIENT_TYPES.filter((c) => !result.client.some((l) => l.includes(`'${c}'`)));
    if (silent.length)
      throw new Error(`no type errors for ${silent.join(', ')} any more: remove it from PENDING_CLIENT_TYPES in consumers.mjs`);
    return PENDING_CLIENT_TYPES.length ? `pending for ${PENDING_CLIENT_TYPES.join(', ')}: ${result.client.length} expected errors` : '';
  });
  for (const [label, step] of steps) checks.check(`${name}: ${label}`, () => timed(() => step(dir)));
  for (const [version, compiler] of otherCompilers) {
    checks.check(`${name}: tsc ${version} (skipLibCheck: false, no emit)`, () =>
      timed(() => {
        const { other } = typecheck(dir, compiler, '--noEmit');
        if (other.length) throw new Error(other.join('\n'));
      }),
    );
  }
}

/** Installs the other TypeScript versions once, beside the projects; returns [version, path of tsc]. */
function installCompilers() {
  const compilers = [];
  for (const version of OTHER_TYPESCRIPTS) {
    const dir = join(base, `typescript-${version}`);
    checks.check(`npm install typescript@${version}`, () =>
      timed(() => {
        mkdirSync(dir);
        writeFileSync(join(dir, 'package.json'), '{ "private": true }\n');
        run(npm, ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', `typescript@${version}`], { cwd: dir });
        compilers.push([version, join(dir, 'node_modules', 'typescript', 'bin', 'tsc')]);
      }),
    );
  }
  return compilers;
}
const otherCompilers = installCompilers();

const runs =
  (file, ...flags) =>
  (dir) =>
    `${okLines(node(dir, ...flags, file))} ok lines`;

project('node-esm', {
  types: ['@types/node@^20'],
  steps: [
    ['node out/main.js', runs('out/main.js')],
    ['import and require in one process: one implementation (dual.mjs)', runs('dual.mjs', '--import', './no-esm-copy.mjs')],
  ],
});

project('node-cjs', {
  types: ['@types/node@^20'],
  steps: [
    ['node out/main.js', runs('out/main.js')],
    ['plain require() (plain.cjs)', runs('plain.cjs')],
  ],
});

const bundle = (entry, out) => (dir) => {
  const result = esbuild.buildSync({
    entryPoints: [join(dir, entry)],
    outfile: join(dir, out),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    metafile: true,
    logLevel: 'error',
  });
  const inputs = Object.keys(result.metafile.inputs).filter((i) => i.includes('node_modules/rxjs-lanes/'));
  const outside = inputs.filter((i) => !i.includes('node_modules/rxjs-lanes/dist/esm/'));
  if (outside.length) throw new Error(`the bundle took files outside dist/esm: ${outside.join(', ')}`);
  return `${inputs.length} files from dist/esm`;
};

project('bundler', {
  types: ['@types/node@^20'],
  steps: [
    [
      'a browser app (no Node types) type-checks the main and jetstream entries',
      (dir) => {
        const output = (() => {
          try {
            return node(dir, tsc, '-p', 'tsconfig.browser.json', '--pretty', 'false');
          } catch (error) {
            return error.message;
          }
        })();
        const errors = output.split('\n').filter((l) => /error TS\d+/.test(l));
        if (errors.length) throw new Error(errors.join('\n'));
      },
    ],
    ['esbuild bundle', bundle('src/main.ts', 'out/main.js')],
    ['node out/main.js (the bundle)', runs('out/main.js')],
    ['esbuild bundle reaching the package by import and require', bundle('src/mixed.js', 'out/mixed.js')],
    ['node out/mixed.js (one copy)', runs('out/mixed.js')],
  ],
});

if (keep) process.stdout.write(`\nprojects kept in ${base}\n`);
else rmSync(base, { recursive: true, force: true });
process.stdout.write(`tarball: ${tarball} (${(readFileSync(tarball).length / 1024).toFixed(1)} kB)\n`);
checks.finish();
