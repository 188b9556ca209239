// Stress test of TaskHandle<T> (the C++ side of tests/stress.rs): several
// threads run a long, seeded random mix of spawn, poll, wait_for, wait,
// cancel, cancelled, status, on_complete, reset and moves of handles between
// threads, on tasks that return at once, return or stop only once cancelled,
// fail and panic.
//
// Checked: every outcome reaches the caller at most once and is the right
// one (the probe's own id and value, FAILED / PANICKED / CANCELLED only where
// possible, ALREADY_TAKEN only after it was taken); each probe's output is
// freed exactly once (or never created); each completion callback runs
// exactly once; a second on_complete is refused; the pool ends with nothing
// running or queued. Bounded by operation count; waits are bounded hang
// guards. FFI_TASKS_STRESS_SEED / _OPS / _THREADS as in tests/stress.rs; the
// seed is printed on failure.
#include <gtest/gtest.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <optional>
#include <sstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "example_tasks.hpp"
#include "ffi_tasks/ffi_tasks.hpp"

namespace {

using ffi_tasks::ErrorKind;
using ffi_tasks::TaskHandle;
using ffi_tasks::TaskStatus;

std::uint64_t env_u64(const char *name, std::uint64_t fallback) {
  const char *v = std::getenv(name);
  if (v == nullptr || *v == '\0') {
    return fallback;
  }
  return std::strtoull(v, nullptr, 0);
}

// splitmix64, as in tests/stress.rs.
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    state += 0x9E3779B97F4A7C15ULL;
    std::uint64_t z = state;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  std::size_t below(std::size_t n) { return static_cast<std::size_t>(next() % n); }
  bool chance(unsigned percent) { return next() % 100 < percent; }
};

enum class Kind { now, when_cancelled, stop_when_cancelled, fail, boom };
constexpr std::array<Kind, 5> kKinds{Kind::now, Kind::when_cancelled, Kind::stop_when_cancelled,
                                     Kind::fail, Kind::boom};

bool is_probe(Kind k) {
  return k == Kind::now || k == Kind::when_cancelled || k == Kind::stop_when_cancelled;
}

// Does the task produce a value (that must be freed exactly once)?
bool makes_value(Kind k) { return k == Kind::now || k == Kind::when_cancelled; }

constexpr std::size_t kMaxIds = 1 << 17;
std::array<std::atomic<std::uint32_t>, kMaxIds> g_callbacks{};
std::array<std::atomic<std::uint32_t>, kMaxIds> g_registered{};
std::array<std::atomic<std::uint8_t>, kMaxIds> g_kind{};
std::atomic<std::uint64_t> g_max_id{0};

struct Entry {
  Kind kind = Kind::now;
  std::uint64_t id = 0;
  TaskHandle<ProbeOutput> probe;
  TaskHandle<std::uint64_t> other;
  bool cancelled = false;
  bool taken = false;
  bool callback = false;
  bool finished_seen = false;
};

std::mutex g_mailbox_mutex;
std::vector<Entry> g_mailbox;

std::mutex g_failures_mutex;
std::vector<std::string> g_failures;

void fail(const std::string &what) {
  std::lock_guard<std::mutex> lock(g_failures_mutex);
  if (g_failures.size() < 20) {
    g_failures.push_back(what);
  }
}

#define STRESS_CHECK(cond, entry, what)                                                          \
  do {                                                                                           \
    if (!(cond)) {                                                                               \
      std::ostringstream stress_msg_;                                                            \
      stress_msg_ << "task " << (entry).id << " kind " << static_cast<int>((entry).kind) << ": " \
                  << what << " (" #cond ")";                                                     \
      fail(stress_msg_.str());                                                                   \
    }                                                                                            \
  } while (false)

std::uint32_t probe_mode_of(Kind k) {
  switch (k) {
    case Kind::now: return probe_mode::return_now;
    case Kind::when_cancelled: return probe_mode::return_when_cancelled;
    default: return probe_mode::cancel_when_cancelled;
  }
}

