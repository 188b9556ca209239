#!/usr/bin/env bash
# A bounded libFuzzer run (cargo fuzz) of fuzz/fuzz_targets/c_abi_ops.rs:
# random sequences of C ABI calls over live, destroyed, consumed, forged and
# NULL handles and cancellation tokens, with the misuse guard on
# (handle-registry) and AddressSanitizer, each call checked against the
# documented contract. Starts from the seed corpus in fuzz/corpus/c_abi_ops/
# (read only; what the run adds goes to a scratch folder) and prints the
# executions, coverage and corpus size. A crash, a failed check, a leak or a
# hang fails the script; the input that caused it is kept in fuzz/artifacts/.
#
# Needs the pinned nightly of scripts/lib.sh and cargo-fuzz (scripts/setup-deps.sh
# installs both): without them, prints "SKIPPED: ..." and exits 0, or fails
# under CI=true.
#
#   bash scripts/fuzz.sh                         # 60 s
#   FFI_TASKS_FUZZ_SECONDS=600 bash scripts/fuzz.sh
#   FFI_TASKS_FUZZ_CORPUS=fuzz/corpus/c_abi_ops bash scripts/fuzz.sh   # grow the seeds
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
# shellcheck source=scripts/lib.sh
source scripts/lib.sh
ft_require_nightly fuzz.sh
ft_require_x86_64_linux fuzz.sh
ft_require_command fuzz.sh cargo-fuzz "cargo install cargo-fuzz --locked (or bash scripts/setup-deps.sh)"

target=c_abi_ops
seconds=${FFI_TASKS_FUZZ_SECONDS:-60}
seeds=fuzz/corpus/$target
log=$(mktemp)
scratch=""
corpus=${FFI_TASKS_FUZZ_CORPUS:-}
if [[ -z "$corpus" ]]; then
    scratch=$(mktemp -d)
    corpus=$scratch
fi
corpus=$(cd "$corpus" && pwd)
trap 'rm -rf "$log" ${scratch:+"$scratch"}' EXIT

cd fuzz
# fuzz/ is its own workspace: the root's fmt and clippy runs do not see it.
cargo fmt --check
timeout 900 cargo clippy --target-dir target/clippy --all-targets -- -D warnings
timeout 900 cargo "+$FFI_TASKS_NIGHTLY" fuzz build "$target"

# -timeout: one input running longer than that is a hang (a crash). The
# outer timeout guards the whole run. The first folder receives new inputs;
# the seed folder is only read.
set +e
timeout $((seconds + 300)) cargo "+$FFI_TASKS_NIGHTLY" fuzz run "$target" \
    "$corpus" "$root/$seeds" -- \
    -max_total_time="$seconds" -timeout=60 -max_len=256 -print_final_stats=1 \
    >"$log" 2>&1
rc=$?
set -e
cd ..

if [[ $rc -ne 0 ]]; then
    tail -n 80 "$log" >&2
    echo "fuzz.sh: FAILED (exit $rc): the crashing input is in fuzz/artifacts/$target/" >&2
    exit 1
fi
grep -E '^#[0-9]+[[:space:]]+(INITED|DONE)' "$log" || true
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
done_line=$(grep -E '^#[0-9]+[[:space:]]+DONE' "$log" || true)
cov=$(grep -Eo 'cov: [0-9]+' <<<"$done_line" | grep -Eo '[0-9]+' || true)
corp=$(grep -Eo 'corp: [0-9]+/[0-9]+[a-zA-Z]*' <<<"$done_line" | cut -d' ' -f2 || true)
if [[ -z "$execs" || "$execs" -eq 0 || -z "$done_line" ]]; then
    tail -n 40 "$log" >&2
    echo "fuzz.sh: FAILED: libFuzzer ran no input" >&2
    exit 1
fi
echo "fuzz.sh: $target: $execs executions in ${seconds} s ($rate/s), coverage $cov edges," \
     "corpus $corp (inputs/bytes) from $(find "$seeds" -type f | wc -l) seeds; no crash"
