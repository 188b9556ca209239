#!/usr/bin/env bash
# Model-checks the handle state machine (src/completion.rs) with loom: every
# interleaving of completion, cancellation, callback registration, destroy and
# taking the result.
#
# The crate's cfg is `ffi_tasks_loom`, not `loom`: a plain `--cfg loom` also
# reaches dependencies (event-listener, via the benchmarks) that do not build
# with it. A separate target folder keeps these flags from invalidating the
# normal builds.
#
# Usage: bash scripts/loom.sh   (set LOOM_MAX_PREEMPTIONS to bound the search;
#        unbounded by default: the models are small and finish in about a second)
set -euo pipefail
cd "$(dirname "$0")/.."

export RUSTFLAGS="${RUSTFLAGS:-} --cfg ffi_tasks_loom"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/loom"

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
cargo test --lib -- loom_tests --test-threads=2 2>&1 | tee "$out"

# Make sure the models really ran (a cfg typo would silently run nothing).
ran="$(grep -Eo 'test result: ok\. [0-9]+ passed' "$out" | grep -Eo '[0-9]+' | head -n1 || true)"
if [[ -z "$ran" || "$ran" -lt 7 ]]; then
    echo "loom.sh: expected at least 7 loom models to run, got '${ran:-none}'" >&2
    exit 1
fi
echo "loom.sh: $ran loom models passed (preemption bound: ${LOOM_MAX_PREEMPTIONS:-none})"
