#!/usr/bin/env bash
# Kafka integration suites against a real Apache Kafka 4.x broker in KRaft mode (called by .ci/run).
# 1. fetches the broker's jars from Maven Central (cached in ~/.cache/rxjs-lanes, keyed by version),
# 2. builds the native addon of @confluentinc/kafka-javascript from source when it is not cached,
# 3. runs jest with jest.kafka.config.js: one broker for the whole run (globalSetup), stopped afterwards,
# and makes sure the last line printed is "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/../../.."

fail_line() { # a closing line for a failure before or outside jest
  echo "ci: $1" >&2
  echo
  echo "0 passed, 1 failed"
  exit 1
}

started=$(date +%s)
node scripts/ensure-install.js || fail_line "npm ci failed"
command -v java >/dev/null 2>&1 || fail_line "java is not installed (Kafka 4 needs Java 17+)"
command -v mvn >/dev/null 2>&1 || fail_line "mvn is not installed (the broker's jars come from Maven Central)"
node scripts/brokers/kafka/ensure.js jars || fail_line "could not fetch the Kafka broker's jars"
node scripts/brokers/kafka/ensure.js confluent || fail_line "could not build @confluentinc/kafka-javascript's native addon"
echo "kafka: prepared in $(( $(date +%s) - started )) s"

log=$(mktemp)
trap 'rm -f "$log"' EXIT
# A generous ceiling: a hung run must still end with a result line.
timeout 900 node --expose-gc node_modules/jest/bin/jest.js --config jest.kafka.config.js --runInBand "$@" 2>&1 | tee "$log"
rc=${PIPESTATUS[0]}
echo "kafka: whole suite $(( $(date +%s) - started )) s"

line=$(grep -a -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -n 1)
[ -z "$line" ] && fail_line "the Kafka integration run printed no result line (exit code $rc)"
if [ "$rc" -ne 0 ] && ! echo "$line" | grep -qE ', [1-9][0-9]* failed'; then
  passed=$(echo "$line" | sed -E 's/^([0-9]+) passed.*/\1/')
  echo "ci: jest exited with $rc" >&2
  echo
  echo "$passed passed, 1 failed"
  exit 1
fi
echo
echo "$line"
[ "$rc" -eq 0 ]
