#!/usr/bin/env bash
# Builds and checks the public API against the committed report(s) in etc/. An unreviewed change fails:
# run `npm run api:update` and commit etc/ to accept it. Then builds the API reference from the doc models
# the same runs wrote (scripts/docs/api.mjs: API Documenter into docs/api/), failing on any TSDoc it rejects.
set -uo pipefail
cd "$(dirname "$0")/.."
node scripts/ensure-install.js || exit 1
node scripts/build.js || { echo "0 passed, 1 failed"; exit 1; }
ok=0; bad=0
for config in api-extractor*.json; do
  if npx api-extractor run -c "$config"; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
done
if [ "$bad" -eq 0 ]; then
  if node scripts/docs/api.mjs; then ok=$((ok + 1)); else bad=$((bad + 1)); fi
fi
echo "$ok passed, $bad failed"
[ "$bad" -eq 0 ]
