// cpp/bench/bench.cpp — Google Benchmark: a trivial task (Add: returns a + b
// at once) through ffi_tasks::TaskHandle<T>, the raw C ABI (add_spawn /
// add_wait / add_result_destroy), std::async(std::launch::async) and a
// std::thread + std::promise.
//
// Measures: spawn -> wait round trip (median and p99 as counters),
// throughput (spawn 10,000 then wait for all), and poll() on a running task,
// each system on its own; then the cost of TaskHandle<T> over the raw C ABI
// measured in pairs (cost/...: both sides back to back, see paired()).
// After Google Benchmark's own output it prints markdown tables with ratios
// and that cost, expected to be at most 5 % (see docs/benchmarks.md). It
// only prints figures, never asserts.
//
// Like with like: both sides are built with the same flags in this one
// translation unit; the C side checks every call as a careful C caller does
// (a null handle or result fails, a null poll result is "still running" only
// when no error is set); TaskHandle<T> is used through opaque() so the
// compiler cannot see which backend it holds, as in code that did not spawn
// it.
//
// Defaults (any --benchmark_* flag given on the command line wins):
// 3 repetitions, randomly interleaved, 0.2 s minimum time per run.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <limits>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include <time.h>
#include <unistd.h>

#include "ffi_tasks/ffi_tasks.hpp"

// Add and Spin (blocks until cancelled): the example tasks'
// #[repr(C)] types, generated from cpp/example_tasks by the build.
#include "ffi_tasks_example_tasks.h"

FFI_TASKS_CPP_TASK(add, Add, std::uint64_t);
FFI_TASKS_CPP_TASK(spin, Spin, std::uint64_t);

namespace {

using Clock = std::chrono::steady_clock;

constexpr std::size_t kBatch = 10000;
const Add kAdd{40, 2};

[[noreturn]] void fail(const char *what) {
  std::fprintf(stderr, "benchmark failed: %s\n", what);
  std::abort();
}

// A handle as code that did not spawn it sees it: the compiler must
// not know which task (which backend) it holds, as it would here, where
// spawn and poll/wait are in one function.
template <class Handle>
Handle &opaque(Handle &h) {
  benchmark::DoNotOptimize(h);
  return h;
}

// ---- the four ways to run the trivial task: start(), then finish(handle).

struct ViaTaskHandle {
  using Handle = ffi_tasks::TaskHandle<std::uint64_t>;
  static Handle start() { return ffi_tasks::spawn(kAdd); }
  static std::uint64_t finish(Handle &&h) { return std::move(h).wait(); }
};

struct ViaCAbi {
  using Handle = add_handle *;
  static Handle start() {
    add_handle *h = add_spawn(&kAdd);
    if (h == nullptr) fail("add_spawn");
    return h;
  }
  static std::uint64_t finish(Handle h) {
    std::uint64_t *r = add_wait(h);
    if (r == nullptr) fail("add_wait");
    const std::uint64_t v = *r;
    add_result_destroy(r);
    return v;
  }
};

struct ViaAsync {
  using Handle = std::future<std::uint64_t>;
  static Handle start() {
    return std::async(std::launch::async, [] { return kAdd.a + kAdd.b; });
  }
  static std::uint64_t finish(Handle &&f) { return f.get(); }
};

struct ViaThread {
  struct Handle {
    std::thread thread;
    std::future<std::uint64_t> result;
  };
  static Handle start() {
    std::promise<std::uint64_t> promise;
    auto result = promise.get_future();
    std::thread thread([p = std::move(promise)]() mutable { p.set_value(kAdd.a + kAdd.b); });
    return {std::move(thread), std::move(result)};
  }
  static std::uint64_t finish(Handle &&h) {
    const std::uint64_t v = h.result.get();
    h.thread.join();
    return v;
  }
};

template <class Via>
void round_trip(benchmark::State &state) {
  std::vector<double> ns;
  ns.reserve(1 << 16);
  for (auto _ : state) {
    const auto t0 = Clock::now();
    auto h = Via::start();
    std::uint64_t v = Via::finish(std::move(opaque(h)));
    const auto t1 = Clock::now();
    benchmark::DoNotOptimize(v);
    ns.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count());
  }
  if (ns.empty()) return;
  std::sort(ns.begin(), ns.end());
  auto at = [&](double q) {
    return ns[static_cast<std::size_t>(q * static_cast<double>(ns.size() - 1) + 0.5)] / 1000.0;
  };
  state.counters["median_us"] = at(0.5);
  state.counters["p99_us"] = at(0.99);
}