bool can_block(const Entry &e) {
  return e.kind == Kind::when_cancelled || e.kind == Kind::stop_when_cancelled;
}

// The error a finished, not yet taken task of this kind reports.
ErrorKind expected_error(const Entry &e) {
  switch (e.kind) {
    case Kind::fail: return ErrorKind::failed;
    case Kind::boom: return ErrorKind::panicked;
    case Kind::stop_when_cancelled: return ErrorKind::cancelled;
    default: return ErrorKind::none;
  }
}

// Checks an error outcome from poll / wait_for / wait.
void check_error(Entry &e, const ffi_tasks::Error &err, const char *call) {
  if (e.taken) {
    STRESS_CHECK(err.kind() == ErrorKind::already_taken, e, call << " after taken: " << err.what());
    return;
  }
  STRESS_CHECK(err.kind() == expected_error(e), e, call << ": " << err.what());
  if (err.kind() == ErrorKind::cancelled) {
    STRESS_CHECK(e.cancelled, e, "cancelled without a cancel");
  }
  e.taken = true;
}

template <class T>
void check_value(Entry &e, const T &value, const char *call);

template <>
void check_value<ProbeOutput>(Entry &e, const ProbeOutput &v, const char *call) {
  STRESS_CHECK(!e.taken, e, call << ": value delivered twice");
  STRESS_CHECK(makes_value(e.kind), e, call << ": value from a task that cannot succeed");
  STRESS_CHECK(e.kind != Kind::when_cancelled || e.cancelled, e, "value before the cancel");
  STRESS_CHECK(v.id == e.id && v.value == e.id * 7, e, call << ": wrong output " << v.id);
  e.taken = true;
}

template <>
void check_value<std::uint64_t>(Entry &e, const std::uint64_t &, const char *call) {
  STRESS_CHECK(false, e, call << ": a failing task gave a value");
  e.taken = true;
}

// Calls f on the entry's handle, whichever type it is.
template <class F>
auto with(Entry &e, F &&f) {
  return is_probe(e.kind) ? f(e.probe) : f(e.other);
}

class Worker {
 public:
  explicit Worker(std::uint64_t seed) : rng_{seed} {}

  void step() {
    const std::size_t op = rng_.below(100);
    if (live_.empty() || (op < 18 && live_.size() < 24)) {
      spawn();
      return;
    }
    if (op >= 95) {  // hand a handle over / take one
      std::lock_guard<std::mutex> lock(g_mailbox_mutex);
      if (op >= 98 && !g_mailbox.empty()) {
        live_.push_back(std::move(g_mailbox.back()));
        g_mailbox.pop_back();
      } else {
        const std::size_t i = rng_.below(live_.size());
        g_mailbox.push_back(std::move(live_[i]));
        remove(i);
      }
      return;
    }
    const std::size_t i = rng_.below(live_.size());
    Entry &e = live_[i];
    if (op < 36) {
      with(e, [&](auto &h) { poll(e, h); });
    } else if (op < 46) {
      with(e, [&](auto &h) { wait_for(e, h); });
    } else if (op < 55) {
      with(e, [&](auto &h) { wait(e, h); });
      remove(i);
    } else if (op < 64) {
      cancel(e);
    } else if (op < 68) {
      const bool c = with(e, [](auto &h) { return h.cancelled(); });
      STRESS_CHECK(c == e.cancelled, e, "cancelled() is " << c);
    } else if (op < 76) {
      status(e);
    } else if (op < 85) {
      register_callback(e);
    } else {
      with(e, [](auto &h) { h.reset(); });  // destroy (cancels)
      remove(i);
    }
  }

  void drain() {
    while (!live_.empty()) {
      Entry &e = live_.back();
      if (rng_.chance(50)) {
        with(e, [&](auto &h) { wait(e, h); });
      } else {
        with(e, [](auto &h) { h.reset(); });
      }
      live_.pop_back();
    }
  }

  std::vector<Entry> &live() { return live_; }

 private:
  void remove(std::size_t i) {
    if (i + 1 != live_.size()) {
      live_[i] = std::move(live_.back());
    }
    live_.pop_back();
  }

