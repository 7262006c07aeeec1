'use strict';
// Builds the package into dist/ (see scripts/package/README.md for why it has this shape):
//   dist/cjs   CommonJS build + CommonJS declarations: `require` everywhere, node10 types.
//   dist/esm   ES module build + ESM declarations: bundlers (`module` condition) and non-Node `import`.
//   dist/node  Node's `import`: thin .mjs wrappers that re-export dist/cjs, so one Node process holds one
//              copy of every class and every piece of module state however the package is loaded (no
//              dual-package hazard: a Valve made through `import` is a Valve to code loaded by `require`).
// The wrappers' named exports are generated from the CommonJS build and checked against the ESM build's,
// so the three stay in step with src/*/index.ts without a hand-kept list.
const { spawn } = require('node:child_process');
const { rmSync, writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');
const { pathToFileURL } = require('node:url');
const { entries } = require('./package/entries.js');

const root = join(__dirname, '..');
const dist = join(root, 'dist');
const tscBin = require.resolve('typescript/bin/tsc', { paths: [root] });

function tsc(args) {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [tscBin, '-p', 'tsconfig.json', ...args], { cwd: root, stdio: 'inherit' });
    child.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`tsc ${args.join(' ')} exited ${code}`))));
  });
}

function valueExports(mod) {
  return Object.keys(mod)
    .filter((name) => name !== '__esModule' && name !== 'default')
    .sort();
}

async function writeNodeWrappers() {
  mkdirSync(join(dist, 'node'), { recursive: true });
  for (const entry of entries) {
    const cjs = require(join(dist, 'cjs', entry.dir, 'index.js'));
    const esm = await import(pathToFileURL(join(dist, 'esm', entry.dir, 'index.js')).href);
    const names = valueExports(cjs);
    const esmNames = valueExports(esm);
    if (names.join() !== esmNames.join()) {
      throw new Error(`${entry.name}: the CommonJS build exports [${names}] but the ESM build exports [${esmNames}]`);
    }
    const target = `../cjs/${entry.dir ? entry.dir + '/' : ''}index.js`;
    const header = `// ${entry.name} for Node's \`import\`: the CommonJS build, re-exported (one copy per process).\n`;
    // Explicit names (not `export *` from CommonJS): they do not depend on Node's CommonJS export detection.
    writeFileSync(
      join(dist, 'node', `${entry.file}.mjs`),
      `${header}import cjs from '${target}';\n\nexport const {\n${names.map((n) => `  ${n},\n`).join('')}} = cjs;\n`,
    );
    // The declarations mirror the runtime: the CommonJS build's own declarations, seen from an ES module.
    writeFileSync(join(dist, 'node', `${entry.file}.d.mts`), `${header}export * from '${target}';\n`);
  }
}

async function main() {
  rmSync(dist, { recursive: true, force: true });
  // Two independent compilations (each type-checks): in parallel on a multi-core machine.
  await Promise.all([tsc(['--outDir', 'dist/esm']), tsc(['--outDir', 'dist/cjs', '--module', 'CommonJS'])]);
  for (const [dir, type] of [
    ['esm', 'module'],
    ['cjs', 'commonjs'],
  ]) {
    writeFileSync(join(dist, dir, 'package.json'), JSON.stringify({ type }) + '\n');
  }
  await writeNodeWrappers();
}

main().catch((error) => {
  process.stderr.write(`build failed: ${error.message}\n`);
  process.exit(1);
});
