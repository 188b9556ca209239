#!/usr/bin/env bash
# Checks the skip-or-fail rule of scripts/lib.sh on the scripts that use it
# (a few seconds; nothing is built). With the pinned nightly pointed at a
# toolchain that is not installed, or that lacks a component:
#   - under CI=true each deep check (miri, tsan, tsan-cpp, fuzz) fails, says
#     why, and runs nothing;
#   - without CI it prints SKIPPED and succeeds;
#   - .ci/run sets CI=true itself: through run-tests.sh and reliability.sh
#     (every other section skipped by FFI_TASKS_SKIP and
#     FFI_TASKS_RELIABILITY_SKIP) the Miri section fails.
#
#   bash scripts/test-gates.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
# Never let rustup download the made-up toolchain below.
export RUSTUP_AUTO_INSTALL=0

missing=nightly-1999-01-01
failures=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT

# expect <exit code: 0 or "fail"> <text the output must contain> <command...>
expect() {
  local want=$1 text=$2 rc=0
  shift 2
  "$@" >"$out" 2>&1 || rc=$?
  if { [[ $want == 0 && $rc -ne 0 ]] || [[ $want == fail && $rc -eq 0 ]]; } ||
    ! grep -qF -- "$text" "$out"; then
    printf 'test-gates: FAIL: %s\n  wanted exit %s and "%s", got exit %d:\n' "$*" "$want" "$text" "$rc" >&2
    sed 's/^/    | /' "$out" | tail -n 15 >&2
    failures=$((failures + 1))
  else
    printf 'test-gates: ok: %-40s exit %d, "%s"\n' "$*" "$rc" "$text"
  fi
}

for check in miri tsan tsan-cpp fuzz; do
  expect fail "CI=true, so this check may not be skipped" \
    env CI=true FFI_TASKS_NIGHTLY=$missing bash "scripts/$check.sh"
  expect 0 "SKIPPED: $check.sh: toolchain $missing not installed" \
    env -u CI FFI_TASKS_NIGHTLY=$missing bash "scripts/$check.sh"
done

# An installed toolchain without the component: stable never has miri.
expect fail "stable has no miri component" env CI=true FFI_TASKS_NIGHTLY=stable bash scripts/miri.sh
expect 0 "SKIPPED: miri.sh: stable has no miri component" \
  env -u CI FFI_TASKS_NIGHTLY=stable bash scripts/miri.sh

# .ci/run gates by itself: CI unset in its environment.
expect fail "CI=true, so this check may not be skipped" \
  env -u CI FFI_TASKS_NIGHTLY=$missing \
  FFI_TASKS_SKIP="setup gates fmt clippy clippy-windows test test-tokio msrv cmake-default cmake-asan memcheck cross-windows cross-aarch64" \
  FFI_TASKS_RELIABILITY_SKIP="stress proptest proptest-registry faults misuse fuzz shutdown loom tsan tsan-cpp" \
  bash .ci/run

if [[ $failures -ne 0 ]]; then
  echo "test-gates: $failures check(s) failed" >&2
  exit 1
fi
echo "test-gates: the skip-or-fail rule holds"