  void spawn() {
    Entry e;
    e.kind = kKinds[rng_.below(kKinds.size())];
    e.id = test_support::fresh_id();
    if (e.id >= kMaxIds) {
      fail("too many tasks for the counters");
      return;
    }
    g_kind[e.id].store(static_cast<std::uint8_t>(e.kind));
    std::uint64_t seen = g_max_id.load();
    while (seen < e.id && !g_max_id.compare_exchange_weak(seen, e.id)) {
    }
    switch (e.kind) {
      case Kind::fail: e.other = ffi_tasks::spawn(Fail{static_cast<int>(e.id % 1000)}); break;
      case Kind::boom: e.other = ffi_tasks::spawn(Boom{0}); break;
      default: e.probe = ffi_tasks::spawn(Probe{e.id, e.id * 7, probe_mode_of(e.kind)}); break;
    }
    if (rng_.chance(30)) {
      register_callback(e);
    }
    live_.push_back(std::move(e));
  }

  template <class T>
  void poll(Entry &e, TaskHandle<T> &h) {
    auto r = h.try_poll();
    if (!r) {
      check_error(e, r.error(), "poll");
    } else if (r->has_value()) {
      check_value(e, **r, "poll");
    } else {
      STRESS_CHECK(!e.taken, e, "poll after taken says running");
      STRESS_CHECK(!e.finished_seen, e, "finished, yet poll says running");
    }
  }

  template <class T>
  void wait_for(Entry &e, TaskHandle<T> &h) {
    auto r = h.try_wait_for(std::chrono::milliseconds(static_cast<long>(rng_.below(3))));
    if (!r) {
      check_error(e, r.error(), "wait_for");
    } else if (r->has_value()) {
      check_value(e, **r, "wait_for");
    } else {
      STRESS_CHECK(!e.taken && !e.finished_seen, e, "wait_for timed out on a finished task");
    }
  }

  // Consumes the handle; the throwing form half of the time.
  template <class T>
  void wait(Entry &e, TaskHandle<T> &h) {
    if (can_block(e) && !e.cancelled) {
      cancel(e);  // otherwise the wait would block for ever
    }
    if (rng_.chance(50)) {
      auto r = std::move(h).try_wait();
      if (r) {
        check_value(e, *r, "wait");
      } else {
        check_error(e, r.error(), "wait");
      }
    } else {
      try {
        T value = std::move(h).wait();
        check_value(e, value, "wait");
      } catch (const ffi_tasks::Error &err) {
        check_error(e, err, "wait (throwing)");
      }
    }
    STRESS_CHECK(!h.valid(), e, "wait left the handle valid");
    STRESS_CHECK(e.taken, e, "wait gave no outcome");
  }

  void cancel(Entry &e) {
    with(e, [](auto &h) { h.cancel(); });
    e.cancelled = true;
  }

  void status(Entry &e) {
    const TaskStatus s = with(e, [](auto &h) { return h.status(); });
    if (e.taken) {
      STRESS_CHECK(s == TaskStatus::taken, e, "status after taken " << static_cast<int>(s));
      return;
    }
    if (s == TaskStatus::running) {
      STRESS_CHECK(!e.finished_seen, e, "status went back to running");
      return;
    }
    TaskStatus expected = TaskStatus::completed;
    switch (e.kind) {
      case Kind::fail: expected = TaskStatus::failed; break;
      case Kind::boom: expected = TaskStatus::panicked; break;
      case Kind::stop_when_cancelled: expected = TaskStatus::cancelled; break;
      default: break;
    }
    STRESS_CHECK(s == expected, e, "status " << static_cast<int>(s));
    STRESS_CHECK(!can_block(e) || e.cancelled, e, "finished before the cancel");
    e.finished_seen = true;
  }

