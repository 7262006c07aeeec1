'use strict';
/**
 * Makes sure what the Kafka integration suites need is on this machine, caching it outside the repository
 * (keyed by version) so that a second run on the same machine is fast, and a fresh machine needs no input:
 *
 * - `jars()`: Apache Kafka's broker (org.apache.kafka:kafka_2.13 and its runtime dependencies) from Maven
 *   Central, through `mvn dependency:copy-dependencies` over ./pom.xml, into
 *   `<cache>/kafka-<version>/libs` (about 45 MB, ~15 s cold).
 * - `confluentAddon()`: the native addon of @confluentinc/kafka-javascript (librdkafka). Its install script
 *   downloads a prebuilt binary from GitHub, which is not reachable here, and its fallback (a static build)
 *   downloads zlib, OpenSSL, zstd and curl sources; both fail offline. Building with `CKJS_LINKING=dynamic`
 *   compiles the bundled librdkafka against the system's zlib and OpenSSL and needs no download (195 s of
 *   a 287 s cold `npm run test:kafka` on 2 shared cores; built with -g0, see below). The result
 *   (`build/Release/*.node` + `build/deps/*.so*`) is cached under
 *   `<cache>/confluent-kafka-javascript-<version>-<abi>-<platform>-<arch>` and copied back after each
 *   `npm ci` (which empties node_modules).
 *
 * `<cache>` is `$RXJS_LANES_CACHE`, or `$XDG_CACHE_HOME/rxjs-lanes`, or `~/.cache/rxjs-lanes`.
 * CLI: `node scripts/brokers/kafka/ensure.js [jars|confluent|all]` prints what it did.
 */
const { spawnSync } = require('node:child_process');
const { cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } = require('node:fs');
const { homedir } = require('node:os');
const { join, resolve } = require('node:path');

/** The broker version the suites run; 4.x (KRaft only). Override with KAFKA_VERSION. */
const KAFKA_VERSION = process.env.KAFKA_VERSION || '4.4.0';
const ROOT = resolve(__dirname, '../../..');

function cacheDir() {
  if (process.env.RXJS_LANES_CACHE) return process.env.RXJS_LANES_CACHE;
  const base = process.env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'rxjs-lanes');
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20, ...options });
  if (result.error) throw new Error(`${command} ${args.join(' ')}: ${result.error.message}`);
  if (result.status !== 0) {
    const output = `${result.stdout || ''}${result.stderr || ''}`.split('\n').slice(-40).join('\n');
    throw new Error(`${command} ${args.join(' ')} exited with ${result.status}:\n${output}`);
  }
  return result;
}

/** The directory holding the broker's jars (fetched when missing). */
function jars(version = KAFKA_VERSION) {
  const dir = join(cacheDir(), `kafka-${version}`);
  const libs = join(dir, 'libs');
  const done = join(dir, '.complete');
  if (existsSync(done)) return libs;
  const partial = join(dir, `libs.partial-${process.pid}`);
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  run('mvn', [
    '-B',
    '-q',
    '-f',
    join(__dirname, 'pom.xml'),
    `-Dkafka.version=${version}`,
    'dependency:copy-dependencies',
    '-DincludeScope=runtime',
    `-DoutputDirectory=${partial}`,
  ]);
  if (!readdirSync(partial).some((f) => f.startsWith(`kafka_2.13-${version}`))) throw new Error(`mvn fetched no kafka_2.13-${version} jar`);
  rmSync(libs, { recursive: true, force: true });
  renameSync(partial, libs);
  writeFileSync(done, `${new Date().toISOString()}\n`);
  return libs;
}

/** The installed @confluentinc/kafka-javascript package directory, or null when it is not installed. */
function confluentPackage() {
  const dir = join(ROOT, 'node_modules/@confluentinc/kafka-javascript');
  return existsSync(join(dir, 'package.json')) ? dir : null;
}

function loads(dir) {
  const probe = spawnSync(process.execPath, ['-e', `require(${JSON.stringify(dir)}).librdkafkaVersion`], { encoding: 'utf8' });
  return probe.status === 0;
}

