#!/usr/bin/env bash
# ThreadSanitizer on the GoogleTest/ctest suite: the CMake `tsan` workflow
# (build/tsan). The C/C++ side is built with -fsanitize=thread and, through
# FFI_TASKS_TSAN_RUST, the Rust staticlib too (nightly, -Zsanitizer=thread,
# std rebuilt with -Zbuild-std). Suppressions: tests/tsan.supp.
# Prints "SKIPPED: ..." and exits 0 when nightly with rust-src is missing.
#
#   bash scripts/tsan-cpp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

sysroot="$(rustup run nightly rustc --print sysroot 2>/dev/null || true)"
if [[ -z "$sysroot" || ! -d "$sysroot/lib/rustlib/src/rust/library" ]]; then
    echo "SKIPPED: nightly toolchain with rust-src not available" \
         "(rustup toolchain install nightly --component rust-src)"
    exit 0
fi
if [[ "$(uname -m)-$(uname -s)" != "x86_64-Linux" ]]; then
    echo "SKIPPED: scripts/tsan-cpp.sh is set up for x86_64 Linux only"
    exit 0
fi

timeout 1800 cmake --workflow --preset tsan
echo "tsan-cpp.sh: no data race reported"
