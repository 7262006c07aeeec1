#!/usr/bin/env bash
# Integration suites against a real nats-server (called by .ci/run).
# Installs Debian's nats-server when it is missing, runs `npm run test:integration` (each suite starts and
# stops its own server), and makes sure the last line printed is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../.."

fail_line() { # prints a closing line for a failure that happened before or outside jest
  echo "ci: $1" >&2
  echo
  echo "0 passed, 1 failed"
  exit 1
}

if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  echo "nats-server missing: installing Debian's package"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail_line "nats-server is not installed and this user cannot run apt-get (no sudo)"
    SUDO="sudo"
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get -o DPkg::Lock::Timeout=600 update || fail_line "apt-get update failed"
  $SUDO apt-get install -y -o DPkg::Lock::Timeout=600 nats-server || fail_line "apt-get install nats-server failed"
fi
echo "using $( (command -v nats-server || echo /usr/sbin/nats-server) | head -n 1): $( (nats-server --version || /usr/sbin/nats-server --version) 2>&1 | head -n 1)"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A generous ceiling: the suites take about a minute; a hung run must still end with a result line.
timeout 900 npm run --silent test:integration 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}

line=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
if [ -z "$line" ]; then
  fail_line "the integration run printed no result line (exit code $rc)"
fi
if [ "$rc" -ne 0 ] && ! echo "$line" | grep -qE ', [1-9][0-9]* failed'; then
  # jest failed without counting a failed test (e.g. a suite that could not start): count it
  passed=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
  echo "ci: jest exited with $rc" >&2
  echo
  echo "$passed passed, 1 failed"
  exit 1
fi
# Repeat the result as the very last line (jest may print notes after its reporters).
echo
echo "$line"
[ "$rc" -eq 0 ]
