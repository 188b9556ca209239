// TaskStream<T> (ffi_tasks/stream.hpp) used as a hostile caller would: the
// stream moved, swapped, reset or destroyed while a coroutine waits in
// co_await stream.next_async(); an iterator used after its stream moved;
// self-move and self-swap. Run under the asan preset: a read through the
// old stream object's memory is a heap-use-after-free there.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <utility>

#include "coroutine_support.hpp"
#include "example_tasks.hpp"
#include "ffi_tasks/ffi_tasks.hpp"
#include "ffi_tasks/stream.hpp"
#include "gtest_extra.hpp"

FFI_TASKS_CPP_STREAM(counter, Counter, std::uint64_t);

using ffi_tasks::TaskStream;

namespace {

constexpr std::uint32_t kNo = 0;
constexpr std::uint32_t kYes = 1;

// One item, then it waits for its cancellation (which ends it).
TaskStream<std::uint64_t> one_then_linger() {
  return ffi_tasks::spawn_stream(Counter{1, 4, kNo, kYes});
}

TEST(StreamHostileTest, SelfMoveAndSelfSwapKeepTheStream) {
  auto stream = one_then_linger();
  auto &same = stream;
  stream = std::move(same);
  ASSERT_TRUE(stream.valid());
  stream.swap(same);
  swap(stream, same);
  ASSERT_TRUE(stream.valid());
  EXPECT_EQ(stream.next(), std::optional<std::uint64_t>(0));
}

TEST(StreamHostileTest, AnIteratorAfterItsStreamMovedReadsTheEmptyStream) {
  auto stream = ffi_tasks::spawn_stream(Counter{3, 4, kNo, kNo});
  auto it = stream.begin();
  ASSERT_EQ(*it, 0u);
  TaskStream<std::uint64_t> moved = std::move(stream);
  EXPECT_THROW(++it, ffi_tasks::UsageError);
  EXPECT_EQ(moved.next(), std::optional<std::uint64_t>(1));
}

TEST(StreamHostileTest, NextAfterTheEndGivesTheEndAgain) {
  auto stream = ffi_tasks::spawn_stream(Counter{0, 4, kNo, kNo});
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(stream.next(), std::nullopt);
    EXPECT_TRUE(stream.done());
  }
}

#if FFI_TASKS_HAS_COROUTINES

using test_support::Eager;

Eager<std::optional<std::uint64_t>> read_one(TaskStream<std::uint64_t> &stream) {
  co_return co_await stream.next_async();
}

// A stream whose first item was read, so that the next co_await suspends
// until the task is cancelled; on the heap, so that freeing it is visible.
std::unique_ptr<TaskStream<std::uint64_t>> quiet_stream() {
  auto stream = std::make_unique<TaskStream<std::uint64_t>>(one_then_linger());
  EXPECT_EQ(stream->next(), std::optional<std::uint64_t>(0));
  return stream;
}