template <class Via>
void throughput(benchmark::State &state) {
  std::vector<typename Via::Handle> handles;
  handles.reserve(kBatch);
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) handles.push_back(Via::start());
    for (auto &h : handles) {
      std::uint64_t v = Via::finish(std::move(opaque(h)));
      benchmark::DoNotOptimize(v);
    }
    handles.clear();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kBatch));
}

// ---- poll() on a running task.

void poll_task_handle(benchmark::State &state) {
  auto handle = ffi_tasks::spawn(Spin{0});
  auto &h = opaque(handle);
  for (auto _ : state) {
    auto r = h.poll();
    if (r) fail("the task finished while being polled");
    benchmark::DoNotOptimize(r);
  }
  h.cancel();
}

// As a correct C caller polls: a null result means "still running" only if
// no error was set, so it reads the error kind too (as TaskHandle<T> does).
void poll_c_abi(benchmark::State &state) {
  const Spin spin{0};
  spin_handle *h = spin_spawn(&spin);
  if (h == nullptr) fail("spin_spawn");
  for (auto _ : state) {
    std::uint64_t *r = spin_poll(h);
    if (r != nullptr || ffi_tasks_last_error_kind() != FFI_TASKS_ERROR_NONE) {
      fail("the task finished while being polled");
    }
    benchmark::DoNotOptimize(r);
  }
  spin_handle_destroy(h);
}

// The poll call alone (what the Rust benchmark compares with ffi_helpers).
void poll_c_abi_alone(benchmark::State &state) {
  const Spin spin{0};
  spin_handle *h = spin_spawn(&spin);
  if (h == nullptr) fail("spin_spawn");
  for (auto _ : state) {
    std::uint64_t *r = spin_poll(h);
    if (r != nullptr) fail("the task finished while being polled");
    benchmark::DoNotOptimize(r);
  }
  spin_handle_destroy(h);
}

// A task blocked until released, for the std::future based systems.
struct Gate {
  std::mutex m;
  std::condition_variable cv;
  bool open = false;
  void wait() {
    std::unique_lock<std::mutex> lock(m);
    cv.wait(lock, [this] { return open; });
  }
  void release() {
    {
      std::lock_guard<std::mutex> lock(m);
      open = true;
    }
    cv.notify_all();
  }
};

template <class Future>
void poll_future(benchmark::State &state, Future &future) {
  for (auto _ : state) {
    const bool ready = future.wait_for(std::chrono::seconds(0)) == std::future_status::ready;
    if (ready) fail("the task finished while being polled");
    benchmark::DoNotOptimize(ready);
  }
}

void poll_async(benchmark::State &state) {
  Gate gate;
  auto f = std::async(std::launch::async, [&gate] {
    gate.wait();
    return std::uint64_t{0};
  });
  poll_future(state, f);
  gate.release();
  f.get();
}

void poll_thread(benchmark::State &state) {
  Gate gate;
  std::promise<std::uint64_t> promise;
  auto f = promise.get_future();
  std::thread t([&gate, p = std::move(promise)]() mutable {
    gate.wait();
    p.set_value(0);
  });
  poll_future(state, f);
  gate.release();
  f.get();
  t.join();
}

// ---- the cost of TaskHandle<T> over the raw C ABI, measured in pairs.
//
// Each iteration takes one sample of each side back to back, the order
// alternating, so that both see the same machine: on 2 shared cores a round
// trip is ~1 us or ~3 us depending on where the scheduler puts the worker,
// and that changes within seconds. The cost is the median of the per-pair
// ratios (TaskHandle<T> / C ABI); the medians of each side are kept too.

double median_of(std::vector<double> &v) {
  if (v.empty()) return std::numeric_limits<double>::quiet_NaN();
  const auto mid = v.begin() + static_cast<std::ptrdiff_t>(v.size() / 2);
  std::nth_element(v.begin(), mid, v.end());
  return *mid;
}

