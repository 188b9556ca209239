// TaskHandle<T>: special members, every method on success and on failure,
// results freed exactly once. Synchronisation only through the probe
// counters (condition variables on the Rust side), completion callbacks and
// blocking waits; no sleeps, no timing assertions.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>

#include "example_tasks.hpp"
#include "ffi_tasks/ffi_tasks.hpp"
#include "gtest_extra.hpp"

using ffi_tasks::Progress;
using ffi_tasks::TaskHandle;
using ffi_tasks::TaskStatus;
using test_support::fresh_id;
using test_support::wait_drops;
using test_support::wait_started;

namespace {

// ----- compile-time properties

using U64Handle = TaskHandle<std::uint64_t>;
static_assert(!std::is_copy_constructible<U64Handle>::value, "move-only");
static_assert(!std::is_copy_assignable<U64Handle>::value, "move-only");
static_assert(std::is_nothrow_move_constructible<U64Handle>::value, "noexcept move");
static_assert(std::is_nothrow_move_assignable<U64Handle>::value, "noexcept move-assign");
static_assert(std::is_nothrow_destructible<U64Handle>::value, "destructor never throws");
static_assert(std::is_nothrow_default_constructible<U64Handle>::value, "empty by default");
static_assert(!std::is_convertible<U64Handle, bool>::value, "operator bool is explicit");
static_assert(std::is_constructible<bool, U64Handle>::value, "explicit operator bool");
static_assert(sizeof(U64Handle) == 2 * sizeof(void *), "a pointer and a vtable pointer");
// Every task yielding the same type gives the same handle type.
static_assert(std::is_same<decltype(ffi_tasks::spawn(Add{})), U64Handle>::value, "");
static_assert(std::is_same<decltype(ffi_tasks::spawn(Fail{})), U64Handle>::value, "");
static_assert(std::is_same<decltype(ffi_tasks::spawn(Probe{})), TaskHandle<ProbeOutput>>::value,
              "");
static_assert(std::is_same<decltype(ffi_tasks::spawn(Probe3{})),
                           TaskHandle<ffi_tasks::Owned<ProbeOutput>>>::value,
              "FFI_TASKS_CPP_TASK_OWNED yields Owned<Output>");
static_assert(
    std::is_same<decltype(ffi_tasks::spawn(UnitTask{})), TaskHandle<ffi_tasks::Unit>>::value, "");
// wait() consumes: it is only callable on an rvalue.
template <class H, class = void>
struct can_wait_on_lvalue : std::false_type {};
template <class H>
struct can_wait_on_lvalue<H, std::void_t<decltype(std::declval<H &>().wait())>> : std::true_type {};
static_assert(!can_wait_on_lvalue<U64Handle>::value, "wait() && only");
static_assert(ffi_tasks::is_bound_task_v<Add>, "");
static_assert(!ffi_tasks::is_bound_task_v<int>, "spawn() is not offered for unbound types");

std::string empty_message(const char *operation) {
  return std::string("ffi_tasks: ") + operation +
         "() called on an empty TaskHandle (moved from, consumed by wait(), to_future() or "
         "co_await, or reset)";
}

const char *const kFailMessage = "task failed with code 7: while reading input: root cause";
const char *const kAlreadyTaken = "result already taken: an earlier poll or wait returned it";
const char *const kCancelled = "The task was cancelled";

// Blocks until `handle`'s task has finished, through its completion callback.
template <class T>
void wait_finished(TaskHandle<T> &handle) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  handle.on_complete([done]() noexcept { done->set_value(); });
  ASSERT_EQ(finished.wait_for(std::chrono::milliseconds(test_support::kWaitMs)),
            std::future_status::ready);
}

// ----- special members

TEST(TaskHandleTest, DefaultCtorIsEmpty) {
  TaskHandle<std::uint64_t> handle;
  EXPECT_FALSE(handle.valid());
  EXPECT_FALSE(handle);
}

TEST(TaskHandleTest, SpawnGivesValidHandle) {
  auto handle = ffi_tasks::spawn(Add{2, 3});
  EXPECT_TRUE(handle.valid());
  EXPECT_TRUE(handle);
  EXPECT_EQ(std::move(handle).wait(), 5u);
}

