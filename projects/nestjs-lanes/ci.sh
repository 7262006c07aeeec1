#!/usr/bin/env bash
# CI for @rxjs-lanes/nestjs (run by the root .ci/run in a fresh clone, CI=true, no input): stage this
# repository's rxjs-lanes in vendor/, install from the committed lockfile, make sure Debian's nats-server and
# the Kafka broker's jars are there, build the package, compile the repository's broker helpers, then run
# the unit tests (@nestjs/testing, fake consumer) and the e2e tests (a real nats-server, a real Kafka 4
# broker). The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
started=$(date +%s)

fail() { echo "nestjs-lanes: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

echo "--- rxjs-lanes: build the root package and stage it in vendor/rxjs-lanes"
node ../../scripts/stage-lanes.mjs || fail "building or staging rxjs-lanes failed"

echo "--- npm ci (from the committed package-lock.json)"
npm ci --no-audit --no-fund || fail "npm ci failed"

if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  echo "--- installing Debian's nats-server"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -q || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q -o DPkg::Lock::Timeout=600 nats-server \
    || fail "apt-get install nats-server failed"
fi
command -v java >/dev/null 2>&1 || fail "java is not installed (the Kafka 4 broker needs Java 17+)"
node ../../scripts/brokers/kafka/ensure.js jars || fail "could not fetch the Kafka broker's jars"

echo "--- tsc (the package, its tests, the repository's broker helpers)"
rm -rf dist build
npx tsc -p tsconfig.build.json || fail "tsc (package) failed"
npx tsc -p tsconfig.json || fail "tsc (tests) failed"
npx tsc -p tsconfig.support.json || fail "tsc (broker helpers) failed"
echo '{ "type": "commonjs" }' > build/support/package.json
echo "nestjs-lanes: prepared in $(( $(date +%s) - started )) s"

echo "--- unit tests and e2e tests"
summary="$(mktemp)"
node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./build/e2e/summary-reporter.js --test-reporter-destination="$summary" \
  build/test/*.spec.js build/e2e/*.e2e.js
rc=$?
line="$(tail -n 1 "$summary")"
rm -f "$summary"
echo "nestjs-lanes: whole run $(( $(date +%s) - started )) s"
if [[ ! "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  echo "nestjs-lanes: the test run printed no totals (exit code $rc)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
passed="${BASH_REMATCH[1]}"; failed="${BASH_REMATCH[2]}"
# A failure outside a test (a failed after-hook, a crash) shows only in the exit code: count it.
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