// handle_sample() and c_sample() each return a time (any unit, the same).
template <class HandleSample, class CSample>
void paired(benchmark::State &state, HandleSample handle_sample, CSample c_sample) {
  std::vector<double> handle_times;
  std::vector<double> c_times;
  std::vector<double> ratios;
  bool handle_first = true;
  for (auto _ : state) {
    double h = 0;
    double c = 0;
    if (handle_first) {
      h = handle_sample();
      c = c_sample();
    } else {
      c = c_sample();
      h = handle_sample();
    }
    handle_first = !handle_first;
    handle_times.push_back(h);
    c_times.push_back(c);
    ratios.push_back(h / c);
  }
  state.counters["handle"] = median_of(handle_times);
  state.counters["c_abi"] = median_of(c_times);
  state.counters["cost"] = median_of(ratios);
  state.counters["pairs"] = static_cast<double>(ratios.size());
}

double wall_ns(Clock::time_point t0, Clock::time_point t1) {
  return std::chrono::duration<double, std::nano>(t1 - t0).count();
}

// CPU time of the calling thread (preemption does not count).
double thread_cpu_ns() {
  timespec ts{};
  if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts) != 0) fail("clock_gettime");
  return static_cast<double>(ts.tv_sec) * 1e9 + static_cast<double>(ts.tv_nsec);
}

// One round trip, wall-clock ns.
template <class Via>
double round_trip_once() {
  const auto t0 = Clock::now();
  auto h = Via::start();
  std::uint64_t v = Via::finish(std::move(opaque(h)));
  const auto t1 = Clock::now();
  benchmark::DoNotOptimize(v);
  return wall_ns(t0, t1);
}

void cost_round_trip(benchmark::State &state) {
  paired(state, round_trip_once<ViaTaskHandle>, round_trip_once<ViaCAbi>);
}

// A batch of kBatch tasks (spawn all, then wait for all), wall-clock ns per task.
template <class Via>
double batch_once(std::vector<typename Via::Handle> &handles) {
  const auto t0 = Clock::now();
  for (std::size_t i = 0; i < kBatch; ++i) handles.push_back(Via::start());
  for (auto &h : handles) {
    std::uint64_t v = Via::finish(std::move(opaque(h)));
    benchmark::DoNotOptimize(v);
  }
  handles.clear();
  const auto t1 = Clock::now();
  return wall_ns(t0, t1) / static_cast<double>(kBatch);
}

void cost_throughput(benchmark::State &state) {
  std::vector<ViaTaskHandle::Handle> task_handles;
  std::vector<ViaCAbi::Handle> c_handles;
  task_handles.reserve(kBatch);
  c_handles.reserve(kBatch);
  paired(
      state, [&] { return batch_once<ViaTaskHandle>(task_handles); },
      [&] { return batch_once<ViaCAbi>(c_handles); });
}

// kPollChunk polls of a running task, thread CPU ns per poll. Both sides
// tell "still running" from an error: TaskHandle<T>::poll() throws on an
// error; the C caller reads the error kind after a null result.
constexpr int kPollChunk = 10000;

void cost_poll(benchmark::State &state) {
  auto handle = ffi_tasks::spawn(Spin{0});
  const Spin spin{0};
  spin_handle *c = spin_spawn(&spin);
  if (c == nullptr) fail("spin_spawn");
  auto &h = opaque(handle);
  paired(
      state,
      [&] {
        const double t0 = thread_cpu_ns();
        for (int i = 0; i < kPollChunk; ++i) {
          auto r = h.poll();
          if (r) fail("the task finished while being polled");
          benchmark::DoNotOptimize(r);
        }
        return (thread_cpu_ns() - t0) / kPollChunk;
      },
      [&] {
        const double t0 = thread_cpu_ns();
        for (int i = 0; i < kPollChunk; ++i) {
          std::uint64_t *r = spin_poll(c);
          if (r != nullptr || ffi_tasks_last_error_kind() != FFI_TASKS_ERROR_NONE) {
            fail("the task finished while being polled");
          }
          benchmark::DoNotOptimize(r);
        }
        return (thread_cpu_ns() - t0) / kPollChunk;
      });
  handle.cancel();
  spin_handle_destroy(c);
}

// ---- the summary: collects the runs, prints ratios and the target.

const char *const kSystems[] = {"TaskHandle<T>", "C ABI", "std::async", "std::thread+promise"};
const char *const kPollSystems[] = {"TaskHandle<T>", "C ABI", "C ABI (poll alone)", "std::async",
                                    "std::thread+promise"};

class SummaryReporter : public benchmark::ConsoleReporter {
 public:
  // A reporter passed to RunSpecifiedBenchmarks does not follow
  // --benchmark_color: colours only on a terminal.
  SummaryReporter() : ConsoleReporter(isatty(STDOUT_FILENO) != 0 ? OO_ColorTabular : OO_Tabular) {}

