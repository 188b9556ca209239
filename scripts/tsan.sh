#!/usr/bin/env bash
# ThreadSanitizer on the Rust core, fully instrumented: std rebuilt with
# -Zsanitizer=thread (-Zbuild-std, nightly + rust-src), and the cxx bridge's
# C++ half compiled with -fsanitize=thread. Runs the concurrency tests: the C ABI
# stress test, the concurrent C ABI tests and the proptest state machine.
# Prints "SKIPPED: ..." and exits 0 when nightly with rust-src is missing.
#
# (The CMake `tsan` preset instruments only the C/C++ side; with the Rust
# staticlib uninstrumented, TSan cannot see Rust's synchronisation and reports
# false races on memory handed between a caller and a worker.)
#
#   bash scripts/tsan.sh
set -euo pipefail
cd "$(dirname "$0")/.."

target=x86_64-unknown-linux-gnu
sysroot="$(rustc +nightly --print sysroot 2>/dev/null || true)"
if [[ -z "$sysroot" || ! -d "$sysroot/lib/rustlib/src/rust/library" ]]; then
    echo "SKIPPED: nightly toolchain with rust-src not available" \
         "(rustup toolchain install nightly --component rust-src)"
    exit 0
fi
if [[ "$(uname -m)-$(uname -s)" != "x86_64-Linux" ]]; then
    echo "SKIPPED: scripts/tsan.sh is set up for $target only"
    exit 0
fi

export RUSTFLAGS="${RUSTFLAGS:-} -Zsanitizer=thread"
export CFLAGS="${CFLAGS:-} -fsanitize=thread"
export CXXFLAGS="${CXXFLAGS:-} -fsanitize=thread"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/tsan"
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=1:second_deadlock_stack=1}"
export FFI_TASKS_STRESS_OPS="${FFI_TASKS_STRESS_OPS:-5000}"

timeout 1200 cargo +nightly test -Zbuild-std --target "$target" \
    --test stress --test c_abi_concurrency --test proptest_c_abi -- --nocapture
echo "tsan.sh: no data race reported"