TEST(TaskHandleTest, MoveCtor) {
  auto first = ffi_tasks::spawn(Add{20, 22});
  TaskHandle<std::uint64_t> second(std::move(first));
  EXPECT_FALSE(first.valid());  // NOLINT(bugprone-use-after-move)
  ASSERT_TRUE(second.valid());
  EXPECT_EQ(std::move(second).wait(), 42u);
}

TEST(TaskHandleTest, MoveAssignmentToEmpty) {
  auto source = ffi_tasks::spawn(Add{1, 1});
  TaskHandle<std::uint64_t> target;
  target = std::move(source);
  EXPECT_FALSE(source.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_EQ(std::move(target).wait(), 2u);
}

TEST(TaskHandleTest, MoveAssignmentReleasesPrevious) {
  const std::uint64_t old_id = fresh_id();
  const std::uint64_t new_id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{old_id, 1, probe_mode::return_when_cancelled});
  ASSERT_TRUE(wait_started(old_id));
  auto other = ffi_tasks::spawn(Probe{new_id, 2, probe_mode::return_now});

  handle = std::move(other);

  // The old task was cancelled and its untaken result freed, exactly once.
  ASSERT_TRUE(wait_drops(old_id, 1));
  EXPECT_EQ(example_probe_saw_cancel(old_id), 1u);
  EXPECT_EQ(example_probe_drops(old_id), 1u);
  EXPECT_FALSE(other.valid());  // NOLINT(bugprone-use-after-move)
  const ProbeOutput out = std::move(handle).wait();
  EXPECT_EQ(out.id, new_id);
  EXPECT_EQ(out.value, 2u);
  EXPECT_EQ(example_probe_drops(new_id), 1u);
}

TEST(TaskHandleTest, MoveAssignmentFromTemporary) {
  auto handle = ffi_tasks::spawn(Add{1, 2});
  handle = ffi_tasks::spawn(Add{3, 4});
  EXPECT_EQ(std::move(handle).wait(), 7u);
}

TEST(TaskHandleTest, SelfMoveAssignmentKeepsTask) {
  auto handle = ffi_tasks::spawn(Add{5, 6});
  auto &alias = handle;
  handle = std::move(alias);
  ASSERT_TRUE(handle.valid());
  EXPECT_EQ(std::move(handle).wait(), 11u);
}

TEST(TaskHandleTest, DestructorCancelsRunningTaskAndFreesEverything) {
  const std::uint64_t id = fresh_id();
  {
    auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::return_when_cancelled});
    ASSERT_TRUE(wait_started(id));
    EXPECT_EQ(handle.status(), TaskStatus::running);
  }
  // The task saw the cancellation, and the output it then produced (which
  // nobody can take any more) was freed exactly once.
  ASSERT_TRUE(wait_drops(id, 1));
  EXPECT_EQ(example_probe_saw_cancel(id), 1u);
  EXPECT_EQ(example_probe_drops(id), 1u);
}

TEST(TaskHandleTest, DestructorFreesUntakenResultOfFinishedTask) {
  const std::uint64_t id = fresh_id();
  {
    auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::return_now});
    wait_finished(handle);
    EXPECT_EQ(handle.status(), TaskStatus::completed);
    EXPECT_EQ(example_probe_drops(id), 0u);
  }
  ASSERT_TRUE(wait_drops(id, 1));
  EXPECT_EQ(example_probe_saw_cancel(id), 0u);
  EXPECT_EQ(example_probe_drops(id), 1u);
}

TEST(TaskHandleTest, DestructorOfEmptyHandleDoesNothing) {
  auto handle = ffi_tasks::spawn(Add{1, 2});
  EXPECT_EQ(std::move(handle).wait(), 3u);
  // handle is empty here; its destructor must not touch the consumed task.
}

TEST(TaskHandleTest, ResetCancelsAndEmpties) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::return_when_cancelled});
  ASSERT_TRUE(wait_started(id));
  handle.reset();
  EXPECT_FALSE(handle.valid());
  handle.reset();  // idempotent
  EXPECT_FALSE(handle.valid());
  ASSERT_TRUE(wait_drops(id, 1));
  EXPECT_EQ(example_probe_saw_cancel(id), 1u);
}

TEST(TaskHandleTest, SwapExchangesTasks) {
  auto a = ffi_tasks::spawn(Add{1, 0});
  auto b = ffi_tasks::spawn(Add{2, 0});
  swap(a, b);
  EXPECT_EQ(std::move(a).wait(), 2u);
  EXPECT_EQ(std::move(b).wait(), 1u);
}