  void ReportRuns(const std::vector<Run> &runs) override {
    benchmark::ConsoleReporter::ReportRuns(runs);
    for (const Run &run : runs) {
      if (run.error_occurred) continue;
      // Keep the median over repetitions, or the single run without them.
      const bool median = run.run_type == Run::RT_Aggregate && run.aggregate_name == "median";
      const bool single = run.run_type == Run::RT_Iteration && run.repetitions <= 1;
      if (!median && !single) continue;
      Figures &f = figures_[run.run_name.function_name];
      f.cpu_time = run.GetAdjustedCPUTime();
      for (const auto &counter : run.counters) f.counters[counter.first] = counter.second.value;
    }
  }

  void print_summary() const {
    std::printf("\n## C++: ffi_tasks vs std::async and std::thread + std::promise\n\n");
    std::printf("%u cores; medians over the repetitions. Ratios are against the raw C ABI.\n\n",
                std::thread::hardware_concurrency());

    std::printf("### Spawn -> wait round trip, one task at a time\n\n");
    std::printf("| system | median us | p99 us | median / C ABI | median / std::async |\n");
    std::printf("|---|---:|---:|---:|---:|\n");
    const double c_rt = counter("round_trip/C ABI", "median_us");
    const double async_rt = counter("round_trip/std::async", "median_us");
    for (const char *s : kSystems) {
      const std::string name = std::string("round_trip/") + s;
      const double m = counter(name, "median_us");
      std::printf("| %s | %.2f | %.2f | %.3f | %.3f |\n", s, m, counter(name, "p99_us"), m / c_rt,
                  m / async_rt);
    }

    std::printf("\n### Throughput: spawn %zu, then wait for all\n\n", kBatch);
    std::printf("| system | tasks/s | x C ABI | x std::async |\n|---|---:|---:|---:|\n");
    const double c_tp = counter("throughput/C ABI", "items_per_second");
    const double async_tp = counter("throughput/std::async", "items_per_second");
    for (const char *s : kSystems) {
      const double r = counter(std::string("throughput/") + s, "items_per_second");
      std::printf("| %s | %.0f | %.2f | %.2f |\n", s, r, r / c_tp, r / async_tp);
    }

    std::printf("\n### poll() on a running task\n\n");
    std::printf(
        "CPU time of the polling thread (preemption on a loaded machine does not "
        "count). \"C ABI\" is poll + ffi_tasks_last_error_kind(), as a correct C caller "
        "(and TaskHandle<T>) tells \"still running\" from an error; std::future: "
        "wait_for(0s).\n\n");
    std::printf("| system | ns/call | / C ABI |\n|---|---:|---:|\n");
    const double c_poll = cpu_time("poll/C ABI");
    for (const char *s : kPollSystems) {
      const double ns = cpu_time(std::string("poll/") + s);
      std::printf("| %s | %.1f | %.2f |\n", s, ns, ns / c_poll);
    }

    // From the paired measures (cost/...), not from the tables above.
    auto verdict = [](double ratio) { return ratio <= 1.05 ? "met" : "**missed**"; };
    std::printf("\n### Cost of TaskHandle<T> over the raw C ABI (expected at most 5 %%)\n\n");
    std::printf(
        "Measured in pairs: each sample runs both sides back to back, in alternating order; "
        "the cost is the median of the per-pair ratios. TaskHandle<T> is used as code that "
        "did not spawn it sees it (the compiler does not know its backend).\n\n");
    std::printf(
        "| measure | pairs | TaskHandle<T> | C ABI | TaskHandle<T> / C ABI (cost) | verdict |\n"
        "|---|---:|---:|---:|---:|---|\n");
    struct Measure {
      const char *name;
      const char *label;
      const char *unit;
    };
    const Measure measures[] = {
        {"cost/round_trip", "round trip", "ns (wall)"},
        {"cost/throughput", "throughput (time per task)", "ns/task (wall)"},
        {"cost/poll", "poll() on a running task", "ns/call (thread CPU)"},
    };
    for (const Measure &m : measures) {
      const double cost = counter(m.name, "cost");
      std::printf("| %s | %.0f | %.1f %s | %.1f %s | %.3f | %s |\n", m.label,
                  counter(m.name, "pairs"), counter(m.name, "handle"), m.unit,
                  counter(m.name, "c_abi"), m.unit, cost, verdict(cost));
    }
  }

