#!/usr/bin/env bash
# Benchmark: the appliance's HostScanner against N real sshd hosts on loopback (each in its own
# mount namespace with its own files), 20 checks per host over one SSH connection each, and the
# peak resident memory of the scanning process. Needs root and OpenSSH server.
# Usage: scripts/bench/scan-benchmark.sh [HOSTS] [CONCURRENCY] [ROUNDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
swift build -c release --product vigil-scan-bench >/dev/null
echo "== machine: $(nproc) cores, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ)"
"$(swift build -c release --show-bin-path)/vigil-scan-bench" --hosts "${1:-100}" --concurrency "${2:-16}" --rounds "${3:-3}"
