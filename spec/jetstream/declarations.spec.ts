/**
 * rxjs-lanes/jetstream's declarations compile where @nats-io/* is not installed: the .d.ts files are
 * emitted from src/jetstream (as the build does), copied into a project that has only rxjs and
 * @types/node, and a user file importing them is type-checked with `skipLibCheck: false`. The control
 * proves that @nats-io really cannot be resolved there.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ts from 'typescript';

const root = resolve(__dirname, '../..');

function emitDeclarations(outDir: string): void {
  const program = ts.createProgram([join(root, 'src/jetstream/index.ts')], {
    declaration: true,
    emitDeclarationOnly: true,
    outDir,
    rootDir: join(root, 'src'),
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    strict: true,
    skipLibCheck: true,
  });
  const result = program.emit();
  const errors = ts.getPreEmitDiagnostics(program).concat(result.diagnostics);
  if (errors.length > 0) throw new Error(ts.formatDiagnostics(errors, host));
}

const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };

function check(project: string, file: string, source: string): string[] {
  writeFileSync(join(project, file), source);
  const program = ts.createProgram([join(project, file)], {
    noEmit: true,
    strict: true,
    skipLibCheck: false,
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
    types: ['node'],
    typeRoots: [join(project, 'node_modules/@types')],
  });
  return ts.getPreEmitDiagnostics(program).map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n'));
}

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

describe('rxjs-lanes/jetstream declarations without @nats-io installed', () => {
  let project: string;

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'rxjs-lanes-dts-'));
    emitDeclarations(join(project, 'types'));
    mkdirSync(join(project, 'node_modules/@types'), { recursive: true });
    symlinkSync(join(root, 'node_modules/rxjs'), join(project, 'node_modules/rxjs'), 'dir');
    symlinkSync(join(root, 'node_modules/@types/node'), join(project, 'node_modules/@types/node'), 'dir');
    symlinkSync(join(root, 'node_modules/undici-types'), join(project, 'node_modules/undici-types'), 'dir');
  }, 60_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('no declaration file imports from @nats-io', () => {
    const declarations = files(join(project, 'types')).filter((f) => f.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(5);
    const imports = /from\s+['"]@nats-io|import\(\s*['"]@nats-io|require\(\s*['"]@nats-io/;
    expect(declarations.filter((f) => imports.test(readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('a user file using the adapter type-checks (skipLibCheck off)', () => {
    const problems = check(
      project,
      'use.ts',
      `import { consumeJetStream, fromJetStream, type JetStreamPullConsumer, type JetStreamDelivery } from './types/jetstream/index.js';
declare const consumer: JetStreamPullConsumer;
const deliveries = fromJetStream(consumer, { window: 8, group: 'owners', expires: 1000 });
deliveries.subscribe((d: JetStreamDelivery) => { d.keepAlive({ interval: 100 }); d.settle({ nak: 5 }); });
consumeJetStream(consumer, {
  parallelism: 4,
  retry: { backoff: [100, 1000], maxDeliveries: 5, deadLetter: { subject: (m) => 'dlq.' + m.subject, publish: async () => undefined } },
  handler: async (d, { key }) => (d.info.deliveryCount > 1 ? 'term' : key.length > 0 ? undefined : 'ack'),
});
`,
    );
    expect(problems).toEqual([]);
  });

  it('control: @nats-io/jetstream cannot be resolved in that project', () => {
    const problems = check(project, 'control.ts', `import type { JsMsg } from '@nats-io/jetstream';\nexport type M = JsMsg;\n`);
    expect(problems.join('\n')).toMatch(/Cannot find module '@nats-io\/jetstream'/);
  });
});
