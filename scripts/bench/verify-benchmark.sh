#!/usr/bin/env bash
# Benchmark: `vigil verify` over 1,000,000 check records (50,000 bundles × 20 records, chained,
# checkpointed every 1,000) read from disk, against the naive PyNaCl loop on the same set, plus
# the evidence primitives' throughput. Results are for docs/BENCHMARKS.md.
#
# Usage: scripts/bench/verify-benchmark.sh [BUNDLES] [RECORDS]
# Needs: a release build (done here), python3 with PyNaCl (installed here if missing), GNU time.
set -euo pipefail
cd "$(dirname "$0")/../.."
BUNDLES="${1:-50000}"
RECORDS="${2:-20}"
WORK="${BENCH_DIR:-$(mktemp -d /tmp/vigil-bench.XXXXXX)}"
trap 'rm -rf "$WORK"' EXIT

python3 -c 'import nacl' 2>/dev/null || python3 -m pip install -q pynacl
swift build -c release --product vigil >/dev/null
swift build -c release --product vigil-bench >/dev/null
BIN="$(swift build -c release --show-bin-path)"

echo "== machine: $(nproc) cores, $(uname -srm), $(date -u +%Y-%m-%dT%H:%MZ)"
echo "== primitives (one core)"
"$BIN/vigil-bench"

echo "== writing ${BUNDLES} bundles x ${RECORDS} records"
"$BIN/vigil" evidence sample --bundles "$BUNDLES" --records "$RECORDS" --out "$WORK/set" --json
du -sh "$WORK/set/bundles"

echo "== naive baseline: PyNaCl (libsodium) Ed25519 per bundle, bytes in memory, $(nproc) processes"
BASE_JSON="$(python3 scripts/bench/naive_pynacl.py "$WORK/set" "$(nproc)")"
echo "$BASE_JSON"

echo "== vigil verify (complete verification from disk), 5 runs"
BEST=""
for run in 1 2 3 4 5; do
  /usr/bin/time -f "%e s elapsed, %M KB max RSS, %P CPU" -o "$WORK/time.txt" \
    "$BIN/vigil" verify "$WORK/set" --json >"$WORK/report.json"
  SECONDS_TAKEN="$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["duration_seconds"])' "$WORK/report.json")"
  echo "run $run: verify ${SECONDS_TAKEN} s; $(cat "$WORK/time.txt")"
  if [ -z "$BEST" ] || python3 -c "import sys; sys.exit(0 if float(sys.argv[1]) < float(sys.argv[2]) else 1)" "$SECONDS_TAKEN" "$BEST"; then
    BEST="$SECONDS_TAKEN"
  fi
done
python3 - "$WORK/report.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
assert r["verified"], r["failures"][:5]
print(f'verified={r["verified"]} bundles={r["bundles"]} bytes={r["bytes"]} by_checkpoint={r["authenticated_by_checkpoint"]} by_signature={r["authenticated_by_signature"]} checkpoints={r["checkpoints"]["verified"]}')
PY

echo "== vigil verify --all-signatures (every bundle's own signature too)"
/usr/bin/time -f "%e s elapsed, %M KB max RSS, %P CPU" "$BIN/vigil" verify "$WORK/set" --all-signatures --json \
  | python3 -c 'import json,sys; r=json.load(sys.stdin); print("all-signatures:", r["duration_seconds"], "s, verified:", r["verified"])'

echo "== memory flatness: verify a 1/5 subset"
SMALL=$((BUNDLES / 5))
"$BIN/vigil" evidence sample --bundles "$SMALL" --records "$RECORDS" --out "$WORK/small" >/dev/null
/usr/bin/time -f "%e s elapsed, %M KB max RSS" "$BIN/vigil" verify "$WORK/small" >/dev/null

python3 - "$BASE_JSON" "$BEST" <<'PY'
import json, sys
base = json.loads(sys.argv[1]); best = float(sys.argv[2])
print(f'== result: naive loop {base["seconds"]:.3f} s, vigil verify best {best:.3f} s, ratio {base["seconds"] / best:.2f}x')
PY