  void register_callback(Entry &e) {
    const std::uint64_t id = e.id;
    auto r = with(
        e, [id](auto &h) { return h.try_on_complete([id] { g_callbacks[id].fetch_add(1); }); });
    if (e.callback) {
      STRESS_CHECK(!r && r.error().kind() == ErrorKind::invalid_argument, e,
                   "second on_complete accepted");
    } else {
      STRESS_CHECK(static_cast<bool>(r), e, "on_complete failed");
      g_registered[id].fetch_add(1);
      e.callback = true;
    }
  }

  Rng rng_;
  std::vector<Entry> live_;
};

ffi_tasks_stats pool_stats() {
  ffi_tasks_stats s{};
  EXPECT_EQ(ffi_tasks_pool_stats(&s), 0);
  return s;
}

TEST(StressTest, RandomMixOfTaskHandleCallsLosesAndDuplicatesNothing) {
  const std::uint64_t seed = env_u64("FFI_TASKS_STRESS_SEED", 0x5EED0FF17A5CULL);
  const std::uint64_t ops = env_u64("FFI_TASKS_STRESS_OPS", 2000);
  const std::uint64_t threads = env_u64("FFI_TASKS_STRESS_THREADS", 4);
  std::ostringstream how;
  how << "seed 0x" << std::hex << seed << std::dec << " (rerun with FFI_TASKS_STRESS_SEED=0x"
      << std::hex << seed << std::dec << "), " << threads << " threads x " << ops << " operations";
  SCOPED_TRACE(how.str());
  std::printf("stress: %s\n", how.str().c_str());

  const std::uint64_t first_id = test_support::fresh_id();
  std::vector<std::thread> pool;
  for (std::uint64_t t = 0; t < threads; ++t) {
    pool.emplace_back([seed, ops, t] {
      Worker w(seed ^ (t * 0xA0761D6478BD642FULL));
      for (std::uint64_t i = 0; i < ops; ++i) {
        w.step();
      }
      w.drain();
    });
  }
  for (auto &t : pool) {
    t.join();
  }
  {
    Worker last(seed);
    last.live() = std::move(g_mailbox);
    last.drain();
  }

  // Every task finishes (all were cancelled or ran to the end); bounded wait.
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(test_support::kWaitMs);
  ffi_tasks_stats s = pool_stats();
  while (s.running + s.queued != 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
    s = pool_stats();
  }
  EXPECT_EQ(s.running + s.queued, 0u) << "the pool did not drain (hang guard)";

  std::uint64_t tasks = 0;
  std::uint64_t values = 0;
  std::uint64_t callbacks = 0;
  const std::uint64_t last_id = g_max_id.load();
  for (std::uint64_t id = first_id + 1; id <= last_id; ++id) {
    const auto kind = static_cast<Kind>(g_kind[id].load());
    ++tasks;
    if (is_probe(kind)) {
      if (makes_value(kind)) {
        EXPECT_TRUE(test_support::wait_drops(id, 1)) << "output of task " << id << " never freed";
        EXPECT_EQ(example_probe_drops(id), 1u) << "output of task " << id;
        ++values;
      } else {
        EXPECT_EQ(example_probe_drops(id), 0u) << "task " << id << " made an output";
      }
    }
    // Every task has finished, so every registered callback has run or is
    // about to (bounded wait); none may run twice.
    const auto cb_deadline =
        std::chrono::steady_clock::now() + std::chrono::milliseconds(test_support::kWaitMs);
    while (g_callbacks[id].load() < g_registered[id].load() &&
           std::chrono::steady_clock::now() < cb_deadline) {
      std::this_thread::yield();
    }
    EXPECT_EQ(g_callbacks[id].load(), g_registered[id].load()) << "callbacks of task " << id;
    callbacks += g_callbacks[id].load();
  }
  std::lock_guard<std::mutex> lock(g_failures_mutex);
  for (const auto &f : g_failures) {
    ADD_FAILURE() << f;
  }
  std::printf("stress: %llu tasks, %llu outputs freed exactly once, %llu callbacks exactly once\n",
              static_cast<unsigned long long>(tasks), static_cast<unsigned long long>(values),
              static_cast<unsigned long long>(callbacks));
}

}  // namespace
