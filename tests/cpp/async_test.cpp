// Asynchronous paths: to_future, co_await (C++20), std::stop_token (C++20),
// and many handles used from several threads at once.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "coroutine_support.hpp"
#include "example_tasks.hpp"
#include "ffi_tasks/ffi_tasks.hpp"
#include "gtest_extra.hpp"

#if FFI_TASKS_HAS_COROUTINES
#include <coroutine>
#include <exception>
#endif
#if FFI_TASKS_HAS_STOP_TOKEN
#include <stop_token>
#endif

using ffi_tasks::TaskHandle;
using test_support::fresh_id;
using test_support::kWaitMs;
using test_support::wait_drops;
using test_support::wait_started;

namespace {

const char *const kFailMessage = "task failed with code 7: while reading input: root cause";

template <class T>
bool ready(const std::future<T> &future) {
  return future.wait_for(std::chrono::milliseconds(kWaitMs)) == std::future_status::ready;
}

// ----- to_future

TEST(FutureTest, ToFutureGivesValue) {
  std::future<std::uint64_t> future = ffi_tasks::spawn(CountPrimes{1000}).to_future();
  ASSERT_TRUE(ready(future));
  EXPECT_EQ(future.get(), 168u);
}

TEST(FutureTest, ToFutureConsumesHandle) {
  auto handle = ffi_tasks::spawn(Add{1, 2});
  auto future = std::move(handle).to_future();
  EXPECT_FALSE(handle.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(future.get(), 3u);
}

TEST(FutureTest, ToFutureGivesTypedException) {
  auto future = ffi_tasks::spawn(Fail{7}).to_future();
  ASSERT_TRUE(ready(future));
  EXPECT_THROW_MSG(future.get(), ffi_tasks::TaskFailed, kFailMessage);
}

TEST(FutureTest, ToFutureOfCancelledTask) {
  auto handle = ffi_tasks::spawn(Spin{0});
  handle.cancel();
  auto future = std::move(handle).to_future();
  EXPECT_THROW_MSG(future.get(), ffi_tasks::TaskCancelled, "The task was cancelled");
}

TEST(FutureTest, ToFutureWhileRunning) {
  const std::uint64_t id = fresh_id();
  auto future = ffi_tasks::spawn(Probe{id, 12, probe_mode::return_when_released}).to_future();
  ASSERT_TRUE(wait_started(id));
  EXPECT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  example_probe_release(id);
  const ProbeOutput out = future.get();
  EXPECT_EQ(out.value, 12u);
  EXPECT_EQ(example_probe_drops(id), 1u);  // freed once, by the callback
}

TEST(FutureTest, ToFutureAfterTaskFinished) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 3, probe_mode::return_now});
  // Let it finish first, so the callback runs inside to_future itself.
  ASSERT_TRUE(test_support::spin_until_finished(handle));
  auto future = std::move(handle).to_future();
  EXPECT_EQ(future.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  EXPECT_EQ(future.get().value, 3u);
  EXPECT_EQ(example_probe_drops(id), 1u);
}

TEST(FutureTest, DroppedFutureStillFreesResult) {
  const std::uint64_t id = fresh_id();
  {
    auto future = ffi_tasks::spawn(Probe{id, 0, probe_mode::return_when_released}).to_future();
    ASSERT_TRUE(wait_started(id));
  }  // the future is gone; the task is not cancelled and still finishes
  example_probe_release(id);
  ASSERT_TRUE(wait_drops(id, 1));
  EXPECT_EQ(example_probe_saw_cancel(id), 0u);
  EXPECT_EQ(example_probe_drops(id), 1u);
}

TEST(FutureTest, ToFutureAfterOnCompleteThrowsInvalidArgument) {
  auto handle = ffi_tasks::spawn(Spin{0});
  handle.on_complete([]() noexcept {});
  EXPECT_THROW((void)std::move(handle).to_future(), ffi_tasks::InvalidArgument);
}

TEST(FutureTest, ToFutureOfOwnedResult) {
  const std::uint64_t id = fresh_id();
  auto future = ffi_tasks::spawn(Probe3{id, 6, probe_mode::return_now}).to_future();
  {
    ffi_tasks::Owned<ProbeOutput> out = future.get();
    EXPECT_EQ(out->value, 6u);
    EXPECT_EQ(example_probe_drops(id), 0u);
  }
  EXPECT_EQ(example_probe_drops(id), 1u);
}

TEST(FutureTest, ToFutureWhenMovingResultOutThrows) {
  const std::uint64_t id = fresh_id();
  auto future = ffi_tasks::spawn(Probe2{id, 0, probe_mode::return_now}).to_future();
  EXPECT_THROW_MSG(future.get(), std::runtime_error, "ThrowingOutput: move failed");
  EXPECT_EQ(example_probe_drops(id), 1u);
}

