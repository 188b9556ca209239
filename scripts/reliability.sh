#!/usr/bin/env bash
# The reliability checks of docs/reliability.md, in one bounded run:
#   stress      C ABI stress test (seeded random mix; FFI_TASKS_STRESS_SEED)
#   proptest    state-machine test of the C ABI (proptest-registry: with
#               handle-registry)
#   faults      fault injection (thread creation failing, panics in user hooks)
#   misuse      misuse guard (handle-registry)
#   fuzz        (in the background) libFuzzer over random C ABI call sequences, handle-registry, ASan
#               (scripts/fuzz.sh, cargo fuzz, pinned nightly; 60 s)
#   shutdown    process exit with running and queued tasks
#   loom        loom models of the pool, the token and the handle state machine
#               (scripts/loom.sh)
#   miri        (in the background) Miri on a test subset (scripts/miri.sh)
#   tsan        ThreadSanitizer on the Rust core (scripts/tsan.sh)
#   tsan-cpp    ThreadSanitizer on the ctest suite, Rust staticlib instrumented too
#               (scripts/tsan-cpp.sh, CMake `tsan` workflow)
# fuzz, miri, tsan and tsan-cpp need the pinned nightly of scripts/lib.sh with
# miri and rust-src, and cargo-fuzz (scripts/setup-deps.sh installs them).
# Without them they print SKIPPED and pass, except under CI=true, where they
# fail.
# Stops at the first failure. The tests print their figures (operations run,
# faults injected, calls checked).
#
#   bash scripts/reliability.sh
#   FFI_TASKS_RELIABILITY_SKIP="miri loom" bash scripts/reliability.sh
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
ft_sections_begin "-----" reliability FFI_TASKS_RELIABILITY_SKIP

# Hang guard for each cargo test run (the tests bound themselves too).
t() { timeout 900 cargo test "$@"; }

features=handle-registry,fault-injection

# Sections that `cargo test --workspace` has already run with the same
# settings, when scripts/run-tests.sh calls this script right after it: listed
# in FFI_TASKS_RELIABILITY_RAN, they are not run a second time.
ran=" ${FFI_TASKS_RELIABILITY_RAN:-} "
section_once() {
  if [[ "$ran" == *" $1 "* ]]; then
    printf '\n----- reliability [%s] %s: ran in cargo test above -----\n' "$1" "$2"
    return 0
  fi
  ft_section "$@"
}

# The fuzzer and Miri each keep one core busy for minutes: they run in the
# background while the other sections use the second core.
ft_section_bg fuzz "libFuzzer on the C ABI (handle-registry, ASan; 60 s)" bash scripts/fuzz.sh
ft_section_bg miri "Miri" bash scripts/miri.sh

section_once stress "stress test (C ABI, 4 threads x 25,000 operations)" \
    t --test stress -- --nocapture
section_once proptest "proptest state machine (registry off)" \
    t --test proptest_c_abi -- --nocapture
ft_section proptest-registry "proptest state machine (handle-registry)" \
    t --features "$features" --test proptest_c_abi -- --nocapture
ft_section faults "fault injection" \
    t --features "$features" --test fault_injection -- --nocapture
ft_section misuse "misuse guard (handle-registry; stream items and handles too)" \
    t --features "$features" --test misuse --test stream --test hostile_c_abi -- --nocapture
section_once shutdown "shutdown with running tasks" \
    t --test shutdown -- --nocapture
ft_section loom "loom models" bash scripts/loom.sh
ft_section tsan "ThreadSanitizer (Rust core, std instrumented)" bash scripts/tsan.sh
ft_section tsan-cpp "ThreadSanitizer (ctest suite, C/C++ and Rust instrumented)" bash scripts/tsan-cpp.sh
ft_wait_bg

ft_sections_end
