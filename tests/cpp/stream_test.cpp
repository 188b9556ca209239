// TaskStream<T> (ffi_tasks/stream.hpp) over the example crate's stream tasks
// (cpp/example_tasks/src/streams.rs): items in order, the end and the task's
// error kept apart, back-pressure, cancellation, items freed exactly once,
// the try_* forms, range-for and (C++20) co_await without a blocked thread.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <optional>
#include <thread>
#include <utility>
#include <vector>

#include "coroutine_support.hpp"
#include "example_tasks.hpp"
#include "ffi_tasks/ffi_tasks.hpp"
#include "ffi_tasks/stream.hpp"
#include "gtest_extra.hpp"

#if FFI_TASKS_HAS_COROUTINES
#include <coroutine>
#include <exception>
#endif

FFI_TASKS_CPP_STREAM(counter, Counter, std::uint64_t);
FFI_TASKS_CPP_STREAM(prime_stream, PrimeStream, std::uint64_t);
FFI_TASKS_CPP_STREAM(tracked, Tracked, TrackedItem);

using ffi_tasks::TaskStatus;
using ffi_tasks::TaskStream;

namespace {

constexpr std::uint32_t kNo = 0;
constexpr std::uint32_t kYes = 1;

// Polls `cond` until it holds; false after 30 s (a failure, not a hang).
template <class F>
bool eventually(F cond) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (!cond()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  return true;
}

TEST(StreamTest, ItemsInOrderThenTheEndRepeats) {
  auto stream = ffi_tasks::spawn_stream(Counter{100, 8, kNo, kNo});
  std::vector<std::uint64_t> seen;
  while (auto item = stream.next()) {
    seen.push_back(*item);
  }
  ASSERT_EQ(seen.size(), 100u);
  for (std::uint64_t i = 0; i < 100; ++i) {
    EXPECT_EQ(seen[i], i);
  }
  EXPECT_TRUE(stream.done());
  EXPECT_FALSE(stream.next().has_value());
  EXPECT_EQ(stream.status(), TaskStatus::completed);
}

TEST(StreamTest, RangeForReadsEveryItem) {
  std::uint64_t sum = 0;
  std::uint64_t count = 0;
  for (std::uint64_t p : ffi_tasks::spawn_stream(PrimeStream{100})) {
    sum += p;
    ++count;
  }
  EXPECT_EQ(count, 25u);
  EXPECT_EQ(sum, 1060u);
}

TEST(StreamTest, AFailedTaskThrowsAtTheEndAfterItsItemsAndAgain) {
  auto stream = ffi_tasks::spawn_stream(Counter{3, 8, kYes, kNo});
  for (std::uint64_t i = 0; i < 3; ++i) {
    EXPECT_EQ(stream.next(), std::optional<std::uint64_t>(i));
  }
  EXPECT_THROW_MSG(static_cast<void>(stream.next()), ffi_tasks::TaskFailed,
                   "counter failed after 3 items");
  EXPECT_TRUE(stream.done());
  EXPECT_THROW_MSG(static_cast<void>(stream.next()), ffi_tasks::TaskFailed,
                   "counter failed after 3 items");
  EXPECT_EQ(stream.status(), TaskStatus::failed);
}

TEST(StreamTest, RangeForThrowsTheTasksError) {
  auto stream = ffi_tasks::spawn_stream(Counter{2, 8, kYes, kNo});
  std::uint64_t count = 0;
  EXPECT_THROW(
      {
        for (std::uint64_t item : stream) {
          EXPECT_EQ(item, count);
          ++count;
        }
      },
      ffi_tasks::TaskFailed);
  EXPECT_EQ(count, 2u);
}

TEST(StreamTest, TryFormsReturnTheErrorInsteadOfThrowing) {
  auto stream = ffi_tasks::spawn_stream(Counter{1, 8, kYes, kNo});
  auto first = stream.try_next();
  ASSERT_TRUE(first.has_value());
  EXPECT_EQ(**first, 0u);
  auto end = stream.try_next();
  ASSERT_FALSE(end.has_value());
  EXPECT_EQ(end.error().kind(), ffi_tasks::ErrorKind::failed);
  EXPECT_TRUE(stream.try_status().has_value());
}

TEST(StreamTest, NextForTimesOutOnAQuietStreamThenSeesTheCancel) {
  auto stream = ffi_tasks::spawn_stream(Counter{0, 8, kNo, kYes});
  EXPECT_FALSE(stream.next_for(std::chrono::milliseconds(5)).has_value());
  EXPECT_FALSE(stream.done()) << "a timeout is not the end";
  EXPECT_EQ(stream.status(), TaskStatus::running);
  stream.cancel();
  EXPECT_TRUE(stream.cancelled());
  EXPECT_THROW(static_cast<void>(stream.next_for(std::chrono::seconds(30))),
               ffi_tasks::TaskCancelled);
  EXPECT_TRUE(stream.done());
  EXPECT_EQ(stream.status(), TaskStatus::cancelled);
}

TEST(StreamTest, NanTimeoutIsInvalidArgument) {
  auto stream = ffi_tasks::spawn_stream(Counter{0, 8, kNo, kYes});
  const std::chrono::duration<double> nan(std::numeric_limits<double>::quiet_NaN());
  EXPECT_THROW(static_cast<void>(stream.next_for(nan)), ffi_tasks::InvalidArgument);
  EXPECT_FALSE(stream.done());
}

TEST(StreamTest, AFullBufferHoldsTheProducerBack) {
  // Capacity 8 of 100000 items: at most 8 buffered plus 1 in the pending emit.
  const std::uint64_t before = example_stream_live_items();
  auto stream = ffi_tasks::spawn_stream(Tracked{100000, 8, kNo});
  EXPECT_EQ(stream.next()->value, 0u);
  ASSERT_TRUE(eventually([&] { return example_stream_live_items() >= before + 8; }));
  std::this_thread::sleep_for(std::chrono::milliseconds(20));
  EXPECT_LE(example_stream_live_items(), before + 9) << "the producer ran ahead of the reader";
  EXPECT_EQ(stream.status(), TaskStatus::running);
  std::uint64_t expected = 1;
  while (auto item = stream.next()) {
    ASSERT_EQ(item->value, expected++);
  }
  EXPECT_EQ(expected, 100000u);
}

TEST(StreamTest, DestroyingTheStreamFreesBufferedItemsOnce) {
  const std::uint64_t before = example_stream_live_items();
  {
    auto stream = ffi_tasks::spawn_stream(Tracked{1000, 8, kNo});
    auto first = stream.next();
    ASSERT_TRUE(first.has_value());
    EXPECT_EQ(first->value, 0u);
    // The buffer refills to 8 (and one more waits in the producer's emit).
    ASSERT_TRUE(eventually([&] { return example_stream_live_items() >= before + 8; }));
  }
  ASSERT_TRUE(eventually([&] { return example_stream_live_items() == before; }));
}

TEST(StreamTest, ItemsTakenAreFreedByTheirReader) {
  const std::uint64_t before = example_stream_live_items();
  auto stream = ffi_tasks::spawn_stream(Tracked{50, 4, kNo});
  std::uint64_t count = 0;
  for (const TrackedItem &item : stream) {
    EXPECT_EQ(item.value, count++);
  }
  EXPECT_EQ(count, 50u);
  EXPECT_EQ(example_stream_live_items(), before);
}

TEST(StreamTest, MovedFromStreamIsEmpty) {
  auto stream = ffi_tasks::spawn_stream(Counter{1, 8, kNo, kNo});
  TaskStream<std::uint64_t> other = std::move(stream);
  EXPECT_FALSE(stream.valid());
  EXPECT_THROW(static_cast<void>(stream.next()), ffi_tasks::UsageError);
  EXPECT_FALSE(stream.try_next().has_value());
  EXPECT_EQ(other.next(), std::optional<std::uint64_t>(0));
  other.reset();
  EXPECT_FALSE(other.valid());
}

TEST(StreamTest, HugeAndZeroCapacities) {
  for (std::uint64_t capacity : {std::uint64_t{0}, UINT64_MAX}) {
    auto stream = ffi_tasks::spawn_stream(Counter{300, capacity, kNo, kNo});
    std::uint64_t expected = 0;
    for (std::uint64_t item : stream) {
      ASSERT_EQ(item, expected++);
    }
    EXPECT_EQ(expected, 300u);
  }
}

TEST(StreamTest, ProgressIsReported) {
  auto stream = ffi_tasks::spawn_stream(PrimeStream{5000});
  while (stream.next()) {
  }
  const ffi_tasks::Progress progress = stream.progress();
  EXPECT_EQ(progress.done, 5000u);
  EXPECT_EQ(progress.total, 5000u);
}

#if FFI_TASKS_HAS_COROUTINES

using test_support::Eager;

Eager<std::vector<std::uint64_t>> collect(TaskStream<std::uint64_t> &stream) {
  std::vector<std::uint64_t> items;
  while (auto item = co_await stream.next_async()) {
    items.push_back(*item);
  }
  co_return items;
}

TEST(StreamCoroutineTest, CoAwaitReadsEveryItemWithoutBlocking) {
  auto stream = ffi_tasks::spawn_stream(Counter{1000, 4, kNo, kNo});
  auto run = collect(stream);
  ASSERT_EQ(run.future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  const auto items = run.future.get();
  ASSERT_EQ(items.size(), 1000u);
  for (std::uint64_t i = 0; i < 1000; ++i) {
    ASSERT_EQ(items[i], i);
  }
}

TEST(StreamCoroutineTest, CoAwaitSuspendsUntilAnItemComesThenResumes) {
  // Lingers after its one item: the second co_await suspends until cancel.
  auto stream = ffi_tasks::spawn_stream(Counter{1, 4, kNo, kYes});
  auto run = collect(stream);
  EXPECT_EQ(run.future.wait_for(std::chrono::milliseconds(20)), std::future_status::timeout);
  stream.cancel();
  ASSERT_EQ(run.future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_THROW(run.future.get(), ffi_tasks::TaskCancelled);
}

TEST(StreamCoroutineTest, CoAwaitThrowsTheTasksError) {
  auto stream = ffi_tasks::spawn_stream(Counter{2, 4, kYes, kNo});
  auto run = collect(stream);
  ASSERT_EQ(run.future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_THROW_MSG(run.future.get(), ffi_tasks::TaskFailed, "counter failed after 2 items");
}

// A coroutine suspended in co_await whose frame is destroyed: the stream's
// destruction runs the ready callback, which must not resume it.
struct Lazy {
  struct promise_type {
    Lazy get_return_object() {
      return Lazy{std::coroutine_handle<promise_type>::from_promise(*this)};
    }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() {}
    void unhandled_exception() { std::terminate(); }
  };
  std::coroutine_handle<promise_type> handle;
};

Lazy await_forever(bool *resumed) {
  auto stream = ffi_tasks::spawn_stream(Counter{0, 4, kNo, kYes});
  static_cast<void>(co_await stream.next_async());
  *resumed = true;
}

TEST(StreamCoroutineTest, DestroyingASuspendedCoroutineNeverResumesIt) {
  bool resumed = false;
  Lazy lazy = await_forever(&resumed);
  EXPECT_FALSE(lazy.handle.done());
  lazy.handle.destroy();  // destroys the stream: cancels the task
  EXPECT_FALSE(resumed);
}

#endif  // FFI_TASKS_HAS_COROUTINES

}  // namespace