// ----- many handles, several threads

TEST(ThreadsTest, ManyHandlesFromSeveralThreads) {
  constexpr int kThreads = 4;
  constexpr std::uint64_t kTasksPerThread = 40;
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([t, &failures] {
      std::vector<TaskHandle<std::uint64_t>> handles;
      for (std::uint64_t i = 0; i < kTasksPerThread; ++i) {
        handles.push_back(i % 2 == 0 ? ffi_tasks::spawn(Add{i, static_cast<std::uint64_t>(t)})
                                     : ffi_tasks::spawn(CountPrimes{100}));
      }
      for (std::uint64_t i = 0; i < kTasksPerThread; ++i) {
        const std::uint64_t expected = i % 2 == 0 ? i + static_cast<std::uint64_t>(t) : 25;
        if (std::move(handles[i]).wait() != expected) {
          failures.fetch_add(1);
        }
      }
    });
  }
  for (auto &thread : threads) {
    thread.join();
  }
  EXPECT_EQ(failures.load(), 0);
}

TEST(ThreadsTest, ConstMethodsFromSeveralThreadsAtOnce) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::cancel_when_cancelled});
  ASSERT_TRUE(wait_started(id));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        const auto status = handle.status();
        const auto progress = handle.progress();
        if (progress != ffi_tasks::Progress{3, 10}) {
          wrong.fetch_add(1);
        }
        if (status != ffi_tasks::TaskStatus::running &&
            status != ffi_tasks::TaskStatus::cancelled) {
          wrong.fetch_add(1);
        }
        if (i == 100) {
          handle.cancel();  // several threads cancel at once: fine
        }
        (void)handle.cancelled();
      }
    });
  }
  for (auto &thread : threads) {
    thread.join();
  }
  EXPECT_EQ(wrong.load(), 0);
  EXPECT_TRUE(handle.cancelled());
  EXPECT_THROW(std::move(handle).wait(), ffi_tasks::TaskCancelled);
}

TEST(ThreadsTest, HandleMovedToAnotherThread) {
  auto handle = ffi_tasks::spawn(CountPrimes{1000});
  std::uint64_t result = 0;
  std::thread waiter([h = std::move(handle), &result]() mutable { result = std::move(h).wait(); });
  waiter.join();
  EXPECT_EQ(result, 168u);
}

TEST(ThreadsTest, FuturesOfManyTasks) {
  std::vector<std::future<std::uint64_t>> futures;
  for (std::uint64_t i = 0; i < 64; ++i) {
    futures.push_back(ffi_tasks::spawn(Add{i, i}).to_future());
  }
  for (std::uint64_t i = 0; i < 64; ++i) {
    EXPECT_EQ(futures[i].get(), 2 * i);
  }
}

// ----- co_await

#if FFI_TASKS_HAS_COROUTINES

using test_support::Eager;

Eager<std::uint64_t> add_then_count() {
  const std::uint64_t sum = co_await ffi_tasks::spawn(Add{500, 500});
  const std::uint64_t primes = co_await ffi_tasks::spawn(CountPrimes{sum});
  co_return primes;
}

TEST(CoroutineTest, CoAwaitChainsTasks) {
  auto run = add_then_count();
  ASSERT_TRUE(ready(run.future));
  EXPECT_EQ(run.future.get(), 168u);
}

// The value awaited, and the thread the coroutine was resumed on.
Eager<std::pair<std::uint64_t, std::thread::id>> await_probe(TaskHandle<ProbeOutput> handle) {
  const ProbeOutput out = co_await std::move(handle);
  co_return std::pair{out.value, std::this_thread::get_id()};
}

TEST(CoroutineTest, CoAwaitSuspendsAndResumesOnWorker) {
  const std::uint64_t id = fresh_id();
  auto run = await_probe(ffi_tasks::spawn(Probe{id, 21, probe_mode::return_when_released}));
  // The coroutine is suspended: the task cannot finish before the release.
  EXPECT_EQ(run.future.wait_for(std::chrono::seconds(0)), std::future_status::timeout);
  example_probe_release(id);
  ASSERT_TRUE(ready(run.future));
  const auto [value, resumed_on] = run.future.get();
  EXPECT_NE(resumed_on, std::this_thread::get_id());
  EXPECT_EQ(value, 21u);
  EXPECT_EQ(example_probe_drops(id), 1u);
}

