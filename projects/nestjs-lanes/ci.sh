#!/usr/bin/env bash
# CI for @rxjs-lanes/nestjs (run by the root .ci/run in a fresh clone, CI=true, no input): stage this
# repository's rxjs-lanes in vendor/, install from the committed lockfile, make sure Debian's nats-server and
# the Kafka broker's jars are there, build the package, compile the repository's broker helpers, then run
# the unit tests (@nestjs/testing, fake consumer) and the e2e tests (a real nats-server, a real Kafka 4
# broker). The shared steps are in scripts/projects/satellite.sh. The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
source ../../scripts/projects/satellite.sh
satellite_start nestjs-lanes

stage_lanes
npm_ci
ensure_nats_server
command -v java >/dev/null 2>&1 || fail "java is not installed (the Kafka 4 broker needs Java 17+)"
node ../../scripts/brokers/kafka/ensure.js jars || fail "could not fetch the Kafka broker's jars"

echo "--- tsc (the package, its tests, the repository's broker helpers)"
rm -rf dist build
npx tsc -p tsconfig.build.json || fail "tsc (package) failed"
npx tsc -p tsconfig.json || fail "tsc (tests) failed"
npx tsc -p tsconfig.support.json || fail "tsc (broker helpers) failed"
echo '{ "type": "commonjs" }' > build/support/package.json
prepared

echo "--- unit tests and e2e tests"
run_node_tests build/test/*.spec.js build/e2e/*.e2e.js
