#!/usr/bin/env bash
# Sets up this machine, builds the node, the provider and the CLI (release), and runs a fresh
# development network on this machine:
#   - datdot-node --dev: one validator (Alice), blocks every 6 s with BABE + GRANDPA, RPC on
#     127.0.0.1:9944;
#   - six datdot-providers (dev accounts Alice, Bob, Charlie, Dave, Eve and Alice's stash, every
#     role, in regions u33dc, u33db and u0q), serving peers on 127.0.0.1:4001-4006.
# Then, in another terminal:   $CARGO_TARGET_DIR/release/datdot publish README.md --regions u3
# Extra arguments go to the node, e.g. `./scripts/dev.sh --consensus manual-seal-500`.
# Logs and copies go to $DATDOT_DEV_DIR (default: a new temporary directory).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
# shellcheck source=env.sh
source "$here/env.sh"
cd "$DATDOT_ROOT"
cargo build --release --locked -p datdot-node -p datdot-network
bin="$CARGO_TARGET_DIR/release"
work="${DATDOT_DEV_DIR:-$(mktemp -d -t datdot-dev-XXXXXX)}"
mkdir -p "$work"

pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
}
trap cleanup EXIT INT TERM

"$bin/datdot-node" --dev --rpc-port 9944 "$@" >"$work/node.log" 2>&1 &
pids+=("$!")

providers=("//Alice u33dc" "//Bob u33dc" "//Charlie u33db" "//Dave u33db" "//Eve u0q" "//Alice//stash u0q")
port=4001
for entry in "${providers[@]}"; do
  read -r suri location <<<"$entry"
  name="$(echo "$suri" | tr -d '/' | tr '[:upper:]' '[:lower:]')"
  "$bin/datdot-provider" --node ws://127.0.0.1:9944 --suri "$suri" --location "$location" \
    --data "$work/$name" --listen "127.0.0.1:$port" >"$work/$name.log" 2>&1 &
  pids+=("$!")
  port=$((port + 1))
done

cat <<EOF
DatDot dev network: node on ws://127.0.0.1:9944, providers on 127.0.0.1:4001-4006
logs and copies: $work

  $bin/datdot publish README.md --regions u3      # host a file (prints its plan id)
  $bin/datdot status <plan>                       # contracts, hosters, proofs, ratings
  $bin/datdot get <plan> copy-of-README.md        # read it back from the hosters

Ctrl-C stops everything.
EOF
tail -n +1 -f "$work/node.log" &
pids+=("$!")
wait "${pids[0]}"
