#!/usr/bin/env bash
# CI for @rxjs-lanes/opentelemetry (run by the root .ci/run in a fresh clone, CI=true, no input): stage this
# repository's rxjs-lanes in vendor/, install from the committed lockfile, build the package, compile the
# tests, run them (the SDK's in-memory metric and span exporters; no collector). The last line is
# "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"
started=$(date +%s)

fail() { echo "opentelemetry-lanes: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

echo "--- rxjs-lanes: build the root package and stage it in vendor/rxjs-lanes"
node ../../scripts/stage-lanes.mjs ${STAGE_ARGS:-} || fail "building or staging rxjs-lanes failed"

echo "--- npm ci (from the committed package-lock.json)"
npm ci --no-audit --no-fund || fail "npm ci failed"

echo "--- tsc (the package and its tests)"
rm -rf dist build
npx tsc -p tsconfig.build.json || fail "tsc (package) failed"
npx tsc -p tsconfig.json || fail "tsc (tests) failed"

echo "--- tests"
summary="$(mktemp)"
node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./build/test/summary-reporter.js --test-reporter-destination="$summary" \
  build/test/*.spec.js
rc=$?
line="$(tail -n 1 "$summary")"
rm -f "$summary"
echo "opentelemetry-lanes: whole run $(( $(date +%s) - started )) s"
if [[ ! "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  echo "opentelemetry-lanes: the test run printed no totals (exit code $rc)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
passed="${BASH_REMATCH[1]}"; failed="${BASH_REMATCH[2]}"
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
