// Errors: each kind maps to its exception type with the Rust message
// exactly; the error_category; Result<T> and the try_* forms.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <system_error>
#include <type_traits>

#include "example_tasks.hpp"
#include "ffi_tasks/ffi_tasks.hpp"
#include "gtest_extra.hpp"

using ffi_tasks::Error;
using ffi_tasks::ErrorKind;
using ffi_tasks::Result;
using ffi_tasks::TaskHandle;
using test_support::fresh_id;
using test_support::wait_started;

namespace {

static_assert(std::is_base_of<std::runtime_error, Error>::value, "");
static_assert(std::is_nothrow_copy_constructible<Error>::value, "");
static_assert(std::is_nothrow_move_constructible<Error>::value, "");
static_assert(std::is_base_of<Error, ffi_tasks::TaskFailed>::value, "");
static_assert(std::is_base_of<Error, ffi_tasks::UsageError>::value, "");
static_assert(std::is_final<ffi_tasks::TaskCancelled>::value, "");
static_assert(std::is_error_code_enum<ErrorKind>::value, "");

// throw_error(Error(kind, message)) throws `Typed`, with the same kind and
// message, and it can be caught as ffi_tasks::Error and std::exception.
template <class Typed>
void expect_maps_to(ErrorKind kind) {
  const std::string message = "message for " + std::string(ffi_tasks::to_string(kind));
  EXPECT_THROW_MSG(ffi_tasks::throw_error(Error(kind, message)), Typed, message);
  try {
    ffi_tasks::throw_error(Error(kind, message));
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), kind);
    EXPECT_NE(dynamic_cast<const Typed *>(&e), nullptr);
  }
}

// ----- kind -> exception type

TEST(ErrorTest, FailedMapsToTaskFailed) {
  expect_maps_to<ffi_tasks::TaskFailed>(ErrorKind::failed);
}
TEST(ErrorTest, CancelledMapsToTaskCancelled) {
  expect_maps_to<ffi_tasks::TaskCancelled>(ErrorKind::cancelled);
}
TEST(ErrorTest, PanickedMapsToTaskPanicked) {
  expect_maps_to<ffi_tasks::TaskPanicked>(ErrorKind::panicked);
}
TEST(ErrorTest, NullPointerMapsToNullPointer) {
  expect_maps_to<ffi_tasks::NullPointer>(ErrorKind::null_pointer);
}
TEST(ErrorTest, AlreadyTakenMapsToAlreadyTaken) {
  expect_maps_to<ffi_tasks::AlreadyTaken>(ErrorKind::already_taken);
}
TEST(ErrorTest, InvalidArgumentMapsToInvalidArgument) {
  expect_maps_to<ffi_tasks::InvalidArgument>(ErrorKind::invalid_argument);
}
TEST(ErrorTest, TimedOutMapsToTimedOut) {
  expect_maps_to<ffi_tasks::TimedOut>(ErrorKind::timed_out);
}
TEST(ErrorTest, SpawnFailedMapsToSpawnFailed) {
  expect_maps_to<ffi_tasks::SpawnFailed>(ErrorKind::spawn_failed);
}
TEST(ErrorTest, InvalidHandleMapsToInvalidHandle) {
  expect_maps_to<ffi_tasks::InvalidHandle>(ErrorKind::invalid_handle);
}
TEST(ErrorTest, UsageMapsToUsageError) { expect_maps_to<ffi_tasks::UsageError>(ErrorKind::usage); }

TEST(ErrorTest, UnknownKindThrowsBaseError) {
  try {
    ffi_tasks::throw_error(Error(static_cast<ErrorKind>(55), "from the future"));
    FAIL() << "nothing thrown";
  } catch (const Error &e) {
    EXPECT_EQ(static_cast<int>(e.kind()), 55);
    EXPECT_STREQ(e.what(), "from the future");
  }
}

// ----- errors from real Rust calls, message exactly as Rust wrote it

TEST(ErrorTest, TaskErrorKeepsWholeCauseChain) {
  EXPECT_THROW_MSG(ffi_tasks::spawn(Fail{7}).wait(), ffi_tasks::TaskFailed,
                   "task failed with code 7: while reading input: root cause");
  EXPECT_THROW_MSG(ffi_tasks::spawn(Fail{-3}).wait(), ffi_tasks::TaskFailed,
                   "task failed with code -3: while reading input: root cause");
}

