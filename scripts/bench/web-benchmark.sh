#!/usr/bin/env bash
# Benchmark: the fleet overview (GET /) with SITES sites of HOSTS hosts each in a real SQLite
# database (PostgreSQL when VIGIL_BENCH_POSTGRES_URL is set), through Central Command's router
# with a real session; and the pure render of the same model size.
# Usage: scripts/bench/web-benchmark.sh [SITES] [HOSTS_PER_SITE] [REQUESTS]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product vigil-web-bench >/dev/null
echo "== machine: $(nproc) cores, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ)"
"$(swift build -c release --show-bin-path)/vigil-web-bench" "${1:-1000}" "${2:-25}" "${3:-50}"
