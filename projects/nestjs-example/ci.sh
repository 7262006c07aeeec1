#!/usr/bin/env bash
# CI for the NestJS example (run by the root .ci/run in a fresh clone, CI=true, no input): build this
# repository's rxjs-lanes and @rxjs-lanes/nestjs (projects/nestjs-lanes) and stage both in vendor/, install
# from the committed lockfile (no engine warning allowed), make sure Debian's nats-server is there, build the
# service and run its end-to-end test (the service as a child process against a real nats-server).
# The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

fail() { echo "nestjs-example: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

started=$(date +%s)
echo "--- rxjs-lanes: build the root package and stage it in vendor/rxjs-lanes"
node ../../scripts/stage-lanes.mjs || fail "building or staging rxjs-lanes failed"
echo "--- @rxjs-lanes/nestjs: build projects/nestjs-lanes and stage it in vendor/rxjs-lanes-nestjs"
node ../nestjs-lanes/scripts/stage.mjs --lanes-built || fail "building or staging @rxjs-lanes/nestjs failed"

echo "--- npm ci (from the committed package-lock.json)"
install_log="$(mktemp)"
npm ci --no-audit --no-fund 2>&1 | tee "$install_log"
[ "${PIPESTATUS[0]}" -eq 0 ] || fail "npm ci failed"
if grep -q EBADENGINE "$install_log"; then rm -f "$install_log"; fail "npm ci warned about an engine (EBADENGINE): pin versions that declare Node 20 support"; fi
rm -f "$install_log"

if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  echo "--- installing Debian's nats-server"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -q || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q -o DPkg::Lock::Timeout=600 nats-server \
    || fail "apt-get install nats-server failed"
fi

echo "--- tsc (service and e2e test)"
npx tsc -p tsconfig.json || fail "tsc failed"

echo "nestjs-example: prepared in $(( $(date +%s) - started )) s"
echo "--- end-to-end test (real nats-server on 127.0.0.1, the service as a child process)"
summary="$(mktemp)"
node --test \
  --test-reporter=spec --test-reporter-destination=stdout \
  --test-reporter=./dist/e2e/summary-reporter.js --test-reporter-destination="$summary" \
  dist/e2e/orders.e2e.js
rc=$?
line="$(tail -n 1 "$summary")"
rm -f "$summary"
echo "nestjs-example: whole run $(( $(date +%s) - started )) s"
if [[ ! "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
  echo "nestjs-example: the test run printed no totals (exit code $rc)" >&2
  echo "0 passed, 1 failed"
  exit 1
fi
passed="${BASH_REMATCH[1]}"; failed="${BASH_REMATCH[2]}"
# A failure outside a test (a failed after-hook, a crash) shows only in the exit code: count it.
if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
