#!/usr/bin/env bash
# Sets up this machine and runs every test: Hypercore fixtures made by the real `hypercore`
# package, the Rust workspace (verifier, pallet, runtime and node tests) and then the end-to-end
# suite, which drives `datdot-node --dev` with polkadot.js.
# One `cargo test` builds everything once: the workspace's tests and, because `datdot-node`
# has integration tests, the node binary the end-to-end suite runs, with the same features.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
# shellcheck source=env.sh
source "$here/env.sh"
cd "$DATDOT_ROOT"

step() { printf '\n== %s (%s)\n' "$1" "$(date -u +%H:%M:%S)"; }

step "hypercore fixtures (tests/hypercore: the committed ones still match, the large ones made)"
(
  cd tests/hypercore
  npm ci --no-audit --no-fund
  npm test
  npm run fixtures -- --big
)

step "hypercore source (network/hypercore-source: serves an existing Hypercore to datdot publish)"
(
  cd network/hypercore-source
  npm ci --no-audit --no-fund
  npm test
)

step "cargo test --workspace (release; builds datdot-node too)"
cargo test --release --locked --workspace

step "every pallet's benchmarks as tests, on its mock (cargo test --features runtime-benchmarks)"
# A debug build of its own: the feature changes the SDK crates the pallets are built with, and
# nothing here needs them optimised.
cargo test --locked --features runtime-benchmarks \
  -p pallet-datdot-accounts -p pallet-datdot-roles -p pallet-datdot-plans -p pallet-datdot-hosting \
  -p pallet-datdot-proofs -p pallet-datdot-benchmarks -p pallet-datdot-scheduler

step "end-to-end suite (polkadot.js against datdot-node)"
cd tests/e2e
npm ci --no-audit --no-fund
DATDOT_NODE="$CARGO_TARGET_DIR/release/datdot-node" npm test
