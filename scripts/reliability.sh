#!/usr/bin/env bash
# The reliability checks of docs/reliability.md, in one bounded run:
#   stress      C ABI stress test (seeded random mix; FFI_TASKS_STRESS_SEED)
#   proptest    state-machine test of the C ABI, without and with handle-registry
#   faults      fault injection (thread creation failing, panics in user hooks)
#   misuse      misuse guard (handle-registry)
#   shutdown    process exit with running and queued tasks
#   loom        loom models of the handle state machine (scripts/loom.sh)
#   miri        Miri on a test subset (scripts/miri.sh; SKIPPED without nightly Miri)
#   tsan        ThreadSanitizer on the Rust core (scripts/tsan.sh; SKIPPED without
#               nightly rust-src)
#   tsan-cpp    ThreadSanitizer on the ctest suite, Rust staticlib instrumented too
#               (scripts/tsan-cpp.sh, CMake `tsan` workflow; SKIPPED without nightly
#               rust-src)
# Stops at the first failure. The tests print their figures (operations run,
# faults injected, calls checked).
#
#   bash scripts/reliability.sh
#   FFI_TASKS_RELIABILITY_SKIP="miri loom" bash scripts/reliability.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"

skip=" ${FFI_TASKS_RELIABILITY_SKIP:-} "
start_all=$SECONDS
timings=()

section() {
    local id=$1 title=$2
    shift 2
    if [[ "$skip" == *" $id "* ]]; then
        printf '\n----- reliability [%s] %s: skipped -----\n' "$id" "$title"
        return 0
    fi
    printf '\n----- reliability [%s] %s -----\n' "$id" "$title"
    local start=$SECONDS
    if ! "$@"; then
        printf '\n----- reliability [%s] FAILED after %ds -----\n' "$id" $((SECONDS - start)) >&2
        exit 1
    fi
    timings+=("$(printf '%-10s %4ds' "$id" $((SECONDS - start)))")
}

# Hang guard for each cargo test run (the tests bound themselves too).
t() { timeout 900 cargo test "$@"; }

features=handle-registry,fault-injection

section stress "stress test (C ABI, 4 threads x 25,000 operations)" \
    t --test stress -- --nocapture
section proptest "proptest state machine (registry off, then on)" \
    bash -c "timeout 900 cargo test --test proptest_c_abi -- --nocapture &&
             timeout 900 cargo test --features $features --test proptest_c_abi -- --nocapture"
section faults "fault injection" \
    t --features "$features" --test fault_injection -- --nocapture
section misuse "misuse guard (handle-registry)" \
    t --features "$features" --test misuse -- --nocapture
section shutdown "shutdown with running tasks" \
    t --test shutdown -- --nocapture
section loom "loom models" bash scripts/loom.sh
section miri "Miri" bash scripts/miri.sh
section tsan "ThreadSanitizer (Rust core, std instrumented)" bash scripts/tsan.sh
section tsan-cpp "ThreadSanitizer (ctest suite, C/C++ and Rust instrumented)" bash scripts/tsan-cpp.sh

printf '\n----- reliability: all passed in %ds -----\n' $((SECONDS - start_all))
printf '  %s\n' "${timings[@]}"
