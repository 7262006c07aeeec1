// rxjs-lanes/kafka must compile for a user who has no kafkajs installed (CommitTracker needs no client at
// all, and a confluent user has @confluentinc/kafka-javascript instead). This emits the package's
// declarations, lays them out as an installed `rxjs-lanes` in a temporary project whose node_modules
// hold rxjs and @types/node only, and type-checks a user file against them with skipLibCheck off.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const root = resolve(__dirname, '../..');
const tsc = join(root, 'node_modules/typescript/bin/tsc');

describe('rxjs-lanes/kafka without kafkajs', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'rxjs-lanes-no-kafkajs-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('type-checks a user of CommitTracker and consumeKafka against the built declarations', () => {
    const types = join(dir, 'node_modules/rxjs-lanes/dist/types');
    execFileSync(process.execPath, [
      tsc,
      '-p',
      join(root, 'tsconfig.json'),
      '--emitDeclarationOnly',
      '--declarationMap',
      'false',
      '--outDir',
      types,
    ]);
    const pkg = require(join(root, 'package.json')) as { exports: unknown; typesVersions: unknown };
    writeFileSync(
      join(dir, 'node_modules/rxjs-lanes/package.json'),
      JSON.stringify({
        name: 'rxjs-lanes',
        version: '0.0.0',
        types: './dist/types/index.d.ts',
        exports: pkg.exports,
        typesVersions: pkg.typesVersions,
      }),
    );
    for (const dep of ['rxjs', '@types/node', 'undici-types']) {
      const from = join(root, 'node_modules', dep);
      if (!existsSync(from)) continue;
      mkdirSync(join(dir, 'node_modules', dep, '..'), { recursive: true });
      symlinkSync(from, join(dir, 'node_modules', dep), 'dir');
    }
    expect(existsSync(join(dir, 'node_modules/kafkajs'))).toBe(false);
    writeFileSync(
      join(dir, 'use.ts'),
      [
        "import { CommitTracker, consumeKafka, type KafkaConsumerLike, type KafkaSettlement } from 'rxjs-lanes/kafka';",
        'const tracker = new CommitTracker();',
        "tracker.assign('orders', 0);",
        "const ticket = tracker.deliver('orders', 0, 10);",
        "if (ticket) tracker.settle(ticket, 'ack');",
        "export const offset: number | undefined = tracker.watermark('orders', 0);",
        'export function start(consumer: KafkaConsumerLike) {',
        '  return consumeKafka(consumer, { parallelism: 8, handler: (d) => (d.message.value === null ? "term" : undefined) })',
        '    .subscribe((s: KafkaSettlement<string | null>) => s.outcome);',
        '}',
        '',
      ].join('\n'),
    );
    writeFileSync(
      join(dir, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          skipLibCheck: false,
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          target: 'ES2022',
          types: ['node'],
        },
        files: ['use.ts'],
      }),
    );
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.json')], { cwd: dir, encoding: 'utf8' });
    } catch (error) {
      output = String((error as { stdout?: string }).stdout ?? error);
    }
    expect(output).toBe('');
    // and the check can fail: a user file importing kafkajs does not compile here
    writeFileSync(join(dir, 'bad.ts'), "import type { Consumer } from 'kafkajs';\nexport type C = Consumer;\n");
    writeFileSync(join(dir, 'tsconfig.bad.json'), JSON.stringify({ extends: './tsconfig.json', files: ['bad.ts'] }));
    expect(() => execFileSync(process.execPath, [tsc, '-p', join(dir, 'tsconfig.bad.json')], { cwd: dir, encoding: 'utf8' })).toThrow(
      /kafkajs/,
    );
  }, 120000);
});
