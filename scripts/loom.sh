#!/usr/bin/env bash
# Loom models (https://docs.rs/loom) of the crate's concurrency, run on the
# real code through the `crate::loom` facade (src/loom/):
#   - the handle state machine (src/completion.rs, `completion::loom_tests`):
#     completion, cancellation, callback registration, destroy and take;
#   - the pool (src/loom/models/pool.rs): a job claimed by a returning or a
#     spinning worker, monitor growth, the keep-alive exit, and user code
#     (an output's Drop) that waits on the pool from a worker;
#   - the cancellation token (src/loom/models/cancel.rs);
#   - the async driver's poll/wake state machine
#     (src/loom/models/async_task.rs): wakes racing a poll and each other, a cancel waking
#     a future that never wakes, wakers used after completion, dropped jobs;
#   - the stream channel (src/loom/models/stream.rs): a producer waiting for
#     room woken by a read, a cancel and a detach; the end after the items.
# Time is the facade's virtual clock under loom: each model says how many
# timed waits may time out (src/loom/mocked.rs).
#
# The crate's cfg is `ffi_tasks_loom`, not `loom`: a plain `--cfg loom` also
# reaches dependencies (event-listener, via the benchmarks) that do not build
# with it. A separate target folder keeps these flags from invalidating the
# normal builds.
#
# Usage: bash scripts/loom.sh
#   LOOM_MAX_PREEMPTIONS bounds the search; the pool and token models default
#   to 2 (the state-machine models are unbounded unless it is set). About 10 s
#   on two cores once built; about 50 s with LOOM_MAX_PREEMPTIONS=3.
set -euo pipefail
cd "$(dirname "$0")/.."

export RUSTFLAGS="${RUSTFLAGS:-} --cfg ffi_tasks_loom"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-target}/loom"

out="$(mktemp)"
trap 'rm -f "$out"' EXIT
cargo test --lib -- loom_tests loom::models --test-threads=2 2>&1 | tee "$out"

# Make sure the models really ran (a cfg typo would silently run nothing).
ran="$(grep -Eo 'test result: ok\. [0-9]+ passed' "$out" | grep -Eo '[0-9]+' | head -n1 || true)"
if [[ -z "$ran" || "$ran" -lt 25 ]]; then
    echo "loom.sh: expected at least 25 loom models to run, got '${ran:-none}'" >&2
    exit 1
fi
echo "loom.sh: $ran loom models passed (preemption bound: ${LOOM_MAX_PREEMPTIONS:-2 for the pool and token models})"
