#!/usr/bin/env bash
# The README's test command runs this after `npm ci`. It makes sure the real parts
# the tests drive are here (Debian's Chromium, a PostgreSQL server), starts a
# throwaway PostgreSQL cluster unless TEST_DATABASE_URL names one, and runs vitest.
set -euo pipefail
cd "$(dirname "$0")/.."

# --- Node.js 22 or newer: the machine's own, or Node.js 24 LTS from the npm registry
# (scripts/node.sh). Everything below (build, type-check, tests, the servers and CLIs the
# tests start) runs on it.
node_bin="$(bash scripts/node.sh --path)"
export PATH="$(dirname "$node_bin"):$PATH"
case "$node_bin" in "$PWD/.tools/"*) export npm_config_nodedir="$(dirname "$(dirname "$node_bin")")" ;; esac
echo "test: Node.js $(node -v)"

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null; then sudo "$@"; else return 1; fi; }
apt_updated=""
apt_install() {
  if ! command -v apt-get >/dev/null; then
    echo "error: please install $* (Debian packages) and run again" >&2; exit 1
  fi
  if [ -z "$apt_updated" ]; then as_root apt-get update -qq || { echo "error: apt-get update failed; install $* by hand" >&2; exit 1; }; apt_updated=1; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null || { echo "error: could not install $*; install it by hand" >&2; exit 1; }
}

# --- Chromium (Debian's, driven by playwright-core; never a downloaded browser)
if [ ! -x /usr/bin/chromium ]; then
  echo "test: installing Debian's chromium for the browser tests"
  apt_install chromium
fi

# --- nginx (Debian's), for the reverse-proxy test in front of two nodes
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then
  echo "test: installing Debian's nginx for the reverse-proxy test"
  apt_install nginx
fi

# --- PostgreSQL: the one named by TEST_DATABASE_URL, or a throwaway cluster of our own
pg_dir=""
cleanup() {
  if [ -n "$pg_dir" ]; then
    run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m immediate stop >/dev/null 2>&1 || true
    rm -rf "$pg_dir"
  fi
}
trap cleanup EXIT INT TERM

run_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }

# Debian's PostgreSQL binaries are needed even with TEST_DATABASE_URL: the outage test stops
# and starts a cluster of its own, and the backup test runs pg_dump and pg_restore.
pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$pg_bin" ]; then
  echo "test: installing Debian's postgresql for the PostgreSQL half of the suite"
  apt_install postgresql
  pg_bin="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi
# PostgreSQL refuses to run as root: as root, a cluster belongs to Debian's postgres user.
if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
  useradd --system --home-dir /var/lib/postgresql --shell /bin/bash postgres
fi

if [ -z "${TEST_DATABASE_URL:-}" ]; then
  pg_dir="$(mktemp -d /tmp/twofold-pg.XXXXXX)"
  chmod 755 "$pg_dir"
  if [ "$(id -u)" = 0 ]; then chown postgres "$pg_dir"; fi
  pg_port="$(node -e "const s=require('net').createServer().listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})")"
  run_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres --no-sync >/dev/null
  run_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/log" -w start \
    -o "-p $pg_port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=200" >/dev/null
  export TEST_DATABASE_URL="postgres://postgres@127.0.0.1:$pg_port/postgres"
  echo "test: throwaway PostgreSQL on 127.0.0.1:$pg_port"
fi

# The server and CLI tests run the compiled code, as `npm start` does.
if [ ! -f dist/main.js ] || [ -n "$(find src -newer dist/main.js -print -quit)" ]; then npm run build --silent; fi

# Type-check everything, tests and bench included (the build above covers src/ only).
npx tsc -p tsconfig.json

# The layers: imports go down only, SQL only in the store.
bash scripts/check-layers.sh

npx vitest run "$@"
