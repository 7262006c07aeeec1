/**
 * rxjs-lanes/jetstream's declarations compile where @nats-io/* is not installed: the .d.ts files are
 * emitted from src/jetstream (as the build does), copied into a project that has only rxjs, and a user file
 * importing them is type-checked with `skipLibCheck: false` — every declaration file is checked, ours and
 * rxjs's, except TypeScript's own lib files (`skipDefaultLibCheck`). No Node types either: the entry must
 * compile in a browser app too. The control proves that @nats-io really cannot be resolved there.
 *
 * Kept cheap (one emit without a full type-check — `npm run typecheck` does that — and one checking program
 * for both files): the package stage's consumer matrix checks the packed declarations again, with Node
 * types and three TypeScript versions.
 */
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import * as ts from 'typescript';

const root = resolve(__dirname, '../..');
const common: ts.CompilerOptions = {
  strict: true,
  target: ts.ScriptTarget.ES2020,
  module: ts.ModuleKind.ES2022,
  moduleResolution: ts.ModuleResolutionKind.Bundler,
  lib: ['lib.es2022.d.ts', 'lib.dom.d.ts'],
  types: [],
};

/** Emits the declarations only (the checker runs as far as declaration emit needs it); returns emit errors. */
function emitDeclarations(outDir: string): readonly ts.Diagnostic[] {
  const program = ts.createProgram([join(root, 'src/jetstream/index.ts')], {
    ...common,
    declaration: true,
    emitDeclarationOnly: true,
    outDir,
    rootDir: join(root, 'src'),
    skipLibCheck: true,
  });
  return program.emit().diagnostics;
}

const host: ts.FormatDiagnosticsHost = { getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n' };

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(join(dir, e.name)) : [join(dir, e.name)]));
}

const USE = `import { consumeJetStream, fromJetStream, type JetStreamPullConsumer, type JetStreamDelivery } from './types/jetstream/index.js';
declare const consumer: JetStreamPullConsumer;
const deliveries = fromJetStream(consumer, { window: 8, group: 'owners', expires: 1000 });
fromJetStream(consumer);
deliveries.subscribe((d: JetStreamDelivery) => { d.keepAlive({ interval: 100 }); d.settle({ nak: 5 }); });
consumeJetStream(consumer, {
  parallelism: 4,
  retry: { backoff: [100, 1000], maxAttempts: 5, deadLetter: { subject: (m) => 'dlq.' + m.subject, publish: async () => undefined } },
  handler: async (d, { key, signal }) => (signal.aborted || d.info.deliveryCount > 1 ? 'term' : key.length > 0 ? undefined : 'ack'),
});
`;
const CONTROL = `import type { JsMsg } from '@nats-io/jetstream';\nexport type M = JsMsg;\n`;

describe('rxjs-lanes/jetstream declarations without @nats-io installed', () => {
  let project: string;
  let emitErrors: readonly ts.Diagnostic[];
  /** Diagnostics of the checking program by file name (relative to the project). */
  let problems: Map<string, string[]>;
  /** The declaration files of ours the checking program read. */
  let reached: string[];

  beforeAll(() => {
    project = mkdtempSync(join(tmpdir(), 'rxjs-lanes-dts-'));
    emitErrors = emitDeclarations(join(project, 'types'));
    mkdirSync(join(project, 'node_modules'), { recursive: true });
    symlinkSync(join(root, 'node_modules/rxjs'), join(project, 'node_modules/rxjs'), 'dir');
    writeFileSync(join(project, 'use.ts'), USE);
    writeFileSync(join(project, 'control.ts'), CONTROL);
    const program = ts.createProgram([join(project, 'use.ts'), join(project, 'control.ts')], {
      ...common,
      noEmit: true,
      skipLibCheck: false,
      skipDefaultLibCheck: true,
      typeRoots: [],
    });
    reached = program
      .getSourceFiles()
      .map((f) => f.fileName.replace(`${project}/`, ''))
      .filter((f) => f.startsWith('types/'));
    problems = new Map();
    for (const d of ts.getPreEmitDiagnostics(program)) {
      const file = d.file ? d.file.fileName.replace(`${project}/`, '') : '(global)';
      problems.set(file, [...(problems.get(file) ?? []), ts.flattenDiagnosticMessageText(d.messageText, '\n')]);
    }
  }, 60_000);

  afterAll(() => {
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it('emits without errors, and no declaration file imports from @nats-io', () => {
    expect(ts.formatDiagnostics(emitErrors, host)).toBe('');
    const declarations = files(join(project, 'types')).filter((f) => f.endsWith('.d.ts'));
    expect(declarations.length).toBeGreaterThan(5);
    const imports = /from\s+['"]@nats-io|import\(\s*['"]@nats-io|require\(\s*['"]@nats-io/;
    expect(declarations.filter((f) => imports.test(readFileSync(f, 'utf8')))).toEqual([]);
  });

  it('a user file using the adapter type-checks, and so does every declaration it reaches (skipLibCheck off)', () => {
    const others = new Map([...problems].filter(([file]) => file !== 'control.ts'));
    expect(Object.fromEntries(others)).toEqual({});
    // The program did read our declarations (and, skipLibCheck being off, checked them).
    expect(reached).toEqual(
      expect.arrayContaining(['types/jetstream/index.d.ts', 'types/jetstream/fromJetStream.d.ts', 'types/jetstream/types.d.ts']),
    );
  });

  it('control: @nats-io/jetstream cannot be resolved in that project', () => {
    expect((problems.get('control.ts') ?? []).join('\n')).toMatch(/Cannot find module '@nats-io\/jetstream'/);
  });
});
