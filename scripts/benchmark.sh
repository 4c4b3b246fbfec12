#!/usr/bin/env bash
# Regenerates the DatDot pallets' weights on this machine: builds datdot-node with the
# `runtime-benchmarks` feature and runs `benchmark pallet` for every DatDot pallet on the dev
# runtime, writing runtime/src/weights/pallet_datdot_*.rs.
#
#   STEPS=50 REPEAT=20 ./scripts/benchmark.sh            # all pallets
#   ./scripts/benchmark.sh pallet_datdot_proofs           # some pallets
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
# shellcheck source=env.sh
source "$here/env.sh"
cd "$DATDOT_ROOT"

steps="${STEPS:-20}"
repeat="${REPEAT:-10}"
pallets=("$@")
if [ "${#pallets[@]}" -eq 0 ]; then
  pallets=(pallet_datdot_accounts pallet_datdot_roles pallet_datdot_plans pallet_datdot_hosting
    pallet_datdot_proofs pallet_datdot_benchmarks pallet_datdot_scheduler)
fi

# `frame-benchmarking-cli` builds a Wasm test runtime of its own, which the Wasm builder cannot
# find in our workspace's metadata (it is an optional dependency), so this build goes without
# the workspace hint: the runtime's Wasm then resolves its dependencies by itself, within the
# same SDK release.
env -u WASM_BUILD_WORKSPACE_HINT cargo build --release --locked -p datdot-node --features runtime-benchmarks
node="$CARGO_TARGET_DIR/release/datdot-node"
for pallet in "${pallets[@]}"; do
  echo "[benchmark] $pallet (steps $steps, repeat $repeat)"
  "$node" benchmark pallet \
    --chain dev \
    --pallet "$pallet" \
    --extrinsic '*' \
    --steps "$steps" \
    --repeat "$repeat" \
    --wasm-execution compiled \
    --heap-pages 4096 \
    --header scripts/weights-header.txt \
    --output "runtime/src/weights/$pallet.rs"
done
