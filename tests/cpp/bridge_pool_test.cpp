// Pool control and statistics through the bridge. This binary configures
// the global pool in main(), before anything uses it (3 threads, a long
// keep-alive, a thread name and a stack size), so every test here runs on
// that pool, whether ctest runs the tests one per process or together.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#if defined(__linux__)
#include <pthread.h>
#endif

#include "bridge_tasks.hpp"
#include "example_tasks.hpp"
#include "ffi_tasks/bridge.hpp"
#include "gtest_extra.hpp"

using ffi_tasks::CancellationToken;
using ffi_tasks::PoolOptions;
using ffi_tasks::PoolStats;
using ffi_tasks::TaskHandle;
using Token = const CancellationToken &;

namespace {

constexpr std::uint64_t kThreads = 3;
constexpr std::uint64_t kStackSize = std::uint64_t{4} << 20;

// What main() saw when it configured the pool.
struct Startup {
  std::string zero_threads_error;  // configure_pool with max_threads = 0
  std::string configure_error;     // the real configure_pool, empty if it worked
  PoolOptions requested;
};
Startup startup;

PoolOptions test_options() {
  PoolOptions options = ffi_tasks::default_pool_options();
  options.max_threads = kThreads;
  options.keep_alive_ms = 600000;  // no worker retires during the tests
  options.thread_name = "bridge-test";
  options.stack_size = kStackSize;
  return options;
}

TEST(PoolControlTest, DefaultOptions) {
  const PoolOptions defaults = ffi_tasks::default_pool_options();
  EXPECT_EQ(defaults.max_threads, 512u);
  EXPECT_EQ(defaults.keep_alive_ms, 10000u);
  EXPECT_EQ(std::string(defaults.thread_name), "ffi_tasks-worker");
  EXPECT_EQ(defaults.stack_size, 0u);
}

TEST(PoolControlTest, ZeroThreadsWasRejectedWithoutUsingThePool) {
  EXPECT_NE(startup.zero_threads_error.find("max_threads must be at least 1"), std::string::npos)
      << startup.zero_threads_error;
}

TEST(PoolControlTest, ConfiguredBeforeFirstUse) {
  ASSERT_EQ(startup.configure_error, "");
  const PoolOptions now = ffi_tasks::pool_options();
  EXPECT_EQ(now.max_threads, kThreads);
  EXPECT_EQ(now.keep_alive_ms, 600000u);
  EXPECT_EQ(std::string(now.thread_name), "bridge-test");
  EXPECT_EQ(now.stack_size, kStackSize);
}

TEST(PoolControlTest, ConfigureAfterFirstUseFailsTyped) {
  EXPECT_EQ(ffi_tasks::spawn(Add{1, 1}).wait(), 2u);
  EXPECT_THROW_CONTAINS(ffi_tasks::configure_pool(test_options()), ffi_tasks::InvalidArgument,
                        "the global executor is already in use");
  // Nothing changed.
  EXPECT_EQ(ffi_tasks::pool_options().max_threads, kThreads);
  // The raw bridge call reports the same failure as rust::Error.
  EXPECT_THROW_CONTAINS(ffi_tasks::bridge::configure_pool(test_options()), rust::Error,
                        "already in use");
}

#if defined(__linux__)
TEST(PoolControlTest, WorkersCarryTheConfiguredName) {
  const std::string name = ffi_tasks::spawn([](Token) {
                             char buffer[32] = {};
                             pthread_getname_np(pthread_self(), buffer, sizeof buffer);
                             return std::string(buffer);
                           }).wait();
  EXPECT_EQ(name, "bridge-test");
}
#endif

TEST(PoolStatsTest, NeverMoreThanMaxThreadsAndTheRestQueue) {
  bridge_support::settled_stats();
  auto gate = ffi_tasks::make_token();
  std::vector<TaskHandle<int>> handles;
  for (int i = 0; i < 20; ++i) {
    handles.push_back(ffi_tasks::spawn([gate = gate->clone(), i](Token) {
      gate->wait_cancelled(UINT64_MAX);
      return i;
    }));
  }
  PoolStats busy{};
  ASSERT_TRUE(bridge_support::eventually([&] {
    busy = ffi_tasks::pool_stats();
    return busy.running == kThreads && busy.queued == 20 - kThreads;
  })) << "running "
      << busy.running << ", queued " << busy.queued;
  EXPECT_EQ(busy.threads, kThreads);
  EXPECT_EQ(busy.idle, 0u);
  EXPECT_LE(busy.peak_threads, kThreads);
  gate->cancel();
  for (int i = 0; i < 20; ++i) {
    EXPECT_EQ(std::move(handles[static_cast<std::size_t>(i)]).wait(), i);
  }
  const PoolStats calm = bridge_support::settled_stats();
  EXPECT_EQ(calm.queued, 0u);
  EXPECT_LE(calm.peak_threads, kThreads);
  ASSERT_TRUE(bridge_support::eventually([] {
    const PoolStats s = ffi_tasks::pool_stats();
    return s.idle == s.threads;
  })) << "idle workers wait for work (keep-alive is 10 minutes)";
}

// One definition: the bridge's structs and error kind are the C ABI's.
static_assert(std::is_same_v<PoolStats, ffi_tasks_stats>);
static_assert(std::is_same_v<ffi_tasks::TaskProgress, ffi_tasks_progress>);
static_assert(std::is_same_v<decltype(ffi_tasks::bridge::LastError::kind), ffi_tasks_error_kind>);

TEST(PoolStatsTest, SharedStructMatchesTheCAbi) {
  const PoolStats bridge = bridge_support::settled_stats();
  ffi_tasks_stats c{};
  ASSERT_EQ(ffi_tasks_pool_stats(&c), 0);
  EXPECT_EQ(c.completed, bridge.completed);
  EXPECT_EQ(c.failed, bridge.failed);
  EXPECT_EQ(c.cancelled, bridge.cancelled);
  EXPECT_EQ(c.threads, bridge.threads);
  EXPECT_EQ(c.peak_threads, bridge.peak_threads);
  EXPECT_EQ(c.running, 0u);
  EXPECT_EQ(c.queued, 0u);
}

TEST(PoolStatsTest, BurstOfTenThousandTasksAddsUpExactly) {
  const PoolStats before = bridge_support::settled_stats();
  auto cancelled_group = ffi_tasks::make_token();
  cancelled_group->cancel();

  std::uint64_t expect_completed = 0, expect_failed = 0, expect_cancelled = 0;
  std::vector<TaskHandle<std::uint64_t>> handles;
  handles.reserve(10000);
  for (std::uint64_t i = 0; i < 10000; ++i) {
    switch (i % 8) {
      case 0:  // Rust task, value
      case 1:
        handles.push_back(ffi_tasks::spawn(Add{i, 1}));
        ++expect_completed;
        break;
      case 2:  // Rust task, error
        handles.push_back(ffi_tasks::spawn(Fail{static_cast<int>(i)}));
        ++expect_failed;
        break;
      case 3:  // Rust task under a cancelled group
        handles.push_back(ffi_tasks::spawn(Spin{0}, *cancelled_group));
        ++expect_cancelled;
        break;
      case 4:  // C++ job, value
      case 5:
        handles.push_back(ffi_tasks::spawn([i](Token) { return i; }));
        ++expect_completed;
        break;
      case 6:  // C++ job that throws
        handles.push_back(
            ffi_tasks::spawn([](Token) -> std::uint64_t { throw std::logic_error("no"); }));
        ++expect_failed;
        break;
      default:  // C++ job that ends cancelled
        handles.push_back(ffi_tasks::spawn(
            [](Token t) -> std::uint64_t {
              ffi_tasks::throw_if_cancelled(t);
              throw ffi_tasks::TaskCancelled("stopped early");
            },
            *cancelled_group));
        ++expect_cancelled;
        break;
    }
  }
  ASSERT_EQ(expect_completed + expect_failed + expect_cancelled, 10000u);

  // Take every outcome; a handle dropped unwaited would count the same.
  std::uint64_t values = 0, errors = 0;
  for (auto &h : handles) {
    auto result = std::move(h).try_wait();
    if (result.has_value()) {
      ++values;
    } else {
      ++errors;
    }
  }
  EXPECT_EQ(values, expect_completed);
  EXPECT_EQ(errors, expect_failed + expect_cancelled);

  const PoolStats after = bridge_support::settled_stats();
  EXPECT_EQ(after.completed - before.completed, expect_completed);
  EXPECT_EQ(after.failed - before.failed, expect_failed);
  EXPECT_EQ(after.cancelled - before.cancelled, expect_cancelled);
  EXPECT_EQ(bridge_support::finished_total(after) - bridge_support::finished_total(before), 10000u);
  EXPECT_LE(after.peak_threads, kThreads);
}

}  // namespace

int main(int argc, char **argv) {
  ::testing::InitGoogleTest(&argc, argv);
  // First thing, before any task or statistic touches the pool.
  PoolOptions zero = test_options();
  zero.max_threads = 0;
  try {
    ffi_tasks::configure_pool(zero);
  } catch (const ffi_tasks::InvalidArgument &e) {
    startup.zero_threads_error = e.what();
  }
  startup.requested = test_options();
  try {
    ffi_tasks::configure_pool(startup.requested);
  } catch (const std::exception &e) {
    startup.configure_error = e.what();
    if (startup.configure_error.empty()) {
      startup.configure_error = "(empty message)";
    }
  }
  return RUN_ALL_TESTS();
}
