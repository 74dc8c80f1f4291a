#!/usr/bin/env bash
# Benchmark: appliance check-ins through `vigil central` over loopback HTTP with real enrolment
# and real request signatures, on SQLite and on PostgreSQL. scripts/bench/checkin_load.py sets
# up the tenant, enrols the appliances, verifies one answer each and pre-signs the requests;
# wrk replays them (scripts/bench/checkin.lua). Reports check-ins/s, latency percentiles and
# the server's memory. Results go to docs/BENCHMARKS.md.
#
# Each appliance has its own site (as in the field: one appliance per practice) and the
# appliance-record cache is off (--cache-seconds 0), so every check-in reads its appliance, its
# orders and its site's snapshot revision from the database as it would when 120,000 appliances
# check in once a minute. (The opened site snapshot is reused while its revision holds; the
# first check-in of each site in the setup phase fills it.)
#
# Usage: scripts/bench/checkin-benchmark.sh [APPLIANCES] [REQUESTS] [CONNECTIONS]
APPLIANCES="${1:-1000}"
REQUESTS="${2:-130000}"
CONNECTIONS="${3:-32}"
SERVER_OPTIONS="--cache-seconds 0"
command -v wrk >/dev/null || apt-get install -y -qq wrk >/dev/null
source "$(dirname "$0")/harness.sh"

load() {
  local label="$1" port="$2" token="$3" pid="$4"
  echo "== $label: $APPLIANCES appliances, $REQUESTS check-ins, $CONNECTIONS connections"
  (cd scripts/bench && python3 checkin_load.py --url "http://127.0.0.1:$port" --token "$token" \
    --appliances "$APPLIANCES" --requests "$REQUESTS" --out "$WORK/requests.bin")
  echo "server memory before load: $(grep VmRSS /proc/$pid/status)"
  wrk -t 2 -c "$CONNECTIONS" -d 60s --latency -s scripts/bench/checkin.lua "http://127.0.0.1:$port" \
    -- "$WORK/requests.bin" 2 | grep -v '^  Thread Stats\|^    Avg\|^    Req/Sec'
  echo "server memory after load: $(grep VmRSS /proc/$pid/status), peak $(grep VmHWM /proc/$pid/status)"
}

both
