#!/usr/bin/env bash
# Starts a throwaway PostgreSQL server on loopback for the tests and prints its URL on the last
# line of stdout. Installs Debian's `postgresql` package when the binaries are missing.
#
#   url=$(./scripts/pg-test-server.sh | tail -1)    # e.g. postgres://peaqos:peaqos@127.0.0.1:55432/postgres
#   ./scripts/pg-test-server.sh stop
#
# Tests that need PostgreSQL read the URL from PEAQOS_TEST_PG_URL and create their own databases
# in it, so runs never share state. The server lives in target/pg-test and is stopped by `stop`.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PORT="${PEAQOS_TEST_PG_PORT:-55432}"
DATA="$ROOT/target/pg-test/data"
SOCK="$ROOT/target/pg-test/sock"
LOG="$ROOT/target/pg-test/server.log"

find_bin() {
  for dir in /usr/lib/postgresql/*/bin; do
    [ -x "$dir/$1" ] && { echo "$dir/$1"; return 0; }
  done
  command -v "$1" 2>/dev/null || return 1
}

# PostgreSQL refuses to run as root; run it as the `postgres` user then.
as_pg() {
  if [ "$(id -u)" -eq 0 ]; then
    runuser -u postgres -- "$@"
  else
    "$@"
  fi
}

if [ "${1:-}" = "stop" ]; then
  if [ -f "$DATA/postmaster.pid" ]; then
    as_pg "$(find_bin pg_ctl)" -D "$DATA" -m fast stop >/dev/null 2>&1 || true
  fi
  exit 0
fi

if ! find_bin initdb >/dev/null; then
  echo "installing PostgreSQL from Debian's packages" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi
INITDB="$(find_bin initdb)"
PG_CTL="$(find_bin pg_ctl)"

mkdir -p "$ROOT/target/pg-test" "$SOCK"
if [ "$(id -u)" -eq 0 ]; then
  chown -R postgres "$ROOT/target/pg-test"
  # runuser needs to traverse to the data directory.
  chmod o+x "$ROOT/target" "$ROOT" 2>/dev/null || true
fi

if [ ! -f "$DATA/PG_VERSION" ]; then
  pwfile="$(mktemp)"
  echo peaqos > "$pwfile"
  chmod 644 "$pwfile"
  as_pg "$INITDB" -D "$DATA" -U peaqos --pwfile="$pwfile" -A scram-sha-256 >/dev/null
  rm -f "$pwfile"
fi

if ! as_pg "$PG_CTL" -D "$DATA" status >/dev/null 2>&1; then
  # Tuned for throwaway test data: no fsync, many connections for the concurrency tests.
  as_pg "$PG_CTL" -D "$DATA" -l "$LOG" -w start -o \
    "-p $PORT -k $SOCK -c listen_addresses=127.0.0.1 -c max_connections=400 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    >/dev/null
fi

echo "postgres://peaqos:peaqos@127.0.0.1:$PORT/postgres"
