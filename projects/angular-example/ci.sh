#!/usr/bin/env bash
# CI for the Angular example (run by the root .ci/run in a fresh clone, CI=true, no input):
# build this repository's rxjs-lanes and stage it, install from the committed lockfile, make sure Debian's
# Chromium is there, build the app, serve it on a loopback port and test it in the browser.
# The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

fail() { echo "angular-example: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

echo "--- rxjs-lanes: build the root package and stage it in vendor/rxjs-lanes"
node ../../scripts/stage-lanes.mjs || fail "building or staging rxjs-lanes failed"

echo "--- npm ci (from the committed package-lock.json)"
npm ci --no-audit --no-fund || fail "npm ci failed"

CHROMIUM=${CHROMIUM:-/usr/bin/chromium}
if [ ! -x "$CHROMIUM" ]; then
  echo "--- installing Debian's chromium"
  sudo=""; [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -q || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q -o DPkg::Lock::Timeout=600 chromium \
    || fail "apt-get install chromium failed"
  [ -x "$CHROMIUM" ] || fail "no Chromium at $CHROMIUM"
fi
export CHROMIUM

echo "--- ng build"
NG_CLI_ANALYTICS=false npx ng build --stats-json || fail "ng build failed"

echo "--- end-to-end test (served on 127.0.0.1, Chromium through playwright-core)"
node e2e/autosave.e2e.mjs
