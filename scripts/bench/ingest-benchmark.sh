#!/usr/bin/env bash
# Benchmark: evidence ingestion through `vigil central` over loopback HTTP with real signatures
# (scripts/bench/ingest_load.py), on SQLite and on PostgreSQL. Reports bundles/s, request
# latency and the server's peak memory. Results go to docs/BENCHMARKS.md.
#
# Usage: scripts/bench/ingest-benchmark.sh [APPLIANCES] [BUNDLES_PER_APPLIANCE]
APPLIANCES="${1:-8}"
BUNDLES="${2:-2000}"
source "$(dirname "$0")/harness.sh"

load() {
  local label="$1" port="$2" token="$3" pid="$4"
  echo "== $label: $APPLIANCES appliances x $BUNDLES bundles x 20 records, batches of 100"
  python3 scripts/bench/ingest_load.py --url "http://127.0.0.1:$port" --token "$token" \
    --appliances "$APPLIANCES" --bundles "$BUNDLES"
  echo "server peak memory: $(grep VmHWM /proc/$pid/status)"
}

both
