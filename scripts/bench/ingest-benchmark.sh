#!/usr/bin/env bash
# Benchmark: evidence ingestion through `vigil central` over loopback HTTP with real signatures
# (scripts/bench/ingest_load.py), on SQLite and on PostgreSQL. Reports bundles/s, request
# latency and the server's peak memory. Results go to docs/BENCHMARKS.md.
#
# Usage: scripts/bench/ingest-benchmark.sh [APPLIANCES] [BUNDLES_PER_APPLIANCE]
set -euo pipefail
cd "$(dirname "$0")/../.."
APPLIANCES="${1:-8}"
BUNDLES="${2:-2000}"
WORK="$(mktemp -d /tmp/vigil-ingest.XXXXXX)"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

python3 -c 'import nacl' 2>/dev/null || python3 -m pip install -q pynacl
swift build -c release --product vigil >/dev/null
BIN="$(swift build -c release --show-bin-path)/vigil"
echo "== machine: $(nproc) cores, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ)"

run() {
  local label="$1"; shift
  local port=$((20000 + RANDOM % 30000))
  local token
  token="$("$BIN" central bootstrap --data-dir "$WORK/$label" "$@" --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')"
  "$BIN" central --data-dir "$WORK/$label" --port "$port" "$@" > "$WORK/$label.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  echo "== $label: $APPLIANCES appliances x $BUNDLES bundles x 20 records, batches of 100"
  python3 scripts/bench/ingest_load.py --url "http://127.0.0.1:$port" --token "$token" \
    --appliances "$APPLIANCES" --bundles "$BUNDLES"
  echo "server peak memory: $(grep VmHWM /proc/$pid/status)"
  kill -TERM "$pid"; wait "$pid" || true
}

run sqlite
eval "$(scripts/start-test-postgres.sh)"
DB="vigil_bench_$$"
psql "$VIGIL_TEST_POSTGRES_URL" -qc "CREATE DATABASE $DB" >/dev/null
run postgres --database-url "${VIGIL_TEST_POSTGRES_URL/\/postgres?/\/$DB?}"
psql "$VIGIL_TEST_POSTGRES_URL" -qc "DROP DATABASE $DB WITH (FORCE)" >/dev/null
