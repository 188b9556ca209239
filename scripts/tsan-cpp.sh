#!/usr/bin/env bash
# ThreadSanitizer on the GoogleTest/ctest suite: the CMake `tsan` workflow
# (build/tsan). The C/C++ side is built with -fsanitize=thread and, through
# FFI_TASKS_TSAN_RUST, the Rust staticlib too (nightly, -Zsanitizer=thread,
# std rebuilt with -Zbuild-std). Suppressions: tests/tsan.supp.
# Needs the pinned nightly of scripts/lib.sh with rust-src (passed to CMake as
# FFI_TASKS_TSAN_RUST_TOOLCHAIN): without it, prints "SKIPPED: ..." and exits
# 0, or fails under CI=true.
#
#   bash scripts/tsan-cpp.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
ft_require_nightly tsan-cpp.sh rust-src
ft_require_x86_64_linux tsan-cpp.sh
ft_require_command tsan-cpp.sh cmake "bash scripts/setup-deps.sh"
sysroot="$(rustup run "$FFI_TASKS_NIGHTLY" rustc --print sysroot)"

# The `tsan` workflow's three steps, so that the configure step can name the
# pinned toolchain (also over a cache left by an earlier configure).
timeout 300 cmake --preset tsan -DFFI_TASKS_TSAN_RUST_TOOLCHAIN="$FFI_TASKS_NIGHTLY" \
    -DRust_COMPILER="$sysroot/bin/rustc" -DRust_CARGO="$sysroot/bin/cargo"
timeout 1800 cmake --build --preset tsan
# Every GoogleTest case once, as whole suites (cpp-suite, bridge-suite), not
# a second time one ctest each (cpp-each, bridge-each).
timeout 1200 ctest --preset tsan -LE '^(cpp-each|bridge-each)$'
echo "tsan-cpp.sh: no data race reported"