TEST(StreamHostileTest, MovingTheStreamWhileACoroutineWaitsHandsTheWaitToTheNewOne) {
  auto stream = quiet_stream();
  auto run = read_one(*stream);
  ASSERT_EQ(run.future.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  TaskStream<std::uint64_t> moved = std::move(*stream);
  stream.reset();  // the object the coroutine started on is freed
  moved.cancel();  // the coroutine resumes and reads `moved`: the end, cancelled
  ASSERT_EQ(run.future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_THROW(run.future.get(), ffi_tasks::TaskCancelled);
  EXPECT_TRUE(moved.done());
}

TEST(StreamHostileTest, SwappingTheStreamWhileACoroutineWaitsHandsTheWaitOver) {
  auto stream = quiet_stream();
  auto run = read_one(*stream);
  auto other =
      std::make_unique<TaskStream<std::uint64_t>>(ffi_tasks::spawn_stream(Counter{5, 4, kNo, kNo}));
  stream->swap(*other);
  stream.reset();  // the five-item stream, not the awaited one
  ASSERT_EQ(run.future.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  other->cancel();
  ASSERT_EQ(run.future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_THROW(run.future.get(), ffi_tasks::TaskCancelled);
}

TEST(StreamHostileTest, MoveAssigningOverAWaitedStreamEndsTheWaitWithUsageError) {
  auto stream = quiet_stream();
  auto run = read_one(*stream);
  *stream = ffi_tasks::spawn_stream(Counter{5, 4, kNo, kNo});
  ASSERT_EQ(run.future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_THROW_CONTAINS(run.future.get(), ffi_tasks::UsageError, "next_async");
  EXPECT_EQ(stream->next(), std::optional<std::uint64_t>(0));  // the new task's
}

TEST(StreamHostileTest, DestroyingTheStreamWhileACoroutineWaitsEndsTheWaitWithUsageError) {
  auto stream = quiet_stream();
  auto run = read_one(*stream);
  stream.reset();
  ASSERT_EQ(run.future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_THROW_CONTAINS(run.future.get(), ffi_tasks::UsageError, "next_async");
}

TEST(StreamHostileTest, ResettingTheStreamWhileACoroutineWaitsEndsTheWaitWithUsageError) {
  auto stream = quiet_stream();
  auto run = read_one(*stream);
  stream->reset();
  ASSERT_EQ(run.future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_THROW_CONTAINS(run.future.get(), ffi_tasks::UsageError, "next_async");
  EXPECT_FALSE(stream->valid());
}

using test_support::Frame;

// Suspends in co_await, and is destroyed there.
Frame await_on(TaskStream<std::uint64_t> &stream, bool *resumed) {
  static_cast<void>(co_await stream.next_async());
  *resumed = true;
}

TEST(StreamHostileTest, AStreamOutlivingADestroyedWaitingCoroutineCanStillBeMovedAndRead) {
  auto stream = quiet_stream();
  bool resumed = false;
  Frame frame = await_on(*stream, &resumed);
  ASSERT_TRUE(frame.suspended());
  frame.destroy();  // the stream stays; its ready callback is still registered
  TaskStream<std::uint64_t> moved = std::move(*stream);
  stream.reset();
  moved.cancel();
  EXPECT_THROW(static_cast<void>(moved.next()), ffi_tasks::TaskCancelled);
  moved.reset();
  EXPECT_FALSE(resumed);
}

TEST(StreamHostileTest, TwoCoroutinesAwaitingOneStreamTheSecondGetsInvalidArgument) {
  auto stream = quiet_stream();
  auto first = read_one(*stream);
  auto second = read_one(*stream);
  ASSERT_EQ(second.future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_THROW(second.future.get(), ffi_tasks::InvalidArgument);
  // The first still waits on the stream, and follows it when it moves.
  TaskStream<std::uint64_t> moved = std::move(*stream);
  stream.reset();
  moved.cancel();
  ASSERT_EQ(first.future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_THROW(first.future.get(), ffi_tasks::TaskCancelled);
}

// Resumed by the stream's reset (its read fails with UsageError), the
// coroutine starts a new stream in the same object, from inside reset().
Eager<bool> restart_when_reset(TaskStream<std::uint64_t> &stream, std::uint64_t count) {
  try {
    static_cast<void>(co_await stream.next_async());
  } catch (const ffi_tasks::UsageError &) {
    stream = ffi_tasks::spawn_stream(Counter{count, 4, kNo, kNo});
    co_return true;
  }
  co_return false;
}

std::uint64_t count_items(TaskStream<std::uint64_t> &stream) {
  std::uint64_t n = 0;
  while (stream.next()) {
    ++n;
  }
  return n;
}

TEST(StreamHostileTest, ACoroutineResumedByResetThatReassignsTheStream) {
  auto stream = quiet_stream();
  auto run = restart_when_reset(*stream, 3);
  stream->reset();
  ASSERT_EQ(run.future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_TRUE(run.future.get());
  ASSERT_TRUE(stream->valid());  // the coroutine's new stream, whole
  EXPECT_EQ(count_items(*stream), 3u);
}

TEST(StreamHostileTest, ACoroutineResumedByAssignmentThatReassignsTheStream) {
  auto stream = quiet_stream();
  auto run = restart_when_reset(*stream, 3);
  *stream = ffi_tasks::spawn_stream(Counter{5, 4, kNo, kNo});
  ASSERT_EQ(run.future.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_TRUE(run.future.get());
  // The coroutine assigned last: its stream is the one kept (the other is
  // destroyed, not leaked).
  ASSERT_TRUE(stream->valid());
  EXPECT_EQ(count_items(*stream), 3u);
}

#endif  // FFI_TASKS_HAS_COROUTINES

}  // namespace