// ----- an empty (moved-from / consumed) handle throws UsageError everywhere

TEST(TaskHandleTest, ConsumedHandleThrowsUsageError) {
  auto handle = ffi_tasks::spawn(Add{1, 2});
  EXPECT_EQ(std::move(handle).wait(), 3u);
  EXPECT_FALSE(handle.valid());  // NOLINT(bugprone-use-after-move)
  EXPECT_THROW_MSG((void)handle.poll(), ffi_tasks::UsageError, empty_message("poll"));
  EXPECT_THROW_MSG(std::move(handle).wait(), ffi_tasks::UsageError, empty_message("wait"));
}

TEST(TaskHandleTest, EmptyHandleThrowsUsageErrorFromEveryMethod) {
  TaskHandle<std::uint64_t> empty;
  EXPECT_THROW_MSG((void)empty.poll(), ffi_tasks::UsageError, empty_message("poll"));
  EXPECT_THROW_MSG(std::move(empty).wait(), ffi_tasks::UsageError, empty_message("wait"));
  EXPECT_THROW_MSG((void)empty.wait_for(std::chrono::seconds(1)), ffi_tasks::UsageError,
                   empty_message("wait_for"));
  EXPECT_THROW_MSG((void)empty.wait_until(std::chrono::steady_clock::now()), ffi_tasks::UsageError,
                   empty_message("wait_until"));
  EXPECT_THROW_MSG(empty.cancel(), ffi_tasks::UsageError, empty_message("cancel"));
  EXPECT_THROW_MSG(empty.cancelled(), ffi_tasks::UsageError, empty_message("cancelled"));
  EXPECT_THROW_MSG(empty.status(), ffi_tasks::UsageError, empty_message("status"));
  EXPECT_THROW_MSG(empty.progress(), ffi_tasks::UsageError, empty_message("progress"));
  EXPECT_THROW_MSG(empty.on_complete([]() noexcept {}), ffi_tasks::UsageError,
                   empty_message("on_complete"));
  EXPECT_THROW_MSG((void)std::move(empty).to_future(), ffi_tasks::UsageError,
                   empty_message("to_future"));
}

TEST(TaskHandleTest, UsageErrorIsAnError) {
  TaskHandle<std::uint64_t> empty;
  try {
    empty.status();
    FAIL() << "nothing thrown";
  } catch (const ffi_tasks::Error &e) {
    EXPECT_EQ(e.kind(), ffi_tasks::ErrorKind::usage);
    EXPECT_EQ(e.code(), ffi_tasks::ErrorKind::usage);
  }
}

TEST(TaskHandleTest, MovedFromHandleThrowsUsageError) {
  auto handle = ffi_tasks::spawn(Add{1, 2});
  auto taken = std::move(handle);
  EXPECT_THROW_MSG(handle.status(), ffi_tasks::UsageError,  // NOLINT(bugprone-use-after-move)
                   empty_message("status"));
  EXPECT_EQ(std::move(taken).wait(), 3u);
}

