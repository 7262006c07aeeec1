// Type-level tests: compiles spec/types/*.types.ts against the packed tarball's declarations, as a user's
// project sees them, under two module resolutions (nodenext ES module: the Node `import` types; bundler: the
// ESM build's types). One check per file and resolution: it passes when the file compiles with no
// diagnostic, i.e. every expectTypeOf(...) holds and every `@ts-expect-error` line is still an error.
// rxjs, expect-type and the broker clients' types come from the repository's node_modules.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';

const require = createRequire(import.meta.url);
const ts = require('typescript');
const { Checks, packedTarball, root, unpack, workDir } = require('./lib.js');

const specDir = join(root, 'spec', 'types');
const files = readdirSync(specDir).filter((f) => f.endsWith('.types.ts'));
const checks = new Checks(`type-level tests (TypeScript ${ts.version}, spec/types against the packed tarball)`);
const dir = join(workDir, 'types');
rmSync(dir, { recursive: true, force: true });
mkdirSync(join(dir, 'src'), { recursive: true });
unpack(packedTarball(), dir, 'rxjs-lanes');
writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'type-tests', private: true, type: 'module' }) + '\n');
for (const file of files) cpSync(join(specDir, file), join(dir, 'src', file));

const common = {
  target: ts.ScriptTarget.ES2022,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: ['node'], // rxjs-lanes/kafka's messages are Node Buffers (as kafkajs's are); a Kafka user has Node's types
  strict: true,
  noEmit: true,
  skipLibCheck: false,
  noUnusedLocals: false,
};
const modes = {
  'nodenext ESM': { module: ts.ModuleKind.NodeNext, moduleResolution: ts.ModuleResolutionKind.NodeNext },
  bundler: { module: ts.ModuleKind.ESNext, moduleResolution: ts.ModuleResolutionKind.Bundler },
};

if (files.length === 0) checks.fail('spec/types has type tests', `no *.types.ts in ${specDir}`);
for (const [mode, options] of Object.entries(modes)) {
  const started = Date.now();
  const program = ts.createProgram(
    files.map((f) => join(dir, 'src', f)),
    { ...common, ...options },
  );
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const format = (d) => {
    const text = ts.flattenDiagnosticMessageText(d.messageText, '\n');
    if (!d.file) return `TS${d.code}: ${text}`;
    const { line } = d.file.getLineAndCharacterOfPosition(d.start ?? 0);
    return `${relative(dir, d.file.fileName)}:${line + 1} TS${d.code}: ${text}`;
  };
  const elsewhere = diagnostics.filter((d) => !d.file || !files.some((f) => d.file.fileName === join(dir, 'src', f)));
  if (elsewhere.length) checks.fail(`${mode}: no diagnostic outside the tests`, elsewhere.map(format).join('\n'));
  for (const file of files) {
    const mine = diagnostics.filter((d) => d.file && d.file.fileName === join(dir, 'src', file));
    if (mine.length) checks.fail(`${mode}: ${file}`, mine.map(format).join('\n'));
    else checks.pass(`${mode}: ${file}`);
  }
  process.stdout.write(`  (${mode}: ${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
}
checks.finish();
