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
# Transactions are opened in one place (store/transactions.ts, through services/transaction.ts).
transactions_elsewhere="$(grep -rnE "\.transaction\(\)" src --include='*.ts' --include='*.tsx' | grep -v '^src/store/transactions\.ts:' || true)"
if [ -n "$transactions_elsewhere" ]; then
  echo "error transaction-outside-the-helper: use inTransaction (src/services/transaction.ts):" >&2
  echo "$transactions_elsewhere" >&2
  exit 1
fi
echo "layers: ok (imports go down only; SQL only in src/store/; transactions only through inTransaction)"
