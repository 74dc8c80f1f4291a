#!/usr/bin/env bash
# Starts a throwaway PostgreSQL on 127.0.0.1 for the tests and prints the URL to use as
# VIGIL_TEST_POSTGRES_URL. Installs Debian's PostgreSQL when it is missing. Safe to run twice.
#   eval "$(scripts/start-test-postgres.sh)"   # exports VIGIL_TEST_POSTGRES_URL
set -euo pipefail
PORT="${VIGIL_TEST_POSTGRES_PORT:-55432}"
DATA="${VIGIL_TEST_POSTGRES_DATA:-/tmp/vigil-test-postgres}"
BIN="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)"
if [ -z "$BIN" ] || [ ! -x "$BIN/initdb" ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
  BIN="$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)"
fi
RUN=()
if [ "$(id -u)" = 0 ]; then RUN=(runuser -u postgres --); fi
if ! "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" status >/dev/null 2>&1; then
  rm -rf "$DATA"
  mkdir -p "$DATA"
  if [ "$(id -u)" = 0 ]; then chown postgres:postgres "$DATA"; fi
  "${RUN[@]}" "$BIN/initdb" -D "$DATA" -A trust -U vigil >/dev/null
  "${RUN[@]}" "$BIN/pg_ctl" -D "$DATA" -l "$DATA/server.log" -w \
    -o "-p $PORT -k $DATA -c listen_addresses=127.0.0.1 -c fsync=on -c max_connections=400" start >/dev/null
fi
echo "export VIGIL_TEST_POSTGRES_URL=postgres://vigil@127.0.0.1:$PORT/postgres?sslmode=disable"
