#!/usr/bin/env bash
# Sets up this machine, builds the node (release) and runs a fresh development chain:
# one validator (Alice), blocks every 6 s with BABE + GRANDPA, RPC on 127.0.0.1:9944.
# Extra arguments go to the node, e.g. `./scripts/dev.sh --consensus manual-seal-500`.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
# shellcheck source=env.sh
source "$here/env.sh"
cd "$DATDOT_ROOT"
cargo build --release --locked -p datdot-node
exec "$CARGO_TARGET_DIR/release/datdot-node" --dev --rpc-port 9944 "$@"
