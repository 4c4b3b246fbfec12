# Sourced by the other scripts: the build environment, said out loud.
# shellcheck shell=bash
export PATH="$HOME/.cargo/bin:$PATH"
DATDOT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export DATDOT_ROOT
# Builds go where the user says (CARGO_TARGET_DIR) and default to ./target.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$DATDOT_ROOT/target}"
route2_marker="${XDG_STATE_HOME:-$HOME/.local/state}/datdot/wasm-route-debian"
if [ -f "$route2_marker" ] && [ -z "${WASM_BUILD_TOOLCHAIN:-}" ]; then
  export WASM_BUILD_TOOLCHAIN=debian
  echo "[env] WASM_BUILD_TOOLCHAIN=debian (setup took wasm route 2)"
fi
# With a target directory outside the tree the Wasm builder cannot find our Cargo.lock by itself.
export WASM_BUILD_WORKSPACE_HINT="$DATDOT_ROOT"
echo "[env] CARGO_TARGET_DIR=$CARGO_TARGET_DIR"
