#!/usr/bin/env bash
# Runs the benchmarks and prints markdown tables (docs/benchmarks.md
# explains them): first the machine, then
#   rust  benches/compare.rs: ffi_tasks (TaskHandle and the C ABI) vs
#         ffi_helpers 0.3, std::thread and the `blocking` pool
#         (`cargo bench --bench compare`, about 70 s on 2 cores);
#         benches/waitset.rs: task completion through a wait set's fd to an
#         epoll loop vs a bare eventfd round trip, and their ratio
#         benches/async_tasks.rs: 100,000 pending async tasks (threads, RSS
#         per task) vs blocking tasks and ffi_helpers (a thread each), and the
#         async vs blocking spawn -> wait round trip
#         (`cargo bench --bench async_tasks`, about 20 s)
#   cpp   cpp/bench (Google Benchmark): TaskHandle<T> vs the raw C ABI,
#         std::async and std::thread + std::promise, built with the CMake
#         `release` preset (about 60 s, plus the first build); then
#         cpp/bench/stream_bench.cpp: items/s of a u64 stream task read by
#         TaskStream<T> and by the raw C ABI (a few seconds)
#
#   bash scripts/bench.sh              # both
#   bash scripts/bench.sh rust         # or: cpp
#   RUST_BENCH_ARGS=--quick CPP_BENCH_ARGS=--benchmark_repetitions=1 bash scripts/bench.sh
#   FFI_TASKS_BENCH_BUILD_DIR=build-mine bash scripts/bench.sh cpp   # another CMake build folder
#
# The figures are ratios measured side by side in one run: the machines are
# shared and noisy, so compare ratios, not absolute times, and prefer a quiet
# machine (the load average is printed before and after).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export PATH="$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR="${CARGO_TERM_COLOR:-never}"
what=${1:-all}
case "$what" in
  all | rust | cpp) ;;
  *) echo "usage: bash scripts/bench.sh [all|rust|cpp]" >&2; exit 2 ;;
esac

machine() {
  echo "## Machine"
  echo
  echo "- cores (nproc): $(nproc)"
  echo "- CPU: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2- | sed 's/^ *//')"
  echo "- kernel: $(uname -sr)"
  echo "- rustc: $(rustc -V)"
  if command -v g++ >/dev/null; then echo "- g++: $(g++ --version | head -n1)"; fi
  if dpkg-query -W -f='${Version}' libbenchmark-dev >/dev/null 2>&1; then
    echo "- Google Benchmark (libbenchmark-dev): $(dpkg-query -W -f='${Version}' libbenchmark-dev)"
  fi
  echo "- date (UTC): $(date -u '+%Y-%m-%d %H:%M')"
  echo "- load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
}

machine

if [[ "$what" == all || "$what" == rust ]]; then
  # shellcheck disable=SC2086 # RUST_BENCH_ARGS is a list of flags
  cargo bench --bench compare -- ${RUST_BENCH_ARGS:-}
  echo
  # A task's completion reaching an epoll loop through a wait set's fd vs a
  # bare eventfd round trip (benches/waitset.rs, about 10 s).
  cargo bench --bench waitset
  # shellcheck disable=SC2086 # RUST_BENCH_ARGS is a list of flags
  cargo bench --bench async_tasks -- ${RUST_BENCH_ARGS:-}
  echo
fi

if [[ "$what" == all || "$what" == cpp ]]; then
  bash scripts/setup-deps.sh >&2
  build_dir=${FFI_TASKS_BENCH_BUILD_DIR:-build/release}
  cmake --preset release -B "$build_dir" >&2
  cmake --build "$build_dir" --target ffi_tasks_cpp_bench ffi_tasks_cpp_bench_when >&2
  # shellcheck disable=SC2086 # CPP_BENCH_ARGS is a list of flags
  "$(cat "$build_dir/ffi_tasks_cpp_bench_path.txt")" ${CPP_BENCH_ARGS:-}
  echo
  echo "## C++: when_all / when_any, cost per input (s_per_input: seconds per input, flat as N grows = O(1))"
  echo
  "$(cat "$build_dir/ffi_tasks_cpp_bench_when_path.txt")"
  # A stream of u64 items from a Rust stream task to a C++ reader, with
  # back-pressure (cpp/bench/stream_bench.cpp, a few seconds).
  cmake --build "$build_dir" --target ffi_tasks_cpp_stream_bench >&2
  "$(cat "$build_dir/ffi_tasks_cpp_stream_bench_path.txt")"
  echo
fi

echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
