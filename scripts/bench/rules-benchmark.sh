#!/usr/bin/env bash
# Benchmark: L1 decision latency, 500 rules of four conditions (eq, in, gt, regex) indexed by
# check ID, and the built-in rule set; every decision timed on its own.
# Usage: scripts/bench/rules-benchmark.sh [RULES] [DECISIONS]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product vigil-rules-bench >/dev/null
echo "== machine: $(nproc) cores, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ)"
"$(swift build -c release --show-bin-path)/vigil-rules-bench" --rules "${1:-500}" --decisions "${2:-200000}"