TEST(TaskHandleTest, MovedFromHandleGivesUsageErrorEverywhere) {
  auto handle = ffi_tasks::spawn(Add{1, 2});
  auto taken = std::move(handle);
  TaskHandle<std::uint64_t> &moved = handle;  // NOLINT(bugprone-use-after-move)
  const auto expect_usage = [](const auto &result, const char *operation) {
    ASSERT_FALSE(result);
    EXPECT_EQ(result.error().kind(), ffi_tasks::ErrorKind::usage);
    EXPECT_EQ(std::string(result.error().what()), empty_message(operation));
  };
  expect_usage(moved.try_poll(), "poll");
  expect_usage(moved.try_wait_for(std::chrono::seconds(1)), "wait_for");
  expect_usage(moved.try_wait_until(std::chrono::steady_clock::now()), "wait_until");
  expect_usage(moved.try_cancel(), "cancel");
  expect_usage(moved.try_cancelled(), "cancelled");
  expect_usage(moved.try_status(), "status");
  expect_usage(moved.try_progress(), "progress");
  expect_usage(moved.try_on_complete([]() noexcept {}), "on_complete");
  EXPECT_THROW_MSG((void)moved.poll(), ffi_tasks::UsageError, empty_message("poll"));
  EXPECT_THROW_MSG((void)moved.wait_for(std::chrono::seconds(1)), ffi_tasks::UsageError,
                   empty_message("wait_for"));
  EXPECT_THROW_MSG(moved.cancel(), ffi_tasks::UsageError, empty_message("cancel"));
  EXPECT_THROW_MSG(moved.progress(), ffi_tasks::UsageError, empty_message("progress"));
  EXPECT_THROW_MSG(moved.on_complete([]() noexcept {}), ffi_tasks::UsageError,
                   empty_message("on_complete"));
  EXPECT_THROW_MSG((void)std::move(moved).to_future(), ffi_tasks::UsageError,
                   empty_message("to_future"));
#if FFI_TASKS_HAS_STOP_TOKEN
  expect_usage(TaskHandle<std::uint64_t>(std::move(moved)).try_wait(std::stop_token()), "wait");
  EXPECT_THROW_MSG(std::move(moved).wait(std::stop_token()), ffi_tasks::UsageError,
                   empty_message("wait"));
#endif
  expect_usage(std::move(moved).try_wait(), "wait");
  EXPECT_THROW_MSG(std::move(moved).wait(), ffi_tasks::UsageError, empty_message("wait"));
  moved.reset();  // fine on an empty handle, as are valid() and swap()
  EXPECT_FALSE(moved.valid());
  EXPECT_EQ(std::move(taken).wait(), 3u);
}

// ----- poll

TEST(TaskHandleTest, PollIsEmptyWhileRunning) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 9, probe_mode::return_when_released});
  ASSERT_TRUE(wait_started(id));
  EXPECT_FALSE(handle.poll().has_value());
  EXPECT_FALSE(handle.poll().has_value());
  example_probe_release(id);
  wait_finished(handle);
  const std::optional<ProbeOutput> out = handle.poll();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->value, 9u);
  EXPECT_EQ(handle.status(), TaskStatus::taken);
}

TEST(TaskHandleTest, PollAfterTakenThrowsAlreadyTaken) {
  auto handle = ffi_tasks::spawn(Add{2, 2});
  wait_finished(handle);
  EXPECT_EQ(handle.poll(), std::optional<std::uint64_t>(4));
  EXPECT_THROW_MSG((void)handle.poll(), ffi_tasks::AlreadyTaken, kAlreadyTaken);
  EXPECT_TRUE(handle.valid());  // poll never consumes
}

TEST(TaskHandleTest, PollThrowsTaskFailed) {
  auto handle = ffi_tasks::spawn(Fail{7});
  wait_finished(handle);
  EXPECT_THROW_MSG((void)handle.poll(), ffi_tasks::TaskFailed, kFailMessage);
  EXPECT_THROW_MSG((void)handle.poll(), ffi_tasks::AlreadyTaken, kAlreadyTaken);
}

// ----- wait

TEST(TaskHandleTest, WaitReturnsValue) {
  EXPECT_EQ(ffi_tasks::spawn(CountPrimes{100}).wait(), 25u);
}

TEST(TaskHandleTest, WaitThrowsTaskFailedWithRustMessage) {
  auto handle = ffi_tasks::spawn(Fail{7});
  EXPECT_THROW_MSG(std::move(handle).wait(), ffi_tasks::TaskFailed, kFailMessage);
  EXPECT_FALSE(handle.valid());  // consumed even on error // NOLINT(bugprone-use-after-move)
}

TEST(TaskHandleTest, WaitThrowsTaskPanicked) {
  EXPECT_THROW_CONTAINS(ffi_tasks::spawn(Boom{0}).wait(), ffi_tasks::TaskPanicked, "boom");
}

TEST(TaskHandleTest, WaitThrowsTaskCancelled) {
  auto handle = ffi_tasks::spawn(Spin{0});
  handle.cancel();
  EXPECT_THROW_MSG(std::move(handle).wait(), ffi_tasks::TaskCancelled, kCancelled);
}

// ----- wait_for / wait_until

