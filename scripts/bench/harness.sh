# Shared by the Central Command benchmarks (sourced, not run): builds the release binary, starts
# `vigil central` with a fresh bootstrap on SQLite and on PostgreSQL, and calls the script's
# `load LABEL PORT TOKEN PID` for each.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
WORK="$(mktemp -d /tmp/vigil-bench.XXXXXX)"
PIDS=()
cleanup() { for pid in "${PIDS[@]}"; do kill "$pid" 2>/dev/null || true; done; rm -rf "$WORK"; }
trap cleanup EXIT

python3 -c 'import nacl' 2>/dev/null || python3 -m pip install -q pynacl
swift build -c release --product vigil >/dev/null
BIN="$(swift build -c release --show-bin-path)/vigil"
echo "== machine: $(nproc) cores, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ)"

# serve LABEL [SERVER OPTIONS…]: bootstrap, start, wait for health, run `load`, stop.
serve() {
  local label="$1"; shift
  local port=$((20000 + RANDOM % 30000))
  local token
  token="$("$BIN" central bootstrap --data-dir "$WORK/$label" "$@" --api-key --bcrypt-cost 4 --json \
    | python3 -c 'import json,sys; print(json.load(sys.stdin)["api_key"]["token"])')"
  "$BIN" central --data-dir "$WORK/$label" --port "$port" ${SERVER_OPTIONS:-} "$@" > "$WORK/$label.log" 2>&1 &
  local pid=$!
  PIDS+=("$pid")
  for _ in $(seq 1 100); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  load "$label" "$port" "$token" "$pid"
  kill -TERM "$pid"; wait "$pid" || true
}

# both: the same benchmark on SQLite, then on a fresh PostgreSQL database.
both() {
  serve sqlite
  eval "$(scripts/start-test-postgres.sh)"
  local database="vigil_bench_$$"
  psql "$VIGIL_TEST_POSTGRES_URL" -qc "CREATE DATABASE $database" >/dev/null
  serve postgres --database-url "${VIGIL_TEST_POSTGRES_URL/\/postgres?/\/$database?}"
  psql "$VIGIL_TEST_POSTGRES_URL" -qc "DROP DATABASE $database WITH (FORCE)" >/dev/null
}
