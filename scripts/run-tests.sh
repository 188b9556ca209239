#!/usr/bin/env bash
# Sets up what is missing (scripts/setup-deps.sh), then runs every check:
#   cargo fmt --check, cargo clippy (-D warnings), cargo test, the CMake
#   workflow presets `default` (C/C++ tests, consumer project) and `asan`
#   (ASan + UBSan), and valgrind memcheck over the default build's ctest suite.
# Stops at the first failure. Used by .ci/run.
#
#   bash scripts/run-tests.sh
#   FFI_TASKS_SKIP="asan memcheck" bash scripts/run-tests.sh   # skip sections by id
#
# Section ids: setup fmt clippy test cmake-default cmake-asan memcheck (and
# those other steps add below).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"

skip=" ${FFI_TASKS_SKIP:-} "
start_all=$SECONDS
timings=()

# run_section <id> <title> <command...>: a banner, the command, its time.
run_section() {
  local id=$1 title=$2
  shift 2
  if [[ "$skip" == *" $id "* ]]; then
    printf '\n===== [%s] %s: skipped (FFI_TASKS_SKIP) =====\n' "$id" "$title"
    return 0
  fi
  printf '\n===== [%s] %s =====\n' "$id" "$title"
  local start=$SECONDS
  if ! "$@"; then
    printf '\n===== [%s] FAILED after %ds: %s =====\n' "$id" $((SECONDS - start)) "$title" >&2
    if [ ${#timings[@]} -gt 0 ]; then
      printf '  passed before it:\n' >&2
      printf '  %s\n' "${timings[@]}" >&2
    fi
    exit 1
  fi
  timings+=("$(printf '%-16s %4ds' "$id" $((SECONDS - start)))")
}

memcheck() {
  # ctest -T memcheck needs the build folder's DartConfiguration.tcl, so run
  # it from there. Tests that only run build tools are not checked: labels
  # `consumer` (cmake + cargo builds) and `compile` (compiler invocations).
  # `cpp-each` / `bridge-each` (one ctest per GoogleTest case) are skipped
  # too: the same tests run under valgrind as whole suites (`cpp-suite`...),
  # one valgrind start per binary instead of one per case.
  (cd build/default &&
    ctest -T memcheck -LE '^(consumer|compile|cpp-each|bridge-each)$' -j2 --output-on-failure)
}

run_section setup "set up missing dependencies" bash scripts/setup-deps.sh
run_section fmt "cargo fmt --check" cargo fmt --all -- --check
run_section clippy "cargo clippy (all targets, -D warnings)" \
  cargo clippy --workspace --all-targets -- -D warnings
run_section test "cargo test" cargo test --workspace

# ---- more Rust checks go here (loom, miri, ...): one run_section each -------
run_section reliability "reliability: stress, proptest, faults, misuse, shutdown, loom, miri (docs/reliability.md)" bash scripts/reliability.sh

run_section cmake-default "CMake workflow preset default (build + ctest)" \
  cmake --workflow --preset default
run_section cmake-asan "CMake workflow preset asan (ASan + UBSan)" \
  cmake --workflow --preset asan
run_section memcheck "valgrind memcheck (ctest -T memcheck over build/default)" memcheck

# ---- more C/C++ checks go here (tsan preset, stress, ...) -------------------

printf '\n===== all checks passed in %ds =====\n' $((SECONDS - start_all))
printf '  %s\n' "${timings[@]}"
