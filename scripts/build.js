'use strict';
// Dual build: ESM (dist/esm) and CommonJS (dist/cjs) with one set of declarations (dist/types).
const { execSync } = require('node:child_process');
const { rmSync, writeFileSync, mkdirSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..');
const tsc = (args) => execSync(`npx tsc -p tsconfig.json ${args}`, { cwd: root, stdio: 'inherit' });
rmSync(join(root, 'dist'), { recursive: true, force: true });
tsc('--outDir dist/esm --declaration false --declarationMap false');
tsc('--outDir dist/cjs --module CommonJS --declaration false --declarationMap false');
tsc('--outDir dist/types --emitDeclarationOnly');
for (const [dir, type] of [
  ['esm', 'module'],
  ['cjs', 'commonjs'],
]) {
  mkdirSync(join(root, 'dist', dir), { recursive: true });
  writeFileSync(join(root, 'dist', dir, 'package.json'), JSON.stringify({ type }) + '\n');
}
