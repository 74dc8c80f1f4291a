#!/usr/bin/env bash
# Benchmark: time from drift injection to a verified heal Central Command holds — real `vigil
# central`, real sshd hosts, the appliance daemon; an order-triggered scan and the 60 s cycle.
# Needs root, OpenSSH server, chrony and sudo.
# Usage: scripts/bench/heal-time.sh [SAMPLES] [CYCLE_SECONDS] [both|order|cycle]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product vigil >/dev/null
swift build -c release --product vigil-heal-bench >/dev/null
echo "== machine: $(nproc) cores, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ)"
"$(swift build -c release --show-bin-path)/vigil-heal-bench" --samples "${1:-8}" --cycle "${2:-60}" --mode "${3:-both}"
