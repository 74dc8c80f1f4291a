#!/usr/bin/env bash
# Benchmark: CPU time and resident memory of an idle `vigil appliance` (check-ins every 60 s ±
# 10 %, no hosts, scans hourly) against a local `vigil central`, measured from /proc between the
# end of start-up and SECONDS later. Time sources: three chronyd on loopback when installed.
# Usage: scripts/bench/idle-appliance.sh [SECONDS]
set -euo pipefail
cd "$(dirname "$0")/../.."
span="${1:-300}"
swift build -c release --product vigil >/dev/null 2>&1
vigil="$(swift build -c release --show-bin-path)/vigil"
work="$(mktemp -d /tmp/vigil-idle.XXXXXX)"
port=$((20000 + RANDOM % 20000))
cleanup() { kill -9 "${central:-0}" "${appliance:-0}" ${chrony:-} 2>/dev/null || true; }
trap cleanup EXIT
key="$("$vigil" central bootstrap --data-dir "$work/central" --api-key --json | jq -r .api_key.token)"
"$vigil" central --data-dir "$work/central" --port "$port" --log-level warning >"$work/central.log" 2>&1 &
central=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
export VIGIL_URL="http://127.0.0.1:$port" VIGIL_API_KEY="$key"
partner="$("$vigil" admin partner create "Bench MSP" --json | jq -r .id)"
client="$("$vigil" admin client create --partner "$partner" "Bench Practice" --json | jq -r .id)"
site="$("$vigil" admin site create --client "$client" --time-zone UTC Main --json | jq -r .id)"
code="$("$vigil" admin claim-code create --site "$site" --json | jq -r .code)"
servers="127.0.0.1:1"
chrony=""
if command -v chronyd >/dev/null; then
  servers=""
  for i in 1 2 3; do
    p=$((port + i)); mkdir -p "$work/chrony$i"
    printf 'port %s\nbindaddress 127.0.0.1\nallow 127.0.0.1\nlocal stratum 8\ncmdport 0\npidfile %s\n' \
      "$p" "$work/chrony$i/pid" >"$work/chrony$i/conf"
    chronyd -d -x -f "$work/chrony$i/conf" >/dev/null 2>&1 &
    chrony="$chrony $!"
    servers="$servers${servers:+,}127.0.0.1:$p"
  done
fi
cat >"$work/appliance.conf" <<CONF
server-url = "http://127.0.0.1:$port"
data-dir = "$work/appliance"
claim-code = "$code"
time-servers = $servers
scan-interval = 3600
log-level = warning
CONF
"$vigil" appliance --config "$work/appliance.conf" >"$work/appliance.log" 2>&1 &
appliance=$!
sleep 15
ticks() { awk '{print $14 + $15}' "/proc/$appliance/stat"; }
start="$(ticks)"
sleep "$span"
end="$(ticks)"
hz="$(getconf CLK_TCK)"
echo "== machine: $(nproc) cores, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ)"
awk -v s="$start" -v e="$end" -v hz="$hz" -v span="$span" 'BEGIN {
  cpu = (e - s) / hz; printf "idle appliance: %.2f s CPU in %d s (%.3f%% of one core, %.0f ms per check-in)\n", cpu, span, 100 * cpu / span, 1000 * cpu / (span / 60) }'
grep -E 'VmRSS|VmHWM' "/proc/$appliance/status"