TEST(TaskHandleTest, WaitForIsEmptyWhileRunning) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 5, probe_mode::return_when_released});
  ASSERT_TRUE(wait_started(id));
  EXPECT_FALSE(handle.wait_for(std::chrono::milliseconds(0)).has_value());
  EXPECT_FALSE(handle.wait_for(std::chrono::microseconds(1)).has_value());
  EXPECT_FALSE(handle.wait_for(std::chrono::milliseconds(-5)).has_value());
  example_probe_release(id);
  const auto out = handle.wait_for(std::chrono::hours(24 * 365 * 1000));
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->value, 5u);
  EXPECT_TRUE(handle.valid());  // wait_for never consumes
  EXPECT_THROW_MSG((void)handle.wait_for(std::chrono::seconds(1)), ffi_tasks::AlreadyTaken,
                   kAlreadyTaken);
}

TEST(TaskHandleTest, WaitForThrowsTaskFailed) {
  auto handle = ffi_tasks::spawn(Fail{7});
  EXPECT_THROW_MSG((void)handle.wait_for(std::chrono::milliseconds(test_support::kWaitMs)),
                   ffi_tasks::TaskFailed, kFailMessage);
}

TEST(TaskHandleTest, WaitForAcceptsFloatingDurations) {
  auto handle = ffi_tasks::spawn(Add{1, 1});
  const auto out = handle.wait_for(std::chrono::duration<double>(60.0));
  EXPECT_EQ(out, std::optional<std::uint64_t>(2));
}

TEST(TaskHandleTest, WaitUntilReturnsValue) {
  auto handle = ffi_tasks::spawn(Add{3, 3});
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(test_support::kWaitMs);
  EXPECT_EQ(handle.wait_until(deadline), std::optional<std::uint64_t>(6));
}

TEST(TaskHandleTest, WaitUntilPastDeadlineIsEmptyWhileRunning) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::return_when_released});
  ASSERT_TRUE(wait_started(id));
  EXPECT_FALSE(handle.wait_until(std::chrono::system_clock::now() - std::chrono::hours(1)));
  example_probe_release(id);
  EXPECT_EQ(std::move(handle).wait().id, id);
}

// ----- cancel / cancelled

TEST(TaskHandleTest, CancelStopsTask) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::cancel_when_cancelled});
  ASSERT_TRUE(wait_started(id));
  EXPECT_FALSE(handle.cancelled());
  handle.cancel();
  EXPECT_TRUE(handle.cancelled());
  handle.cancel();  // idempotent
  EXPECT_THROW_MSG(std::move(handle).wait(), ffi_tasks::TaskCancelled, kCancelled);
  EXPECT_EQ(example_probe_saw_cancel(id), 1u);
}

TEST(TaskHandleTest, CancelAfterCompletionKeepsResult) {
  auto handle = ffi_tasks::spawn(Add{4, 4});
  wait_finished(handle);
  handle.cancel();
  EXPECT_TRUE(handle.cancelled());
  EXPECT_EQ(std::move(handle).wait(), 8u);
}

TEST(TaskHandleTest, TaskMayReturnValueWhenCancelled) {
  auto handle = ffi_tasks::spawn(Spin{1});
  handle.cancel();
  (void)std::move(handle).wait();  // Ok(number of wake-ups): any value
}

// ----- status

TEST(TaskHandleTest, StatusFollowsTheTask) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::return_when_released});
  ASSERT_TRUE(wait_started(id));
  EXPECT_EQ(handle.status(), TaskStatus::running);
  example_probe_release(id);
  wait_finished(handle);
  EXPECT_EQ(handle.status(), TaskStatus::completed);
  ASSERT_TRUE(handle.poll().has_value());
  EXPECT_EQ(handle.status(), TaskStatus::taken);
}

TEST(TaskHandleTest, StatusOfFailedCancelledPanicked) {
  auto failed = ffi_tasks::spawn(Fail{1});
  wait_finished(failed);
  EXPECT_EQ(failed.status(), TaskStatus::failed);

  auto cancelled = ffi_tasks::spawn(Spin{0});
  cancelled.cancel();
  wait_finished(cancelled);
  EXPECT_EQ(cancelled.status(), TaskStatus::cancelled);

  auto panicked = ffi_tasks::spawn(Boom{0});
  wait_finished(panicked);
  EXPECT_EQ(panicked.status(), TaskStatus::panicked);
}

