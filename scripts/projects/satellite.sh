# Steps shared by the satellite projects' ci.sh (projects/opentelemetry-lanes, nestjs-lanes, nestjs-example),
# which run in a fresh clone from the root .ci/run (CI=true, no input). A project's ci.sh cds into its
# folder, sources this file, calls `satellite_start <name>`, then the steps it needs, and ends with
# `run_node_tests <files...>`, which prints the project's own "N passed, N failed" as the last line and
# counts as a failure a run that changed anything git tracks (everything a run makes is git-ignored).
# shellcheck shell=bash

satellite_start() { # name
  satellite=$1
  started=$(date +%s)
  git_before=$(satellite_git_state)
}

# What git reports, to prove the run changed nothing tracked (empty outside a git checkout).
satellite_git_state() {
  git -C ../.. status --porcelain --untracked-files=all 2>/dev/null
  git -C ../.. diff 2>/dev/null | sha1sum
}

fail() { # message: the result line of a run that could not get as far as its tests
  echo "$satellite: $*" >&2
  echo "0 passed, 1 failed"
  exit 1
}

stage_lanes() { # [stage-lanes.mjs options]: this repository's rxjs-lanes, packed, in vendor/rxjs-lanes
  echo "--- rxjs-lanes: build the root package and stage it in vendor/rxjs-lanes"
  node ../../scripts/stage-lanes.mjs "$@" || fail "building or staging rxjs-lanes failed"
}

npm_ci() { # [--no-engine-warnings]: install from the committed package-lock.json
  echo "--- npm ci (from the committed package-lock.json)"
  if [ "${1:-}" != --no-engine-warnings ]; then
    npm ci --no-audit --no-fund || fail "npm ci failed"
    return
  fi
  local log
  log=$(mktemp)
  npm ci --no-audit --no-fund 2>&1 | tee "$log"
  local rc=${PIPESTATUS[0]}
  local engine=0
  grep -q EBADENGINE "$log" && engine=1
  rm -f "$log"
  [ "$rc" -eq 0 ] || fail "npm ci failed"
  [ "$engine" -eq 0 ] || fail "npm ci warned about an engine (EBADENGINE): pin versions that declare Node 20 support"
}

ensure_nats_server() { # Debian's nats-server, unless one is installed
  if command -v nats-server >/dev/null 2>&1 || [ -x /usr/sbin/nats-server ]; then return; fi
  echo "--- installing Debian's nats-server"
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  $sudo apt-get -o DPkg::Lock::Timeout=600 update -q || fail "apt-get update failed"
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q -o DPkg::Lock::Timeout=600 nats-server ||
    fail "apt-get install nats-server failed"
}

prepared() { echo "$satellite: prepared in $(($(date +%s) - started)) s"; }

run_node_tests() { # compiled test files...: runs them, prints the result line last, exits with its status
  local summary
  summary=$(mktemp)
  node --test \
    --test-reporter=spec --test-reporter-destination=stdout \
    --test-reporter=../../scripts/projects/node-test-summary.mjs --test-reporter-destination="$summary" \
    "$@"
  local rc=$?
  local line
  line=$(tail -n 1 "$summary")
  rm -f "$summary"
  echo "$satellite: whole run $(($(date +%s) - started)) s"
  if [[ ! "$line" =~ ^([0-9]+)\ passed,\ ([0-9]+)\ failed$ ]]; then
    echo "$satellite: the test run printed no totals (exit code $rc)" >&2
    echo "0 passed, 1 failed"
    exit 1
  fi
  local passed=${BASH_REMATCH[1]} failed=${BASH_REMATCH[2]}
  # A failure outside a test (a failed after-hook, a crash) shows only in the exit code: count it.
  if [ "$rc" -ne 0 ] && [ "$failed" -eq 0 ]; then failed=1; fi
  if [ "$(satellite_git_state)" != "$git_before" ]; then
    echo "$satellite: the run changed files git tracks:" >&2
    git -C ../.. status --short >&2
    failed=$((failed + 1))
  fi
  echo "$passed passed, $failed failed"
  [ "$failed" -eq 0 ] && exit 0
  exit 1
}
