'use strict';
// Packs the package as `npm publish` would (prepack builds it) into temp/package/ and checks what the
// tarball holds: every path package.json points at, the legal and user-facing files, the README's images,
// source maps that carry their sources, and nothing from the repository that a user does not need.
// The other packaging checks (attw, publint, size, consumers) read this tarball.
const { existsSync, readFileSync, readdirSync, statSync } = require('node:fs');
const { join, relative } = require('node:path');
const { Checks, pack, unpack, workDir } = require('./lib.js');

const checks = new Checks('package contents (scripts/package/pack.js)');
const started = Date.now();
let tarball;
let info;
try {
  ({ tarball, info } = pack());
  checks.pass('npm pack (prepack build)', `${((Date.now() - started) / 1000).toFixed(1)} s`);
} catch (error) {
  checks.fail('npm pack (prepack build)', error.message);
  checks.finish();
  process.exit();
}

const dir = unpack(tarball, join(workDir, 'unpacked'), 'rxjs-lanes');
const files = new Set(info.files.map((f) => f.path));
const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));

checks.check('every path package.json names is in the tarball', () => {
  const targets = [manifest.main, manifest.module, manifest.types];
  const walk = (node) => {
    if (typeof node === 'string') targets.push(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(manifest.exports);
  walk(manifest.typesVersions);
  const missing = targets.filter((t) => !files.has(t.replace(/^\.\//, '')));
  if (missing.length) throw new Error(`missing: ${missing.join(', ')}`);
  return `${targets.length} paths`;
});

checks.check('LICENSE, README.md, CHANGELOG.md ship', () => {
  const missing = ['LICENSE', 'README.md', 'CHANGELOG.md'].filter((f) => !files.has(f));
  if (missing.length) throw new Error(`missing: ${missing.join(', ')}`);
  if (!/MIT License/.test(readFileSync(join(dir, 'LICENSE'), 'utf8')) || manifest.license !== 'MIT') {
    throw new Error('LICENSE is not the MIT text package.json declares');
  }
});

checks.check("the README's images ship", () => {
  const readme = readFileSync(join(dir, 'README.md'), 'utf8');
  const images = [...readme.matchAll(/!\[[^\]]*\]\(([^)\s]+)/g)].map((m) => m[1]).filter((src) => !/^[a-z]+:/i.test(src));
  const missing = images.filter((src) => !files.has(src.replace(/^\.\//, '')));
  if (missing.length) throw new Error(`missing: ${missing.join(', ')}`);
  return `${images.length} images`;
});

checks.check('every source map embeds the sources it names', () => {
  const maps = [...files].filter((f) => f.endsWith('.map'));
  const bad = [];
  for (const file of maps) {
    if (file.endsWith('.d.ts.map')) bad.push(`${file}: a declaration map (it points at src/, which does not ship)`);
    const map = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    const content = map.sourcesContent || [];
    if (map.sources.some((_, i) => typeof content[i] !== 'string')) bad.push(`${file}: sources without sourcesContent`);
  }
  for (const file of [...files].filter((f) => /\.[cm]?js$/.test(f))) {
    const url = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(dir, file), 'utf8'));
    if (url && !files.has(join(file, '..', url[1]))) bad.push(`${file}: its map ${url[1]} does not ship`);
  }
  if (bad.length) throw new Error(bad.join('\n'));
  return `${maps.length} maps`;
});

checks.check('nothing but dist/, docs/ images and the top-level files ships', () => {
  const allowed = (f) =>
    /^dist\/(esm|cjs)\//.test(f) ||
    /^dist\/node\/[a-z]+\.(mjs|d\.mts)$/.test(f) ||
    /^docs\/.*\.(svg|png)$/.test(f) ||
    /^docs\/.*README\.md$/.test(f) || // npm ships every folder's README
    ['package.json', 'README.md', 'CHANGELOG.md', 'LICENSE'].includes(f);
  const stray = [...files].filter((f) => !allowed(f));
  if (stray.length) throw new Error(`unexpected: ${stray.join(', ')}`);
});

checks.check('no script a user install would run', () => {
  const hooks = ['preinstall', 'install', 'postinstall', 'prepare'].filter((s) => manifest.scripts && manifest.scripts[s]);
  if (hooks.length) throw new Error(`install hooks: ${hooks.join(', ')}`);
});

checks.check('engines.node is the range CI tests (>=20)', () => {
  if (!manifest.engines || manifest.engines.node !== '>=20') throw new Error(`engines.node is ${JSON.stringify(manifest.engines)}`);
});

const unpackedBytes = (d) =>
  readdirSync(d).reduce((sum, name) => {
    const path = join(d, name);
    return sum + (statSync(path).isDirectory() ? unpackedBytes(path) : statSync(path).size);
  }, 0);
process.stdout.write(
  `\n${relative(process.cwd(), tarball)}: ${info.entryCount} files, ${(info.size / 1024).toFixed(1)} kB packed, ` +
    `${(unpackedBytes(dir) / 1024).toFixed(1)} kB unpacked (${existsSync(join(dir, 'docs')) ? 'with' : 'without'} docs images)\n`,
);
checks.finish();
