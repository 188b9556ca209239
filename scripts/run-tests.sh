#!/usr/bin/env bash
# Sets up what is missing (scripts/setup-deps.sh), then runs every check:
#   the skip-or-fail rule (scripts/test-gates.sh), cargo fmt --check, cargo
#   clippy (-D warnings; also for the Windows target), cargo test, the reliability checks
#   (scripts/reliability.sh: stress, proptest, faults, misuse, fuzz, shutdown,
#   loom, Miri, ThreadSanitizer on the Rust core and on the ctest suite), the
#   CMake workflow preset `default` (C/C++ tests, consumer project), the `asan`
#   preset (ASan + UBSan), valgrind memcheck over the default build's ctest
#   suite, and the windows-wine and aarch64-qemu presets (scripts/cross.sh).
# Stops at the first failure. Used by .ci/run.
#
#   bash scripts/run-tests.sh
#   FFI_TASKS_SKIP="cmake-asan memcheck" bash scripts/run-tests.sh   # skip sections by id
#
# Section ids: setup gates fmt clippy clippy-windows test test-tokio msrv reliability
# cmake-default cmake-asan memcheck cross-windows cross-aarch64;
# reliability.sh has its own (FFI_TASKS_RELIABILITY_SKIP). With CI=true
# (.ci/run sets it) a deep check that cannot run fails instead of printing
# SKIPPED (scripts/lib.sh).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

# shellcheck source=scripts/lib.sh
source scripts/lib.sh
ft_sections_begin "=====" "" FFI_TASKS_SKIP

memcheck() {
  # ctest -T memcheck needs the build folder's DartConfiguration.tcl, so run
  # it from there. Tests that only run build tools are not checked: labels
  # `consumer` (cmake + cargo builds), `compile` (compiler invocations) and
  # `format` (clang-format).
  # `cpp-each` / `bridge-each` (one ctest per GoogleTest case) are skipped
  # too: the same tests run under valgrind as whole suites (`cpp-suite`...),
  # one valgrind start per binary instead of one per case.
  (cd build/default &&
    ctest -T memcheck -LE '^(consumer|compile|format|cpp-each|bridge-each)$' -j2 --output-on-failure)
}

# The asan preset's three steps, with the GoogleTest cases run once: as whole
# suites (`cpp-suite`, `bridge-suite`), not a second time one ctest each
# (`cpp-each`, `bridge-each`; the default preset still runs those).
asan() {
  cmake --preset asan &&
    cmake --build --preset asan &&
    ctest --preset asan -LE '^(cpp-each|bridge-each)$'
}

ft_section setup "set up missing dependencies" bash scripts/setup-deps.sh
ft_section gates "skip-or-fail rule of the deep checks (scripts/test-gates.sh)" \
  bash scripts/test-gates.sh
ft_section fmt "cargo fmt --check" cargo fmt --all -- --check
ft_section clippy "cargo clippy (all targets, all features, -D warnings)" \
  cargo clippy --workspace --all-targets --all-features -- -D warnings
# The library and its tests as compiled for Windows (cfg(unix) paths left
# out there); the benches measure with Linux clocks and are not built.
ft_section clippy-windows "cargo clippy for x86_64-pc-windows-gnu (library and tests, -D warnings)" \
  cargo clippy --workspace --lib --tests --all-features --target x86_64-pc-windows-gnu -- -D warnings
ft_section test "cargo test" cargo test --workspace
ft_section test-tokio "cargo test --features tokio (tests/async_tokio.rs only)" \
  cargo test --features tokio --test async_tokio
ft_section msrv "the library with the declared rust-version (scripts/msrv.sh)" bash scripts/msrv.sh

# ---- more Rust checks go here (loom, miri, ...): one ft_section each -------
# stress, proptest (registry off) and shutdown are integration tests that
# `cargo test --workspace` has just run: reliability.sh does not repeat them.
ft_section reliability "reliability: proptest with the registry, faults, misuse, fuzz, loom, Miri, TSan x 2 (docs/reliability.md)" \
  env FFI_TASKS_RELIABILITY_RAN="stress proptest shutdown" bash scripts/reliability.sh

ft_section cmake-default "CMake workflow preset default (build + ctest)" \
  cmake --workflow --preset default
ft_section cmake-asan "CMake preset asan (ASan + UBSan; GoogleTest as whole suites)" asan
ft_section memcheck "valgrind memcheck (ctest -T memcheck over build/default)" memcheck

# Other platforms (docs/platforms.md): x86_64 Windows under wine and aarch64
# Linux under qemu; `bash scripts/cross.sh i686-linux` and `clang-libcxx` run
# the two other presets by hand.
ft_section cross-windows "preset windows-wine (mingw-w64; tests under wine)" \
  bash scripts/cross.sh windows-wine
ft_section cross-aarch64 "preset aarch64-qemu (tests under qemu-aarch64)" \
  bash scripts/cross.sh aarch64-qemu

# ---- more C/C++ checks go here (tsan preset, stress, ...) -------------------

ft_sections_end