TEST(ErrorTest, PanicBecomesTaskPanicked) {
  try {
    ffi_tasks::spawn(Boom{0}).wait();
    FAIL() << "nothing thrown";
  } catch (const ffi_tasks::TaskPanicked &e) {
    EXPECT_EQ(e.kind(), ErrorKind::panicked);
    EXPECT_NE(std::string(e.what()).find("boom"), std::string::npos) << e.what();
  }
}

TEST(ErrorTest, LastErrorAfterRawNullPointerCall) {
  EXPECT_EQ(add_spawn(nullptr), nullptr);
  const std::optional<Error> error = ffi_tasks::last_error();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind(), ErrorKind::null_pointer);
  EXPECT_STREQ(error->what(), "null pointer passed as `task`");
  EXPECT_THROW_MSG(ffi_tasks::throw_error(*error), ffi_tasks::NullPointer,
                   "null pointer passed as `task`");
}

TEST(ErrorTest, LastErrorAfterRawTimedOutCall) {
  const Spin task{0};
  spin_handle *raw = spin_spawn(&task);
  ASSERT_NE(raw, nullptr);
  EXPECT_EQ(spin_wait_timeout(raw, 0), nullptr);
  const std::optional<Error> error = ffi_tasks::last_error();
  ASSERT_TRUE(error.has_value());
  EXPECT_THROW_MSG(ffi_tasks::throw_error(*error), ffi_tasks::TimedOut,
                   "timed out: the task is still running");
  spin_handle_destroy(raw);
}

TEST(ErrorTest, LastErrorEmptyAfterSuccess) {
  auto handle = ffi_tasks::spawn(Add{1, 1});
  EXPECT_EQ(add_spawn(nullptr), nullptr);
  ASSERT_TRUE(ffi_tasks::last_error().has_value());
  (void)handle.status();  // a successful call clears the error
  EXPECT_FALSE(ffi_tasks::last_error().has_value());
}

// ----- the error category

TEST(ErrorTest, KindNamesMatchTheCApi) {
  for (int kind = 0; kind <= 9; ++kind) {
    EXPECT_EQ(ffi_tasks::to_string(static_cast<ErrorKind>(kind)), ffi_tasks_error_kind_name(kind));
  }
  EXPECT_EQ(ffi_tasks::to_string(ErrorKind::usage), "usage");
  EXPECT_EQ(ffi_tasks::to_string(static_cast<ErrorKind>(-4)), "unknown");
}

TEST(ErrorTest, ErrorCategory) {
  EXPECT_STREQ(ffi_tasks::error_category().name(), "ffi_tasks");
  const std::error_code code = ErrorKind::cancelled;
  EXPECT_EQ(&code.category(), &ffi_tasks::error_category());
  EXPECT_EQ(code.value(), 2);
  EXPECT_EQ(code.message(), "cancelled");
  EXPECT_TRUE(code);
  EXPECT_EQ(code, ErrorKind::cancelled);
  EXPECT_NE(code, ErrorKind::failed);
  EXPECT_FALSE(ffi_tasks::make_error_code(ErrorKind::none));
}

TEST(ErrorTest, ErrorCodeOfAnError) {
  const Error error(ErrorKind::timed_out, "late");
  EXPECT_EQ(error.code(), ErrorKind::timed_out);
  EXPECT_EQ(error.kind(), ErrorKind::timed_out);
  const Error copy = error;
  EXPECT_STREQ(copy.what(), "late");
  EXPECT_EQ(copy.kind(), ErrorKind::timed_out);
}

TEST(ErrorTest, Version) {
  EXPECT_EQ(ffi_tasks::version(), ffi_tasks_version());
  EXPECT_FALSE(ffi_tasks::version().empty());
}

// ----- Result<T>

TEST(ResultTest, HoldsValue) {
  Result<int> result(5);
  ASSERT_TRUE(result);
  EXPECT_TRUE(result.has_value());
  EXPECT_EQ(*result, 5);
  EXPECT_EQ(result.value(), 5);
}

TEST(ResultTest, HoldsError) {
  const Result<int> result(Error(ErrorKind::failed, "nope"));
  EXPECT_FALSE(result);
  EXPECT_EQ(result.error().kind(), ErrorKind::failed);
  EXPECT_STREQ(result.error().what(), "nope");
  EXPECT_THROW_MSG(result.value(), ffi_tasks::TaskFailed, "nope");
}

