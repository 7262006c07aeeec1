// scripts/projects/node-test-summary.mjs is the reporter every satellite project's ci.sh reads its
// "N passed, N failed" line from: run it on a fixture with known results.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..');

it('the satellites’ node:test reporter counts tests and subtests, not suites', () => {
  const run = spawnSync(
    process.execPath,
    ['--test', '--test-reporter=./scripts/projects/node-test-summary.mjs', join('spec', 'scripts', 'fixtures', 'mixed.fixture.mjs')],
    { cwd: root, encoding: 'utf8' },
  );
  // 4 passed: 'passes', 'passes inside a suite', 'the subtest' and its parent; 2 failed.
  expect(run.stdout).toBe('4 passed, 2 failed\n');
  expect(run.status).not.toBe(0);
});
