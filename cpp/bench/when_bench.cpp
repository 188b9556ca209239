// The C++ combinators' cost per input (Google Benchmark): when_any and
// when_all over N trivial Rust tasks, N = 100 ... 10,000, against spawning
// the same N tasks and waiting for each. Each iteration spawns N tasks (most
// still pending when the combinator registers on them), combines them and
// waits. The counter `s_per_input` (seconds per input) staying flat as N
// grows is what "O(1) per completion" means here. Run by
// `scripts/bench.sh cpp` (docs/benchmarks.md).
#include <benchmark/benchmark.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <utility>
#include <vector>

#include "ffi_tasks/ffi_tasks.hpp"
#include "ffi_tasks/when.hpp"

// Add: the example tasks' #[repr(C)] type, generated from cpp/example_tasks.
#include "ffi_tasks_example_tasks.h"

FFI_TASKS_CPP_TASK(add, Add, std::uint64_t);

namespace {

std::vector<ffi_tasks::TaskHandle<std::uint64_t>> spawn_many(std::size_t n) {
  std::vector<ffi_tasks::TaskHandle<std::uint64_t>> handles;
  handles.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    handles.push_back(ffi_tasks::spawn(Add{i, 1}));
  }
  return handles;
}

void per_input(benchmark::State &state, std::size_t n) {
  state.counters["s_per_input"] =
      benchmark::Counter(static_cast<double>(n), benchmark::Counter::kIsIterationInvariantRate |
                                                     benchmark::Counter::kInvert);
}

// Baseline: spawn N, wait for each in turn.
void wait_each(benchmark::State &state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::uint64_t sum = 0;
    for (auto &h : spawn_many(n)) sum += std::move(h).wait();
    benchmark::DoNotOptimize(sum);
  }
  per_input(state, n);
}

void when_all_vector(benchmark::State &state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    std::vector<std::uint64_t> values = ffi_tasks::when_all(spawn_many(n)).wait();
    if (values.size() != n) {
      std::fprintf(stderr, "when_all: %zu values for %zu inputs\n", values.size(), n);
      std::abort();
    }
    benchmark::DoNotOptimize(values.data());
  }
  per_input(state, n);
}

void when_any_vector(benchmark::State &state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  for (auto _ : state) {
    auto first = ffi_tasks::when_any(spawn_many(n)).wait();
    if (first.index >= n || first.value != first.index + 1) {
      std::fprintf(stderr, "when_any: input %zu gave %llu\n", first.index,
                   static_cast<unsigned long long>(first.value));
      std::abort();
    }
    benchmark::DoNotOptimize(first);
  }
  per_input(state, n);
}

}  // namespace

BENCHMARK(wait_each)
    ->RangeMultiplier(10)
    ->Range(100, 10000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(when_all_vector)
    ->RangeMultiplier(10)
    ->Range(100, 10000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);
BENCHMARK(when_any_vector)
    ->RangeMultiplier(10)
    ->Range(100, 10000)
    ->UseRealTime()
    ->Unit(benchmark::kMillisecond);

BENCHMARK_MAIN();
