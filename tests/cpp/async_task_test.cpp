// An async Rust task (AsyncProbe: export_task!'s AsyncTask: form) through the
// same TaskHandle<T> as the blocking tasks: spawn, poll while its future
// waits, progress, wait after a release, cancel and destroy dropping a future
// that never wakes, many pending tasks, a completion callback.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "example_tasks.hpp"
#include "ffi_tasks/ffi_tasks.hpp"
#include "gtest_extra.hpp"

using ffi_tasks::TaskHandle;
using ffi_tasks::TaskStatus;
using test_support::fresh_id;
using test_support::kWaitMs;
using test_support::wait_drops;
using test_support::wait_started;

namespace {

bool wait_saw_cancel(std::uint64_t id) {
  return example_probe_wait_saw_cancel(id, 1, kWaitMs) == 1;
}

TEST(AsyncTaskTest, WaitsWithoutAThreadThenCompletesOnRelease) {
  const std::uint64_t id = fresh_id();
  TaskHandle<ProbeOutput> handle = ffi_tasks::spawn(AsyncProbe{id, 7});
  ASSERT_TRUE(wait_started(id));
  EXPECT_EQ(handle.status(), TaskStatus::running);
  EXPECT_FALSE(handle.poll().has_value());
  EXPECT_EQ(handle.progress().done, 3u);
  EXPECT_EQ(handle.progress().total, 10u);
  // Shared: the callback runs on the worker just after the outcome is
  // published, so it may still be running when wait() has returned.
  auto calls = std::make_shared<std::atomic<int>>(0);
  handle.on_complete([calls] { calls->fetch_add(1); });
  example_probe_release(id);
  const ProbeOutput out = std::move(handle).wait();
  EXPECT_EQ(out.id, id);
  EXPECT_EQ(out.value, 7u);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (calls->load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::yield();
  }
  EXPECT_EQ(calls->load(), 1);
  EXPECT_EQ(example_probe_saw_cancel(id), 0u);
  ASSERT_TRUE(wait_drops(id, 1));
}

TEST(AsyncTaskTest, CancelDropsAFutureThatNeverWakes) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(AsyncProbe{id, 1});
  ASSERT_TRUE(wait_started(id));
  handle.cancel();
  EXPECT_TRUE(handle.cancelled());
  EXPECT_THROW_CONTAINS(std::move(handle).wait(), ffi_tasks::Error, "cancelled");
  ASSERT_TRUE(wait_saw_cancel(id));
  EXPECT_EQ(example_probe_drops(id), 0u);
}

TEST(AsyncTaskTest, DestroyingTheHandleDropsThePendingFuture) {
  const std::uint64_t id = fresh_id();
  {
    auto handle = ffi_tasks::spawn(AsyncProbe{id, 1});
    ASSERT_TRUE(wait_started(id));
  }
  ASSERT_TRUE(wait_saw_cancel(id));
}

TEST(AsyncTaskTest, ManyPendingTasksAllCompleteOnRelease) {
  const std::uint64_t id = fresh_id();
  constexpr std::uint64_t kTasks = 200;
  std::vector<TaskHandle<ProbeOutput>> handles;
  for (std::uint64_t i = 0; i < kTasks; ++i) {
    handles.push_back(ffi_tasks::spawn(AsyncProbe{id, i}));
  }
  ASSERT_TRUE(wait_started(id, kTasks));
  for (auto &handle : handles) {
    EXPECT_EQ(handle.status(), TaskStatus::running);
  }
  example_probe_release(id);
  std::uint64_t sum = 0;
  for (auto &handle : handles) {
    const std::optional<ProbeOutput> out = handle.wait_for(std::chrono::milliseconds(kWaitMs));
    ASSERT_TRUE(out.has_value());
    sum += out->value;
  }
  EXPECT_EQ(sum, kTasks * (kTasks - 1) / 2);
  EXPECT_EQ(example_probe_saw_cancel(id), 0u);
}

}  // namespace
