'use strict';
// Shared by the packaging checks: where the packed tarball lives, how a check reports, how a command runs.
const { execFileSync } = require('node:child_process');
const { existsSync, mkdirSync, readFileSync, rmSync } = require('node:fs');
const { join } = require('node:path');

const root = join(__dirname, '..', '..');
const workDir = join(root, 'temp', 'package');
const npm = process.platform === 'win32' ? 'npm.cmd' : 'npm';

/**
 * Runs a command, returns its stdout; throws with its output when it fails or outlives `timeout` (default
 * 5 minutes: a hung step fails instead of holding CI).
 */
function run(cmd, args, options = {}) {
  try {
    const defaults = { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, timeout: 300_000, killSignal: 'SIGKILL' };
    return execFileSync(cmd, args, { ...defaults, ...options });
  } catch (error) {
    const output = `${error.stdout || ''}${error.stderr || ''}`.trim();
    throw new Error(`${cmd} ${args.join(' ')} failed (${error.status ?? error.signal}):\n${output}`);
  }
}

/** Builds (npm's prepack runs scripts/build.js) and packs the package; returns the tarball's path. */
function pack() {
  rmSync(workDir, { recursive: true, force: true });
  mkdirSync(workDir, { recursive: true });
  const [info] = JSON.parse(
    run(npm, ['pack', '--json', '--pack-destination', workDir], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] }),
  );
  return { tarball: join(workDir, info.filename), info };
}

/** The tarball scripts/package/pack.js made; packs now when there is none (a check run on its own). */
function packedTarball() {
  const { name, version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const tarball = join(workDir, `${name}-${version}.tgz`);
  if (!existsSync(tarball)) {
    process.stdout.write('no packed tarball yet: packing\n');
    return pack().tarball;
  }
  return tarball;
}

/** Unpacks a tarball into <dir>/node_modules/<name> (as npm would install it, without dependencies). */
function unpack(tarball, dir, name) {
  const target = join(dir, 'node_modules', name);
  rmSync(target, { recursive: true, force: true });
  mkdirSync(target, { recursive: true });
  run('tar', ['-xzf', tarball, '-C', target, '--strip-components=1']);
  return target;
}

/** Collects named checks and prints the closing line CI reads ("N passed, N failed"). */
class Checks {
  constructor(title) {
    this.title = title;
    this.passed = 0;
    this.failed = 0;
  }
  pass(name, detail = '') {
    this.passed++;
    process.stdout.write(`  ok   ${name}${detail ? ` (${detail})` : ''}\n`);
  }
  fail(name, detail = '') {
    this.failed++;
    process.stdout.write(`  FAIL ${name}${detail ? `\n${indent(detail)}` : ''}\n`);
  }
  check(name, fn) {
    try {
      const detail = fn();
      this.pass(name, typeof detail === 'string' ? detail : '');
    } catch (error) {
      this.fail(name, error instanceof Error ? error.message : String(error));
    }
  }
  async checkAsync(name, fn) {
    try {
      const detail = await fn();
      this.pass(name, typeof detail === 'string' ? detail : '');
    } catch (error) {
      this.fail(name, error instanceof Error ? error.message : String(error));
    }
  }
  finish() {
    // The closing line alone (CI's count() reads a line that starts with the number).
    process.stdout.write(`\n${this.title}\n${this.passed} passed, ${this.failed} failed\n`);
    process.exitCode = this.failed === 0 ? 0 : 1;
  }
}

function indent(text) {
  return text
    .split('\n')
    .map((line) => `       ${line}`)
    .join('\n');
}

module.exports = { root, workDir, npm, run, pack, packedTarball, unpack, Checks };
