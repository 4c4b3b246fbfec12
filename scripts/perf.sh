#!/usr/bin/env bash
# Measures everything docs/PERFORMANCE.md reports, in one run on this machine:
#   1. builds datdot-node with `runtime-benchmarks` and benchmarks, on our runtime,
#      `pallet_balances` and every DatDot pallet, writing their weights into
#      runtime/src/weights/ (so the runtime charges what this run measured), and the scale
#      benchmark of one block's challenges at 10 … 1,000,000 checked positions;
#   2. builds the workspace again (the weights just written) and computes each call's worst-case
#      weight beside `transfer_keep_alive` (runtime/tests/performance.rs);
#   3. runs the throughput measurement on `datdot-node --dev` with the real provider daemons
#      (tests/e2e/throughput.js): storage-proof answers and balance transfers per second;
#   4. writes the figures into docs/PERFORMANCE.md, between its `perf:begin` and `perf:end`
#      marks, and keeps the raw results in $PERF_DIR (default $CARGO_TARGET_DIR/perf).
#
#   ./scripts/perf.sh                  # everything (about two hours on 2 cores)
#   STEPS=10 REPEAT=5 ./scripts/perf.sh
#   PERF_SKIP_WEIGHTS=1 ./scripts/perf.sh   # only steps 2-4, from the weights already there
#   PERF_PALLETS="pallet_datdot_proofs scale" ./scripts/perf.sh   # benchmark only these
#     pallets ("scale": the scale benchmarks), after changing them, keeping the others' results
#     from an earlier run in $PERF_DIR;
#     $PERF_DIR/times.txt says when each was measured, and the report prints it.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
# shellcheck source=env.sh
source "$here/env.sh"
cd "$DATDOT_ROOT"

steps="${STEPS:-20}"
repeat="${REPEAT:-10}"
out="${PERF_DIR:-$CARGO_TARGET_DIR/perf}"
mkdir -p "$out"
step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }
started="$(date -u +%s)"

if [ -z "${PERF_SKIP_WEIGHTS:-}" ]; then
  step "datdot-node with runtime-benchmarks"
  # As scripts/benchmark.sh: the benchmark CLI's own test runtime needs the build without the
  # workspace hint.
  env -u WASM_BUILD_WORKSPACE_HINT cargo build --release --locked -p datdot-node \
    --features runtime-benchmarks
  node="$CARGO_TARGET_DIR/release/datdot-node"
  "$node" --version >"$out/node-version.txt"
  lscpu | grep -E '^(Model name|CPU\(s\))' >"$out/machine.txt" || true

  all="pallet_balances pallet_datdot_accounts pallet_datdot_roles pallet_datdot_plans
    pallet_datdot_hosting pallet_datdot_proofs pallet_datdot_scheduler pallet_datdot_benchmarks
    scale"
  selected=" $(printf '%s ' ${PERF_PALLETS:-$all}) "
  [ -n "${PERF_PALLETS:-}" ] || : >"$out/times.txt"
  # When each benchmark ran: "<name> <date> <from> – <to> UTC", one line each.
  measured() {
    sed -i "/^$1 /d" "$out/times.txt"
    echo "$1 $2 – $(date -u +%H:%M) UTC" >>"$out/times.txt"
  }
  bench() {
    local pallet="$1" steps="$2" repeat="$3" from
    shift 3
    case "$selected" in *" $pallet "*) ;; *) return 0 ;; esac
    step "benchmark $pallet (steps $steps, repeat $repeat)"
    from="$(date -u '+%Y-%m-%d %H:%M')"
    "$node" benchmark pallet --chain dev --pallet "$pallet" --extrinsic '*' \
      --steps "$steps" --repeat "$repeat" --wasm-execution compiled --heap-pages 4096 \
      --header scripts/weights-header.txt --json-file "$out/$pallet.json" "$@"
    measured "$pallet" "$from"
  }
  # The reference call, measured on our runtime in this run.
  bench pallet_balances "$steps" "$repeat" --output runtime/src/weights/pallet_balances.rs
  for pallet in pallet_datdot_accounts pallet_datdot_roles pallet_datdot_plans \
    pallet_datdot_hosting pallet_datdot_proofs pallet_datdot_scheduler; do
    bench "$pallet" "$steps" "$repeat" --output "runtime/src/weights/$pallet.rs"
  done
  # Each setup of the Benchmarks pallet's hook benchmarks takes up to 24 contracts through
  # matching and setup: half the steps and repeats keep it under half an hour.
  bench pallet_datdot_benchmarks "$(((steps + 1) / 2))" "$(((repeat + 1) / 2))" \
    --output runtime/src/weights/pallet_datdot_benchmarks.rs
  # One block's challenges at 10^1 … 10^6 positions, and at 10, 10^4 and 10^6 positions in a
  # state of the same size: measurements, not weights.
  scale() {
    case "$selected" in *" scale "*) ;; *) return 0 ;; esac
    step "scale: $1"
    local from
    from="$(date -u '+%Y-%m-%d %H:%M')"
    "$node" benchmark pallet --chain dev --pallet pallet_datdot_proofs --extrinsic "$1" --extra \
      --steps "$2" --repeat "${SCALE_REPEAT:-5}" --wasm-execution compiled --heap-pages 4096 \
      --json-file "$out/$1.json" | tee "$out/$1.txt"
    measured "$1" "$from"
  }
  scale challenge_block_at_scale 6
  scale challenge_block_at_scale_same_state 3
  printf '{"date": "%s", "steps": %s, "repeat": %s, "scale_repeat": %s}\n' \
    "$(date -u +%Y-%m-%d)" "$steps" "$repeat" "${SCALE_REPEAT:-5}" >"$out/run.json"
fi

step "workspace with the new weights; each call's worst case beside a transfer"
cargo test --release --locked --workspace --no-run
DATDOT_PERF_TABLE="$out/calls.md" cargo test --release --locked -p datdot-runtime \
  --test performance -- --nocapture

step "throughput on datdot-node --dev: storage-proof answers and transfers per second"
(
  cd tests/e2e
  npm ci --no-audit --no-fund
  DATDOT_THROUGHPUT_OUT="$out/throughput.json" npm run throughput
)

step "docs/PERFORMANCE.md"
node scripts/perf-report.mjs "$out" docs/PERFORMANCE.md
echo "perf.sh took $(( ($(date -u +%s) - started) / 60 )) min; raw results in $out"
