#!/usr/bin/env bash
# CI for the Angular example (run by the root .ci/run in a fresh clone, CI=true, no input):
# build this repository's rxjs-lanes and stage it, install from the committed lockfile, make sure Debian's
# Chromium is there, build the app (production for the bundle check, development for the browser tests:
# Angular's development-mode warnings only show there), serve it on a loopback port and test it in the
# browser. It leaves git as it found it: the screenshot goes to test-results/ (ignored); `SCREENSHOT=1 bash
# ci.sh` replaces the README's docs/angular-example.png on purpose. The last line is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")"

fail() { echo "angular-example: $*" >&2; echo "0 passed, 1 failed"; exit 1; }

# What git reports before the run, to prove the run changed nothing tracked (empty outside a git checkout).
git_state() { git -C ../.. status --porcelain --untracked-files=all 2>/dev/null; git -C ../.. diff 2>/dev/null | sha1sum; }
before=$(git_state)

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

echo "--- ng build (production, with stats) and ng build (development, for the browser tests)"
export NG_CLI_ANALYTICS=false
npx ng build --stats-json || fail "ng build failed"
npx ng build --configuration development --output-path dist/dev || fail "ng build (development) failed"

echo "--- end-to-end test (served on 127.0.0.1, Chromium through playwright-core)"
log=$(mktemp)
node e2e/autosave.e2e.mjs | tee "$log"
line=$(grep -E '^[0-9]+ passed, [0-9]+ failed$' "$log" | tail -n 1)
rm -f "$log"
[ -n "$line" ] || line="0 passed, 1 failed"
passed=${line%% passed*}; failed=${line#*passed, }; failed=${failed%% failed*}

# With SCREENSHOT=1 the run is asked to change docs/angular-example.png; anything else is a failure.
after=$(git_state)
if [ "${SCREENSHOT:-}" != 1 ] && [ "$before" != "$after" ]; then
  failed=$((failed + 1))
  echo "  ✗ ci.sh left git changed:"; git -C ../.. status --short --untracked-files=all | sed 's/^/    /'
else
  passed=$((passed + 1))
  echo "  ✓ ci.sh left git as it found it"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