TEST(ResultTest, VoidResult) {
  const Result<void> ok;
  EXPECT_TRUE(ok);
  EXPECT_NO_THROW(ok.value());
  const Result<void> failed(Error(ErrorKind::cancelled, "stopped"));
  EXPECT_FALSE(failed);
  EXPECT_THROW_MSG(failed.value(), ffi_tasks::TaskCancelled, "stopped");
}

TEST(ResultTest, MoveOnlyValue) {
  Result<TaskHandle<std::uint64_t>> spawned = ffi_tasks::try_spawn(Add{2, 40});
  ASSERT_TRUE(spawned);
  TaskHandle<std::uint64_t> handle = std::move(spawned).value();
  EXPECT_EQ(std::move(handle).wait(), 42u);
}

// ----- the try_* forms report instead of throwing

TEST(TryFormsTest, TryWaitReportsTaskError) {
  auto handle = ffi_tasks::spawn(Fail{7});
  const Result<std::uint64_t> result = std::move(handle).try_wait();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind(), ErrorKind::failed);
  EXPECT_STREQ(result.error().what(), "task failed with code 7: while reading input: root cause");
  EXPECT_FALSE(handle.valid());  // NOLINT(bugprone-use-after-move)
}

TEST(TryFormsTest, TryWaitReturnsValue) {
  const Result<std::uint64_t> result = ffi_tasks::spawn(Add{1, 2}).try_wait();
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, 3u);
}

TEST(TryFormsTest, TryPollWhileRunningAndAfter) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 4, probe_mode::return_when_released});
  ASSERT_TRUE(wait_started(id));
  const auto running = handle.try_poll();
  ASSERT_TRUE(running);
  EXPECT_FALSE(running->has_value());
  const auto timed_out = handle.try_wait_for(std::chrono::milliseconds(1));
  ASSERT_TRUE(timed_out);  // a timeout is not an error
  EXPECT_FALSE(timed_out->has_value());
  example_probe_release(id);
  const auto done = handle.try_wait_for(std::chrono::milliseconds(test_support::kWaitMs));
  ASSERT_TRUE(done);
  ASSERT_TRUE(done->has_value());
  EXPECT_EQ((*done)->value, 4u);
  const auto again = handle.try_poll();
  ASSERT_FALSE(again);
  EXPECT_EQ(again.error().kind(), ErrorKind::already_taken);
}

TEST(TryFormsTest, TryFormsOnEmptyHandleReportUsage) {
  TaskHandle<std::uint64_t> empty;
  EXPECT_EQ(empty.try_poll().error().kind(), ErrorKind::usage);
  EXPECT_EQ(empty.try_wait_for(std::chrono::seconds(1)).error().kind(), ErrorKind::usage);
  EXPECT_EQ(empty.try_cancel().error().kind(), ErrorKind::usage);
  EXPECT_EQ(empty.try_cancelled().error().kind(), ErrorKind::usage);
  EXPECT_EQ(empty.try_status().error().kind(), ErrorKind::usage);
  EXPECT_EQ(empty.try_progress().error().kind(), ErrorKind::usage);
  EXPECT_EQ(empty.try_on_complete([]() noexcept {}).error().kind(), ErrorKind::usage);
  EXPECT_EQ(std::move(empty).try_wait().error().kind(), ErrorKind::usage);
}

TEST(TryFormsTest, TryGettersOnLiveHandle) {
  const std::uint64_t id = fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::cancel_when_cancelled});
  ASSERT_TRUE(wait_started(id));
  EXPECT_EQ(handle.try_status().value(), ffi_tasks::TaskStatus::running);
  EXPECT_EQ(handle.try_progress().value(), (ffi_tasks::Progress{3, 10}));
  EXPECT_FALSE(handle.try_cancelled().value());
  EXPECT_TRUE(handle.try_cancel());
  EXPECT_TRUE(handle.try_cancelled().value());
  const auto result = std::move(handle).try_wait();
  EXPECT_EQ(result.error().kind(), ErrorKind::cancelled);
}

TEST(TryFormsTest, TryOnCompleteTwiceReportsInvalidArgument) {
  auto handle = ffi_tasks::spawn(Spin{0});
  EXPECT_TRUE(handle.try_on_complete([]() noexcept {}));
  const auto second = handle.try_on_complete([]() noexcept {});
  ASSERT_FALSE(second);
  EXPECT_EQ(second.error().kind(), ErrorKind::invalid_argument);
}

}  // namespace