TEST(CoroutineTest, CoAwaitFinishedTaskDoesNotSuspend) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 2, probe_mode::return_now});
  ASSERT_TRUE(test_support::spin_until_finished(handle));
  auto run = await_probe(std::move(handle));
  // Completed synchronously, on this thread.
  EXPECT_EQ(run.future.wait_for(std::chrono::seconds(0)), std::future_status::ready);
  const auto [value, resumed_on] = run.future.get();
  EXPECT_EQ(resumed_on, std::this_thread::get_id());
  EXPECT_EQ(value, 2u);
}

Eager<std::uint64_t> await_failing() { co_return co_await ffi_tasks::spawn(Fail{7}); }

TEST(CoroutineTest, CoAwaitThrowsTaskError) {
  auto run = await_failing();
  ASSERT_TRUE(ready(run.future));
  EXPECT_THROW_MSG(run.future.get(), ffi_tasks::TaskFailed, kFailMessage);
}

Eager<std::uint64_t> await_empty() {
  TaskHandle<std::uint64_t> empty;
  co_return co_await std::move(empty);
}

TEST(CoroutineTest, CoAwaitEmptyHandleThrowsUsageError) {
  auto run = await_empty();
  EXPECT_THROW(run.future.get(), ffi_tasks::UsageError);
}

Eager<int> await_many(int count) {
  int sum = 0;
  for (int i = 0; i < count; ++i) {
    sum += static_cast<int>(co_await ffi_tasks::spawn(Add{static_cast<std::uint64_t>(i), 1}));
  }
  co_return sum;
}

TEST(CoroutineTest, ManyAwaitsInALoop) {
  auto run = await_many(50);
  ASSERT_TRUE(ready(run.future));
  EXPECT_EQ(run.future.get(), 50 * 49 / 2 + 50);
}

#endif  // FFI_TASKS_HAS_COROUTINES

// ----- std::stop_token

#if FFI_TASKS_HAS_STOP_TOKEN

TEST(StopTokenTest, StopRequestCancelsWait) {
  const std::uint64_t id = fresh_id();
  std::stop_source source;
  auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::cancel_when_cancelled});
  std::thread stopper([id, &source] {
    if (wait_started(id)) {
      source.request_stop();
    }
  });
  EXPECT_THROW_MSG(std::move(handle).wait(source.get_token()), ffi_tasks::TaskCancelled,
                   "The task was cancelled");
  stopper.join();
  EXPECT_EQ(example_probe_saw_cancel(id), 1u);
  EXPECT_FALSE(handle.valid());  // NOLINT(bugprone-use-after-move)
}

TEST(StopTokenTest, AlreadyStoppedCancelsAtOnce) {
  std::stop_source source;
  source.request_stop();
  auto handle = ffi_tasks::spawn(Spin{0});
  EXPECT_THROW(std::move(handle).wait(source.get_token()), ffi_tasks::TaskCancelled);
}

TEST(StopTokenTest, NoStopRequestGivesValue) {
  std::stop_source source;
  EXPECT_EQ(ffi_tasks::spawn(Add{2, 2}).wait(source.get_token()), 4u);
  EXPECT_EQ(ffi_tasks::spawn(Add{3, 3}).wait(std::stop_token()), 6u);
}

TEST(StopTokenTest, TaskMayFinishAnywayAfterStop) {
  const std::uint64_t id = fresh_id();
  std::stop_source source;
  auto handle = ffi_tasks::spawn(Probe{id, 8, probe_mode::return_when_cancelled});
  ASSERT_TRUE(wait_started(id));
  source.request_stop();
  EXPECT_EQ(std::move(handle).wait(source.get_token()).value, 8u);
  EXPECT_EQ(example_probe_drops(id), 1u);
}

TEST(StopTokenTest, TryWaitReportsCancellation) {
  std::stop_source source;
  source.request_stop();
  const auto result = ffi_tasks::spawn(Spin{0}).try_wait(source.get_token());
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind(), ffi_tasks::ErrorKind::cancelled);
}

TEST(StopTokenTest, JthreadStopsItsWaiter) {
  const std::uint64_t id = fresh_id();
  std::atomic<bool> cancelled{false};
  {
    std::jthread waiter([id, &cancelled](std::stop_token stop) {
      auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::cancel_when_cancelled});
      try {
        std::move(handle).wait(stop);
      } catch (const ffi_tasks::TaskCancelled &) {
        cancelled = true;
      }
    });
    ASSERT_TRUE(wait_started(id));
  }  // ~jthread requests stop, then joins
  EXPECT_TRUE(cancelled.load());
}

#endif  // FFI_TASKS_HAS_STOP_TOKEN

}  // namespace
