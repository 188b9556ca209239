// TaskHandle<T> (ffi_tasks/task_handle.hpp) used as a hostile caller would:
// a completion callback that runs inside reset() or assignment (a state
// that finishes as soon as it is cancelled) and replaces the handle it was
// called for; every member of a moved-from handle.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <utility>

#include "example_tasks.hpp"
#include "ffi_tasks/state_handle.hpp"
#include "ffi_tasks/task_handle.hpp"

using ffi_tasks::TaskHandle;

namespace {

// Finishes (as cancelled) inside cancel(), so that destroying its handle
// runs the completion callback right there.
struct CancelsAtOnce final : ffi_tasks::detail::completion_state<std::uint64_t> {
  void on_cancel() noexcept override {
    fail(ffi_tasks::Error(ffi_tasks::ErrorKind::cancelled, "cancelled at once"));
  }
};

std::unique_ptr<TaskHandle<std::uint64_t>> replaced_by_its_callback() {
  auto handle = std::make_unique<TaskHandle<std::uint64_t>>(
      ffi_tasks::detail::state_handle<std::uint64_t>(std::make_shared<CancelsAtOnce>()));
  TaskHandle<std::uint64_t> *self = handle.get();
  handle->on_complete([self]() noexcept { *self = ffi_tasks::spawn(Add{1, 2}); });
  return handle;
}

TEST(TaskHandleHostileTest, ACallbackRunInsideResetReplacesTheHandle) {
  auto handle = replaced_by_its_callback();
  handle->reset();  // cancels: the callback runs here and assigns *handle
  ASSERT_TRUE(handle->valid());
  EXPECT_EQ(std::move(*handle).wait(), 3u);
}

TEST(TaskHandleHostileTest, ACallbackRunInsideAssignmentReplacesTheHandle) {
  auto handle = replaced_by_its_callback();
  *handle = ffi_tasks::spawn(Add{10, 20});
  // The callback assigned last: its handle is the one kept (the other is
  // destroyed, not leaked).
  ASSERT_TRUE(handle->valid());
  EXPECT_EQ(std::move(*handle).wait(), 3u);
}

TEST(TaskHandleHostileTest, EveryMemberOfAMovedFromHandleThrowsUsageError) {
  auto handle = ffi_tasks::spawn(Add{1, 2});
  auto taken = std::move(handle);
  EXPECT_FALSE(handle.valid());
  EXPECT_THROW(static_cast<void>(handle.poll()), ffi_tasks::UsageError);
  EXPECT_THROW(static_cast<void>(handle.wait_for(std::chrono::milliseconds(1))),
               ffi_tasks::UsageError);
  EXPECT_THROW(static_cast<void>(handle.wait_until(std::chrono::steady_clock::now())),
               ffi_tasks::UsageError);
  EXPECT_THROW(handle.cancel(), ffi_tasks::UsageError);
  EXPECT_THROW(static_cast<void>(handle.cancelled()), ffi_tasks::UsageError);
  EXPECT_THROW(static_cast<void>(handle.status()), ffi_tasks::UsageError);
  EXPECT_THROW(static_cast<void>(handle.progress()), ffi_tasks::UsageError);
  EXPECT_THROW(handle.on_complete([] {}), ffi_tasks::UsageError);
  EXPECT_FALSE(handle.try_poll());
  EXPECT_FALSE(handle.try_cancel());
  handle.reset();
  handle.swap(handle);
  EXPECT_THROW(static_cast<void>(std::move(handle).wait()), ffi_tasks::UsageError);
  EXPECT_EQ(std::move(taken).wait(), 3u);
}

}  // namespace
