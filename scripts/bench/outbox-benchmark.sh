#!/usr/bin/env bash
# Benchmark: the appliance's outbox commit rate (SQLite, WAL, synchronous=FULL) with realistic
# 20-result bundles, one bundle per commit and 25 per commit. Each bundle is sealed (RFC 8785 +
# SHA-256 + Ed25519) and durably committed before the next call. Results go to
# docs/BENCHMARKS.md.
# Usage: scripts/bench/outbox-benchmark.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product vigil-outbox-bench >/dev/null
echo "== machine: $(nproc) cores, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ), temp dir on $(df -T "${TMPDIR:-/tmp}" | awk 'NR==2 {print $2}')"
"$(swift build -c release --show-bin-path)/vigil-outbox-bench"
