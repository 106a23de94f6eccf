#!/usr/bin/env bash
# The layers the README's Architecture describes, checked on every `npm test`:
# imports go down only (dependency-cruiser, .dependency-cruiser.cjs), and every SQL
# statement lives in src/store/.
set -euo pipefail
cd "$(dirname "$0")/.."

npx --no-install depcruise src --config .dependency-cruiser.cjs --output-type err

# Kysely's query builders and raw sql`` belong to the store alone.
sql_outside_store="$(grep -rnE "\.(selectFrom|insertInto|updateTable|deleteFrom|replaceInto|mergeInto)\(|\bsql\`|\bsql\.(raw|lit|ref|join)\(" src --include='*.ts' --include='*.tsx' | grep -v '^src/store/' || true)"
if [ -n "$sql_outside_store" ]; then
  echo "error sql-outside-the-store: SQL belongs in src/store/ (call a store function from the service instead):" >&2
  echo "$sql_outside_store" >&2
  exit 1
fi
echo "layers: ok (imports go down only; SQL only in src/store/)"