TEST(TaskHandleTest, StatusNames) {
  EXPECT_EQ(ffi_tasks::to_string(TaskStatus::running), "running");
  EXPECT_EQ(ffi_tasks::to_string(TaskStatus::completed), "completed");
  EXPECT_EQ(ffi_tasks::to_string(TaskStatus::failed), "failed");
  EXPECT_EQ(ffi_tasks::to_string(TaskStatus::cancelled), "cancelled");
  EXPECT_EQ(ffi_tasks::to_string(TaskStatus::panicked), "panicked");
  EXPECT_EQ(ffi_tasks::to_string(TaskStatus::taken), "taken");
  EXPECT_EQ(ffi_tasks::to_string(static_cast<TaskStatus>(42)), "unknown");
  for (int s = 0; s <= 6; ++s) {
    EXPECT_EQ(ffi_tasks::to_string(static_cast<TaskStatus>(s)), ffi_tasks_status_name(s));
  }
}

// ----- progress

TEST(TaskHandleTest, ProgressReportsWhatTheTaskSet) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::return_when_released});
  ASSERT_TRUE(wait_started(id));
  const Progress progress = handle.progress();
  EXPECT_EQ(progress, (Progress{3, 10}));
  ASSERT_TRUE(progress.fraction().has_value());
  EXPECT_DOUBLE_EQ(*progress.fraction(), 0.3);
  example_probe_release(id);
}

TEST(TaskHandleTest, ProgressOfFinishedTask) {
  auto handle = ffi_tasks::spawn(CountPrimes{10000});
  wait_finished(handle);
  EXPECT_EQ(handle.progress(), (Progress{10000, 10000}));
  EXPECT_EQ(handle.progress().fraction(), std::optional<double>(1.0));
}

TEST(TaskHandleTest, ProgressFraction) {
  EXPECT_FALSE((Progress{5, 0}).fraction().has_value());
  EXPECT_EQ((Progress{0, 4}).fraction(), std::optional<double>(0.0));
  EXPECT_EQ((Progress{1, 4}).fraction(), std::optional<double>(0.25));
  EXPECT_EQ((Progress{9, 4}).fraction(), std::optional<double>(1.0));  // clamped
  EXPECT_NE((Progress{1, 2}), (Progress{2, 2}));
}

// ----- on_complete

TEST(TaskHandleTest, OnCompleteRunsOnceWhenTaskFinishes) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::return_when_released});
  auto calls = std::make_shared<std::atomic<int>>(0);
  auto done = std::make_shared<std::promise<std::thread::id>>();
  auto fired = done->get_future();
  handle.on_complete([calls, done]() noexcept {
    calls->fetch_add(1);
    done->set_value(std::this_thread::get_id());
  });
  EXPECT_EQ(calls->load(), 0);  // still running: not yet
  example_probe_release(id);
  ASSERT_EQ(fired.wait_for(std::chrono::milliseconds(test_support::kWaitMs)),
            std::future_status::ready);
  EXPECT_NE(fired.get(), std::this_thread::get_id());  // ran on a worker
  EXPECT_EQ(std::move(handle).wait().id, id);
  EXPECT_EQ(calls->load(), 1);
}

TEST(TaskHandleTest, OnCompleteRunsAtOnceWhenAlreadyDone) {
  auto handle = ffi_tasks::spawn(Add{1, 2});
  // Wait for completion without the callback slot: take the result first.
  EXPECT_EQ(handle.wait_for(std::chrono::milliseconds(test_support::kWaitMs)),
            std::optional<std::uint64_t>(3));
  std::thread::id ran_on;
  int calls = 0;
  handle.on_complete([&]() noexcept {
    ++calls;
    ran_on = std::this_thread::get_id();
  });
  EXPECT_EQ(calls, 1);  // before on_complete returned
  EXPECT_EQ(ran_on, std::this_thread::get_id());
}

TEST(TaskHandleTest, OnCompleteTwiceThrowsInvalidArgument) {
  auto handle = ffi_tasks::spawn(Spin{0});
  handle.on_complete([]() noexcept {});
  auto witness = std::make_shared<int>(0);
  EXPECT_THROW_MSG(handle.on_complete([witness]() noexcept {}), ffi_tasks::InvalidArgument,
                   "invalid argument: a completion callback is already registered for this task");
  // The refused callable was destroyed (not leaked).
  EXPECT_EQ(witness.use_count(), 1);
}

