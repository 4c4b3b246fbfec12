#!/usr/bin/env bash
# Prepares this machine to build and test DatDot. Safe to re-run: every step checks first.
#
# - Debian/Ubuntu packages the build needs (clang for bindgen, protoc for libp2p, ...).
# - The Wasm target for the runtime, by one of two routes:
#     1. `rustup target add wasm32v1-none` (needs rustup's download server);
#     2. when that fails: Debian's `rustc-web` compiler linked as rustup toolchain `debian`,
#        with `core`/`alloc` for `wasm32v1-none` built once from its shipped sources.
#   Route 2 needs `WASM_BUILD_TOOLCHAIN=debian` at build time; `scripts/env.sh` sets it when
#   the marker file below exists, so nothing is exported behind the user's back.
# - Node.js and npm for the end-to-end tests.
set -euo pipefail

say() { printf '[setup] %s\n' "$*"; }
here="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
state_dir="${XDG_STATE_HOME:-$HOME/.local/state}/datdot"
route2_marker="$state_dir/wasm-route-debian"
mkdir -p "$state_dir"

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; fi
fi

apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ "${#missing[@]}" -eq 0 ]; then
    say "system packages present: $*"
    return 0
  fi
  say "installing system packages: ${missing[*]}"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
}

# 1. System packages.
if command -v apt-get >/dev/null 2>&1; then
  apt_install build-essential clang libclang-dev protobuf-compiler pkg-config libssl-dev git curl \
    ca-certificates
else
  say "no apt-get: install clang, libclang, protobuf-compiler, pkg-config and libssl by hand"
fi

# 2. Rust.
if ! command -v cargo >/dev/null 2>&1; then
  if [ -x "$HOME/.cargo/bin/cargo" ]; then
    export PATH="$HOME/.cargo/bin:$PATH"
  else
    say "installing rustup (stable)"
    curl --proto '=https' --tlsv1.2 -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal
    export PATH="$HOME/.cargo/bin:$PATH"
  fi
fi
say "native toolchain: $(rustc --version)"

# 3. Wasm target.
wasm_route1_ok() { rustup target list --installed 2>/dev/null | grep -qx 'wasm32v1-none'; }

if wasm_route1_ok; then
  say "wasm route 1: rustup target wasm32v1-none already installed"
  rm -f "$route2_marker"
elif command -v rustup >/dev/null 2>&1 && rustup target add wasm32v1-none; then
  say "wasm route 1: installed rustup target wasm32v1-none"
  rm -f "$route2_marker"
else
  say "wasm route 1 unavailable (rustup could not download the target); taking route 2"
  apt_install rustc-web cargo-web rust-web-src lld-22
  sysroot=/usr/lib/rustlib
  $SUDO ln -sf /usr/lib/llvm-22/bin/lld "$sysroot/x86_64-unknown-linux-gnu/bin/rust-lld"
  if ! rustup toolchain list | grep -q '^debian'; then
    rustup toolchain link debian /usr
    say "linked Debian's rustc-web as rustup toolchain 'debian'"
  fi
  if ! ls "$sysroot/wasm32v1-none/lib/"libcore-*.rlib >/dev/null 2>&1; then
    say "building core/alloc for wasm32v1-none from Debian's rust sources (once)"
    scratch="$(mktemp -d)"
    mkdir -p "$scratch/src"
    cat >"$scratch/Cargo.toml" <<'TOML'
[package]
name = "wasm-sysroot"
version = "0.0.0"
edition = "2021"
[lib]
crate-type = ["cdylib"]
[profile.release]
panic = "abort"
lto = true
TOML
    cat >"$scratch/src/lib.rs" <<'RS'
#![no_std]
extern crate alloc;
#[panic_handler]
fn panic(_: &core::panic::PanicInfo) -> ! { loop {} }
RS
    (cd "$scratch" && RUSTC_BOOTSTRAP=1 CARGO_TARGET_DIR="$scratch/target" \
      cargo +debian build --release --target wasm32v1-none -Z build-std=core,alloc)
    $SUDO mkdir -p "$sysroot/wasm32v1-none/lib"
    $SUDO cp "$scratch"/target/wasm32v1-none/release/deps/lib{core,alloc,compiler_builtins}-*.rlib \
      "$sysroot/wasm32v1-none/lib/"
    rm -rf "$scratch"
  fi
  touch "$route2_marker"
  say "wasm route 2 ready: builds use WASM_BUILD_TOOLCHAIN=debian (set by scripts/env.sh)"
fi

# 4. Node.js for the end-to-end suite.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  apt_install nodejs npm
fi
say "node $(node --version), npm $(npm --version)"
say "done (project at $here)"
