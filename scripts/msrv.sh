#!/usr/bin/env bash
# Builds the library with the Rust version Cargo.toml declares (`rust-version`),
# so the declaration stays true. The library only: tests, benchmarks and the
# example crate may use newer dev-dependencies. Its own target folder, so the
# main build's cache is not invalidated. The toolchain comes from
# scripts/setup-deps.sh; without it this check is SKIPPED, or fails under CI=true.
#
#   bash scripts/msrv.sh
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

check=msrv
[ -n "$FFI_TASKS_MSRV" ] || { echo "msrv: no rust-version in Cargo.toml" >&2; exit 1; }
ft_require_command "$check" rustup "install Rust with rustup"
RUSTUP_AUTO_INSTALL=0 rustup run "$FFI_TASKS_MSRV" rustc --version >/dev/null 2>&1 ||
  ft_skip_or_fail "$check" "toolchain $FFI_TASKS_MSRV not installed" "bash scripts/setup-deps.sh"

echo "msrv: cargo +$FFI_TASKS_MSRV check -p ffi_tasks --lib (also with handle-registry, and with tokio)"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/msrv"
# Warnings are errors here too (the dependencies' are capped by cargo).
export RUSTFLAGS="${RUSTFLAGS:-} -D warnings"
RUSTUP_AUTO_INSTALL=0 cargo "+$FFI_TASKS_MSRV" check -p ffi_tasks --lib --locked
RUSTUP_AUTO_INSTALL=0 cargo "+$FFI_TASKS_MSRV" check -p ffi_tasks --lib --locked --features handle-registry
RUSTUP_AUTO_INSTALL=0 cargo "+$FFI_TASKS_MSRV" check -p ffi_tasks --lib --locked --features tokio