TEST(TaskHandleTest, OnCompleteRunsEvenIfHandleDestroyedFirst) {
  const std::uint64_t id = fresh_id();
  auto done = std::make_shared<std::promise<void>>();
  auto fired = done->get_future();
  {
    auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::cancel_when_cancelled});
    handle.on_complete([done]() noexcept { done->set_value(); });
    ASSERT_TRUE(wait_started(id));
  }  // destroyed: cancels the task
  ASSERT_EQ(fired.wait_for(std::chrono::milliseconds(test_support::kWaitMs)),
            std::future_status::ready);
  EXPECT_EQ(example_probe_saw_cancel(id), 1u);
}

TEST(TaskHandleTest, OnCompleteAcceptsMoveOnlyCallable) {
  auto handle = ffi_tasks::spawn(Add{1, 1});
  auto done = std::make_shared<std::promise<int>>();
  auto fired = done->get_future();
  auto payload = std::make_unique<int>(17);
  handle.on_complete(
      [done, payload = std::move(payload)]() noexcept { done->set_value(*payload); });
  EXPECT_EQ(fired.get(), 17);
}

TEST(TaskHandleTest, OnCompleteWithNullCallbackIsNullPointer) {
  auto handle = ffi_tasks::spawn(Add{2, 3});
  const auto message = "ffi_tasks: on_complete() called with a null callback";
  void (*null_function)() = nullptr;
  EXPECT_THROW_MSG(handle.on_complete(null_function), ffi_tasks::NullPointer, message);
  EXPECT_THROW_MSG(handle.on_complete(std::function<void()>()), ffi_tasks::NullPointer, message);
  const auto tried = handle.try_on_complete(null_function);
  ASSERT_FALSE(tried);
  EXPECT_EQ(tried.error().kind(), ffi_tasks::ErrorKind::null_pointer);
  // Nothing was registered: a real callback still can be.
  auto done = std::make_shared<std::promise<void>>();
  auto fired = done->get_future();
  handle.on_complete(std::function<void()>([done] { done->set_value(); }));
  ASSERT_EQ(fired.wait_for(std::chrono::milliseconds(test_support::kWaitMs)),
            std::future_status::ready);
  EXPECT_EQ(std::move(handle).wait(), 5u);
}

void throwing_callback() { throw std::runtime_error("callback failed"); }

TEST(TaskHandleDeathTest, ThrowingCallbackTerminatesWithAMessage) {
  GTEST_FLAG_SET(death_test_style, "threadsafe");  // the pool has threads
  EXPECT_DEATH(
      {
        auto finished = ffi_tasks::spawn(Add{2, 2});
        ASSERT_TRUE(test_support::spin_until_finished(finished));
        finished.on_complete(&throwing_callback);  // finished: runs here, at once
      },
      "ffi_tasks: a completion callback threw an exception.*callback failed");
}

// ----- results are freed exactly once

TEST(TaskHandleTest, ResultDestroyedOnceAfterWait) {
  const std::uint64_t id = fresh_id();
  const ProbeOutput out = ffi_tasks::spawn(Probe{id, 77, probe_mode::return_now}).wait();
  EXPECT_EQ(out.id, id);
  EXPECT_EQ(out.value, 77u);
  EXPECT_EQ(example_probe_drops(id), 1u);  // result_destroy ran, once, before wait returned
}

TEST(TaskHandleTest, ResultDestroyedOnceAfterPoll) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 1, probe_mode::return_now});
  wait_finished(handle);
  ASSERT_TRUE(handle.poll().has_value());
  EXPECT_EQ(example_probe_drops(id), 1u);
  EXPECT_THROW((void)handle.poll(), ffi_tasks::AlreadyTaken);
  handle.reset();
  EXPECT_EQ(example_probe_drops(id), 1u);
}

TEST(TaskHandleTest, ResultFreedWhenMovingItOutThrows) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe2{id, 3, probe_mode::return_now});
  EXPECT_THROW_MSG(std::move(handle).wait(), std::runtime_error, "ThrowingOutput: move failed");
  EXPECT_EQ(example_probe_drops(id), 1u);
}