/**
 * Makes `require('@confluentinc/kafka-javascript')` work: restores the cached native build, or builds it
 * (and caches it). Returns `{ dir, built, restored }`.
 */
function confluentAddon() {
  const dir = confluentPackage();
  if (!dir) throw new Error('@confluentinc/kafka-javascript is not installed (it is a devDependency: run npm ci)');
  const version = require(join(dir, 'package.json')).version;
  const key = `confluent-kafka-javascript-${version}-${process.versions.modules}-${process.platform}-${process.arch}`;
  const cached = join(cacheDir(), key);
  const release = join(dir, 'build/Release/confluent-kafka-javascript.node');
  if (existsSync(release) && loads(dir)) return { dir, built: false, restored: false };
  if (existsSync(join(cached, '.complete'))) {
    mkdirSync(join(dir, 'build'), { recursive: true });
    cpSync(join(cached, 'Release'), join(dir, 'build/Release'), { recursive: true });
    cpSync(join(cached, 'deps'), join(dir, 'build/deps'), { recursive: true });
    if (loads(dir)) return { dir, built: false, restored: true };
  }
  rmSync(join(dir, 'build'), { recursive: true, force: true });
  // librdkafka's own configure leaves its results in deps/librdkafka; start from a clean tree
  rmSync(join(dir, 'deps/librdkafka/config.h'), { force: true });
  rmSync(join(dir, 'deps/librdkafka/Makefile.config'), { force: true });
  const preGyp = require.resolve('@mapbox/node-pre-gyp/bin/node-pre-gyp', { paths: [dir] });
  const env = { ...process.env, CKJS_LINKING: 'dynamic' };
  // librdkafka compiles with -g: -g0 (the last -g wins) drops the debug info, which nothing here reads
  // (same code, less to write). Not JOBS=2 for node-gyp: its generated Makefile does not order the
  // addon's librdkafka actions, and a parallel make fails ("No rule to make target config.h").
  for (const flags of ['CFLAGS', 'CXXFLAGS']) env[flags] = env[flags] === undefined ? '-g0' : env[flags];
  // node-gyp would download Node's headers (nodejs.org is not reachable): use the installed ones
  if (!env.npm_config_nodedir && existsSync('/usr/include/node/node_api.h')) env.npm_config_nodedir = '/usr';
  run(process.execPath, [preGyp, 'install', '--build-from-source', '--fallback-to-build'], { cwd: dir, env });
  if (!loads(dir)) throw new Error('@confluentinc/kafka-javascript was built but does not load');
  rmSync(cached, { recursive: true, force: true });
  mkdirSync(join(cached, 'Release'), { recursive: true });
  mkdirSync(join(cached, 'deps'), { recursive: true });
  cpSync(release, join(cached, 'Release/confluent-kafka-javascript.node'));
  for (const f of readdirSync(join(dir, 'build/deps'))) {
    if (/\.so(\.\d+)?$/.test(f)) cpSync(join(dir, 'build/deps', f), join(cached, 'deps', f), { dereference: true });
  }
  writeFileSync(join(cached, '.complete'), `${new Date().toISOString()}\n`);
  return { dir, built: true, restored: false };
}

module.exports = { KAFKA_VERSION, cacheDir, jars, confluentAddon };

if (require.main === module) {
  const what = process.argv[2] || 'all';
  try {
    if (what === 'jars' || what === 'all') {
      const t = Date.now();
      console.log(`kafka ${KAFKA_VERSION} jars: ${jars()} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    }
    if (what === 'confluent' || what === 'all') {
      const t = Date.now();
      const { dir, built, restored } = confluentAddon();
      const how = built ? 'built from source' : restored ? 'restored from the cache' : 'already in place';
      console.log(`@confluentinc/kafka-javascript addon ${how}: ${dir} (${((Date.now() - t) / 1000).toFixed(1)} s)`);
    }
  } catch (error) {
    console.error(String(error && error.stack ? error.stack : error));
    process.exit(1);
  }
}
