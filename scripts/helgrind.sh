#!/usr/bin/env bash
# Helgrind (valgrind --tool=helgrind) over the GoogleTest/ctest suite: the
# CMake `helgrind` preset (build/helgrind). Helgrind only understands pthread
# calls, so that build annotates what it cannot see:
#   - the Rust crates' mutexes, condition variables, atomics, Arc and OnceLock
#     (cargo feature `helgrind`, src/sync/helgrind.rs);
#   - libstdc++'s shared_ptr reference counts (cmake/helgrind_annotations.h);
#   - the C++ headers' std::stop_callback hand-off (ffi_tasks/detail/annotate.hpp).
# tests/helgrind.supp holds what is left: standard-library internals (future,
# stop_token, libgcc's unwinder, Rust's backtrace flag), each entry explained.
#
# First the Rust test suite on the annotated primitives, then a canary: a program with one deliberate race through the library must
# make Helgrind fail, with the race on the canary's own lines; only then is a
# clean run of the suite worth anything. Then every suite binary runs under
# Helgrind (ctest -T memcheck with the preset's --tool=helgrind options;
# --error-exitcode=1 fails a test on any report).
#
#   bash scripts/helgrind.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# A panicking test task would otherwise symbolise a backtrace under Helgrind
# (slow, and std's symboliser caches are not annotated).
export RUST_BACKTRACE=0

# The annotated primitives behave as std's (natively the annotations are
# no-ops): clippy on that flavour of the crate, then the whole Rust test
# suite on it (their own unit tests included).
cargo clippy --features helgrind --all-targets -- -D warnings
timeout 900 cargo test --workspace --features ffi_tasks/helgrind

cmake --preset helgrind
cmake --build --preset helgrind

log="build/helgrind/helgrind_canary.log"
set +e
valgrind --tool=helgrind --error-exitcode=3 --suppressions=tests/helgrind.supp \
    build/helgrind/tests/cpp/ffi_tasks_helgrind_canary >"$log" 2>&1
rc=$?
set -e
if [[ $rc -ne 3 ]] || ! grep -q "Possible data race" "$log" ||
    ! grep -q "helgrind_canary.cpp" "$log"; then
    cat "$log" >&2
    echo "helgrind.sh: the canary's deliberate race was NOT reported (exit $rc):" \
         "the Helgrind setup cannot be trusted" >&2
    exit 1
fi
echo "helgrind.sh: canary OK (its deliberate race was reported)"

# Same selection as the memcheck run in scripts/run-tests.sh: whole suites,
# not one valgrind start per GoogleTest case, and no build-tool tests.
(cd build/helgrind &&
    ctest -T memcheck -LE '^(consumer|compile|cpp-each|bridge-each)$' -j2 --output-on-failure)
echo "helgrind.sh: no data race reported"
