#!/usr/bin/env bash
# Integration suites against real nats-servers (called by .ci/run): once on Debian's nats-server (2.9) and once
# on a current one built from source (see nats-servers.sh: built on the first run, cached outside the repo).
# Each suite starts and stops its own servers (NATS_SERVER tells which binary). Ends with one line
# "N passed, N failed" adding up both runs. `bash spec/integration/run.sh debian` or `... current` runs one.
set -uo pipefail
cd "$(dirname "$0")/../.."
. spec/integration/nats-servers.sh

passed=0
failed=0
skipped=0
run_on() { # name: runs the suites on that server and adds its counts
  local name=$1 bin version log rc line
  if ! bin=$("nats_server_$name"); then
    echo "ci: no $name nats-server" >&2
    failed=$((failed + 1))
    return
  fi
  version=$("$bin" --version 2>&1 | head -n 1)
  echo "=== integration on the $name nats-server ($bin: $version)"
  log=$(mktemp)
  # A generous ceiling: a run takes a few minutes; a hung run must still end with a result line.
  NATS_SERVER="$bin" timeout 1200 npm run --silent test:integration 2>&1 | tee "$log"
  rc=${PIPESTATUS[0]}
  line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$line" ]; then
    echo "ci: the integration run on $name printed no result line (exit code $rc)" >&2
    failed=$((failed + 1))
    return
  fi
  passed=$((passed + $(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')))
  local f s
  f=$(echo "$line" | sed -E 's/^[0-9]+ passed, ([0-9]+) failed.*/\1/')
  s=$(echo "$line" | sed -nE 's/.*, ([0-9]+) skipped.*/\1/p')
  skipped=$((skipped + ${s:-0}))
  if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; echo "ci: jest exited with $rc on $name" >&2; fi
  failed=$((failed + f))
}

if [ $# -eq 0 ]; then set -- debian current; fi
for server in "$@"; do run_on "$server"; done

echo
if [ "$skipped" -gt 0 ]; then echo "$passed passed, $failed failed, $skipped skipped"; else echo "$passed passed, $failed failed"; fi
[ "$failed" -eq 0 ]
