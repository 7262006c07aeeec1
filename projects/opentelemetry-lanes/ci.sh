#!/usr/bin/env bash
# CI for @rxjs-lanes/opentelemetry (run by the root .ci/run in a fresh clone, CI=true, no input): stage this
# repository's rxjs-lanes in vendor/, install from the committed lockfile, build the package, compile the
# tests, run them (the SDK's in-memory metric and span exporters; no collector). The shared steps are in
# scripts/projects/satellite.sh. The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
source ../../scripts/projects/satellite.sh
satellite_start opentelemetry-lanes

# shellcheck disable=SC2086 # STAGE_ARGS: stage-lanes.mjs options, word-split on purpose (e.g. --no-build)
stage_lanes ${STAGE_ARGS:-}
npm_ci

echo "--- tsc (the package and its tests)"
rm -rf dist build
npx tsc -p tsconfig.build.json || fail "tsc (package) failed"
npx tsc -p tsconfig.json || fail "tsc (tests) failed"

echo "--- tests"
run_node_tests build/test/*.spec.js
