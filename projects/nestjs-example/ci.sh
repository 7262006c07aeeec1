#!/usr/bin/env bash
# CI for the NestJS example (run by the root .ci/run in a fresh clone, CI=true, no input): build this
# repository's rxjs-lanes and @rxjs-lanes/nestjs (projects/nestjs-lanes) and stage both in vendor/, install
# from the committed lockfile (no engine warning allowed), make sure Debian's nats-server is there, build the
# service and run its end-to-end test (the service as a child process against a real nats-server).
# The shared steps are in scripts/projects/satellite.sh. The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
source ../../scripts/projects/satellite.sh
satellite_start nestjs-example

stage_lanes
echo "--- @rxjs-lanes/nestjs: build projects/nestjs-lanes and stage it in vendor/rxjs-lanes-nestjs"
node ../nestjs-lanes/scripts/stage.mjs --lanes-built || fail "building or staging @rxjs-lanes/nestjs failed"
npm_ci --no-engine-warnings
ensure_nats_server

echo "--- tsc (service and e2e test)"
npx tsc -p tsconfig.json || fail "tsc failed"
prepared

echo "--- end-to-end test (real nats-server on 127.0.0.1, the service as a child process)"
run_node_tests dist/e2e/orders.e2e.js