TEST(TaskHandleTest, OwnedResultFreedWhenOwnedDies) {
  const std::uint64_t id = fresh_id();
  {
    ffi_tasks::Owned<ProbeOutput> out =
        ffi_tasks::spawn(Probe3{id, 8, probe_mode::return_now}).wait();
    ASSERT_TRUE(out);
    EXPECT_EQ(out->id, id);
    EXPECT_EQ(out->value, 8u);
    EXPECT_EQ(example_probe_drops(id), 0u);  // still owned
  }
  EXPECT_EQ(example_probe_drops(id), 1u);
}

TEST(TaskHandleTest, OwnedResultMovesWithoutFreeing) {
  const std::uint64_t id = fresh_id();
  ffi_tasks::Owned<ProbeOutput> kept;
  {
    auto out = ffi_tasks::spawn(Probe3{id, 8, probe_mode::return_now}).wait();
    kept = std::move(out);
  }
  EXPECT_EQ(example_probe_drops(id), 0u);
  kept.reset();
  EXPECT_EQ(example_probe_drops(id), 1u);
}

// ----- zero-sized output

TEST(TaskHandleTest, UnitOutput) {
  ffi_tasks::Unit unit = ffi_tasks::spawn(UnitTask{0}).wait();
  EXPECT_EQ(unit, ffi_tasks::Unit{});
  auto handle = ffi_tasks::spawn(UnitTask{0});
  wait_finished(handle);
  EXPECT_TRUE(handle.poll().has_value());
}

TEST(TaskHandleTest, UnitOutputFailure) {
  EXPECT_THROW_MSG(ffi_tasks::spawn(UnitTask{1}).wait(), ffi_tasks::TaskFailed, "unit task failed");
}

// ----- adopt_handle with another backend (a hand-written traits class)

// Drives the probe_* C functions like FFI_TASKS_CPP_TASK does, but yields
// only the value and reports errors through its own hooks: what a
// different backend (a cxx bridge, say) plugs in.
struct ValueOnlyProbeBackend {
  using handle_type = probe_handle;
  using output_type = ProbeOutput;
  using value_type = std::uint64_t;
  static output_type *poll(handle_type *h) noexcept { return probe_poll(h); }
  static output_type *wait(handle_type *h) noexcept { return probe_wait(h); }
  static output_type *wait_timeout(handle_type *h, std::uint64_t ms) noexcept {
    return probe_wait_timeout(h, ms);
  }
  static void cancel(handle_type *h) noexcept { probe_cancel(h); }
  static int cancelled(handle_type *h) noexcept { return probe_cancelled(h); }
  static int status(handle_type *h) noexcept { return probe_status(h); }
  static int progress(handle_type *h, ffi_tasks_progress *out) noexcept {
    return probe_progress(h, out);
  }
  static int on_complete(handle_type *h, ffi_tasks_callback cb, void *data) noexcept {
    return probe_on_complete(h, cb, data);
  }
  static void handle_destroy(handle_type *h) noexcept { probe_handle_destroy(h); }
  static void result_destroy(output_type *r) noexcept { probe_result_destroy(r); }
  static value_type adopt(output_type *r) {
    const std::uint64_t value = r->value;
    probe_result_destroy(r);
    return value;
  }
  static int error_kind() noexcept { return ffi_tasks_last_error_kind(); }
  static ffi_tasks::Error take_error(const char *operation) {
    const auto error = ffi_tasks::last_error();
    return ffi_tasks::Error(
        error ? error->kind() : ffi_tasks::ErrorKind::failed,
        std::string("backend ") + operation + ": " + (error ? error->what() : "?"));
  }
};

TEST(TaskHandleTest, AdoptHandleWithCustomBackend) {
  const std::uint64_t id = fresh_id();
  const Probe task{id, 31, probe_mode::return_now};
  TaskHandle<std::uint64_t> handle =
      ffi_tasks::adopt_handle<ValueOnlyProbeBackend>(probe_spawn(&task));
  wait_finished(handle);
  EXPECT_EQ(handle.poll(), std::optional<std::uint64_t>(31));
  EXPECT_EQ(example_probe_drops(id), 1u);
  EXPECT_THROW_MSG((void)handle.poll(), ffi_tasks::AlreadyTaken,
                   std::string("backend poll: ") + kAlreadyTaken);
}

TEST(TaskHandleTest, AdoptNullGivesEmptyHandle) {
  auto handle = ffi_tasks::adopt_handle<ffi_tasks::task_traits<Add>>(nullptr);
  EXPECT_FALSE(handle.valid());
}

}  // namespace
