#!/usr/bin/env bash
# Sets up this machine, builds the node, the provider and the CLI (release), and runs a fresh
# development network on this machine:
#   - datdot-node --dev: one validator (Alice), blocks every 6 s with BABE + GRANDPA, RPC on
#     127.0.0.1:9944;
#   - nine datdot-providers of dev accounts, serving peers on 127.0.0.1:4001-4009: six hosters
#     and encoders (Alice, Bob, Charlie in region u33dc; Dave, Eve, Alice's stash in u33db) and
#     three attestors (the stashes of Bob, Charlie and Dave). A contract of three hosters takes
#     three hosters, three encoders and three attestors, all different accounts.
# Then, in another terminal:   $CARGO_TARGET_DIR/release/datdot publish README.md --regions u3
# Extra arguments go to the node, e.g. `./scripts/dev.sh --consensus manual-seal-500`.
# Logs and copies go to $DATDOT_DEV_DIR (default: a new temporary directory).
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
"$here/setup.sh"
# shellcheck source=env.sh
source "$here/env.sh"
cd "$DATDOT_ROOT"
# The same single build as scripts/test.sh (docs/BUILD.md): a `cargo build` of the binaries alone
# would compile the client a second time with other features.
cargo test --release --locked --workspace --no-run
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

providers=(
  "//Alice u33dc hoster,encoder" "//Bob u33dc hoster,encoder" "//Charlie u33dc hoster,encoder"
  "//Dave u33db hoster,encoder" "//Eve u33db hoster,encoder" "//Alice//stash u33db hoster,encoder"
  "//Bob//stash u33dc attestor" "//Charlie//stash u33dc attestor" "//Dave//stash u33db attestor"
)
port=4001
for entry in "${providers[@]}"; do
  read -r suri location roles <<<"$entry"
  name="$(echo "$suri" | tr -s '/' '-' | sed 's/^-//' | tr '[:upper:]' '[:lower:]')"
  "$bin/datdot-provider" --node ws://127.0.0.1:9944 --suri "$suri" --location "$location" \
    --roles "$roles" --data "$work/$name" --listen "127.0.0.1:$port" >"$work/$name.log" 2>&1 &
  pids+=("$!")
  port=$((port + 1))
done

cat <<EOF
DatDot dev network: node on ws://127.0.0.1:9944, providers on 127.0.0.1:4001-4009
logs and copies: $work

  $bin/datdot publish README.md --regions u3      # host a file (prints its plan id)
  $bin/datdot status <plan>                       # contracts, hosters, proofs, ratings
  $bin/datdot get <plan> copy-of-README.md        # read it back from the hosters

Ctrl-C stops everything.
EOF
tail -n +1 -f "$work/node.log" &
pids+=("$!")
wait "${pids[0]}"