 private:
  struct Figures {
    double cpu_time = 0;
    std::map<std::string, double> counters;
  };

  double counter(const std::string &name, const std::string &key) const {
    auto f = figures_.find(name);
    if (f == figures_.end()) return kNaN;
    auto c = f->second.counters.find(key);
    return c == f->second.counters.end() ? kNaN : c->second;
  }
  // Missing figures (a --benchmark_filter left them out) are NaN, printed as
  // "nan" and never "met".
  double cpu_time(const std::string &name) const {
    auto f = figures_.find(name);
    return f == figures_.end() ? kNaN : f->second.cpu_time;
  }
  static constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

  std::map<std::string, Figures> figures_;
};

void register_all() {
  using benchmark::kMicrosecond;
  using benchmark::kMillisecond;
  using benchmark::kNanosecond;
  // Wall-clock time for round trips and throughput (the work happens on
  // other threads, which CPU time of this one would miss).
  benchmark::RegisterBenchmark("round_trip/TaskHandle<T>", round_trip<ViaTaskHandle>)
      ->UseRealTime()
      ->Unit(kMicrosecond);
  benchmark::RegisterBenchmark("round_trip/C ABI", round_trip<ViaCAbi>)
      ->UseRealTime()
      ->Unit(kMicrosecond);
  benchmark::RegisterBenchmark("round_trip/std::async", round_trip<ViaAsync>)
      ->UseRealTime()
      ->Unit(kMicrosecond);
  benchmark::RegisterBenchmark("round_trip/std::thread+promise", round_trip<ViaThread>)
      ->UseRealTime()
      ->Unit(kMicrosecond);
  // A pool batch takes milliseconds: let the minimum time pick many of them.
  benchmark::RegisterBenchmark("throughput/TaskHandle<T>", throughput<ViaTaskHandle>)
      ->UseRealTime()
      ->MinTime(0.3)
      ->Unit(kMillisecond);
  benchmark::RegisterBenchmark("throughput/C ABI", throughput<ViaCAbi>)
      ->UseRealTime()
      ->MinTime(0.3)
      ->Unit(kMillisecond);
  benchmark::RegisterBenchmark("throughput/std::async", throughput<ViaAsync>)
      ->UseRealTime()
      ->Iterations(3)
      ->Unit(kMillisecond);
  benchmark::RegisterBenchmark("throughput/std::thread+promise", throughput<ViaThread>)
      ->UseRealTime()
      ->Iterations(3)
      ->Unit(kMillisecond);
  // poll() is reported in CPU time of the polling thread (see the summary).
  benchmark::RegisterBenchmark("poll/TaskHandle<T>", poll_task_handle)->Unit(kNanosecond);
  benchmark::RegisterBenchmark("poll/C ABI", poll_c_abi)->Unit(kNanosecond);
  benchmark::RegisterBenchmark("poll/C ABI (poll alone)", poll_c_abi_alone)->Unit(kNanosecond);
  benchmark::RegisterBenchmark("poll/std::async", poll_async)->Unit(kNanosecond);
  benchmark::RegisterBenchmark("poll/std::thread+promise", poll_thread)->Unit(kNanosecond);
  // The cost of TaskHandle<T> over the raw C ABI: paired samples (see paired()).
  benchmark::RegisterBenchmark("cost/round_trip", cost_round_trip)->MinTime(0.3);
  benchmark::RegisterBenchmark("cost/throughput", cost_throughput)->Iterations(100);
  benchmark::RegisterBenchmark("cost/poll", cost_poll)->Iterations(200);
}

}  // namespace

int main(int argc, char **argv) {
  // Defaults first, so that flags from the command line override them.
  std::vector<std::string> defaults = {"--benchmark_repetitions=3",
                                       "--benchmark_enable_random_interleaving=true",
                                       "--benchmark_min_time=0.2"};
  std::vector<char *> args;
  args.push_back(argv[0]);
  for (auto &d : defaults) args.push_back(d.data());
  for (int i = 1; i < argc; ++i) args.push_back(argv[i]);
  int n = static_cast<int>(args.size());
  args.push_back(nullptr);

  benchmark::Initialize(&n, args.data());
  if (benchmark::ReportUnrecognizedArguments(n, args.data())) return 1;
  register_all();
  SummaryReporter reporter;
  benchmark::RunSpecifiedBenchmarks(&reporter);
  reporter.print_summary();
  benchmark::Shutdown();
  return 0;
}
