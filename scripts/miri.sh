#!/usr/bin/env bash
# Runs a bounded subset of the Rust test suite under Miri (undefined
# behaviour, data races, invalid pointer use), on the pinned nightly of
# scripts/lib.sh with its miri and rust-src components (scripts/setup-deps.sh
# installs them). Without them it prints "SKIPPED: ..." and exits 0, or fails
# under CI=true.
#
# What runs: the library's unit tests (not the timing-driven pool tests), the
# C ABI / TaskHandle / token / error-handling / stream integration tests (not
# the two streams of hundreds of items), the hostile-use tests whose defects
# only Miri sees (callbacks that free their own handle), a short
# stress run, and with `handle-registry,fault-injection` the misuse, fault
# injection and (few-case) proptest suites. Not under Miri: tests that start
# child processes (shutdown, RLIMIT_NPROC), call C++ (the bridge's C++ half),
# or run very long loops (a 100,000-deep token chain, 2,000-task pool runs).
#
# Leak checking is off (-Zmiri-ignore-leaks): the global pool's worker threads
# are still alive when a test binary's main returns, which Miri would
# otherwise report. Allow a few minutes.
#
#   bash scripts/miri.sh
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=scripts/lib.sh
source scripts/lib.sh
ft_require_nightly miri.sh miri rust-src
nightly="+$FFI_TASKS_NIGHTLY"

# Builds Miri's sysroot once (a no-op afterwards).
cargo "$nightly" miri setup >/dev/null

export MIRIFLAGS="${MIRIFLAGS:-} -Zmiri-ignore-leaks -Zmiri-permissive-provenance \
-Zmiri-env-forward=PROPTEST_CASES -Zmiri-env-forward=FFI_TASKS_STRESS_OPS \
-Zmiri-env-forward=FFI_TASKS_STRESS_THREADS"
export PROPTEST_CASES="${PROPTEST_CASES:-4}"
export FFI_TASKS_STRESS_OPS="${FFI_TASKS_STRESS_OPS:-60}"
export FFI_TASKS_STRESS_THREADS="${FFI_TASKS_STRESS_THREADS:-2}"

# Hang guard per run; Miri is slow but these finish in well under a minute each.
limit=900

echo "== miri: library unit tests and core integration tests (default features)"
timeout "$limit" cargo "$nightly" miri test \
    --lib --test c_abi --test c_abi_concurrency --test task_handle --test token \
    --test error_handling --test auto_traits --test seed_example --test stress --test stream \
    --test hostile_streams --test hostile_c_abi --test hostile_inline_executor \
    -- --skip pool::tests --skip very_deep_chain \
    --skip an_async_stream_delivers --skip capacity_zero_counts_as_one

echo "== miri: misuse guard, fault injection, proptest (handle-registry, fault-injection)"
timeout "$limit" cargo "$nightly" miri test --features handle-registry,fault-injection \
    --test misuse --test fault_injection --test proptest_c_abi \
    -- --skip thread_limit_in_a_child_process --skip rlimit_nproc_child

echo "miri.sh: all Miri runs passed"
