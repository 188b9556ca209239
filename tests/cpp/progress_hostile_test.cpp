// on_progress (ffi_tasks/progress.hpp) used as a hostile caller would: an
// executor that runs the report inline, on the timer thread, and a
// callback that calls back into the handle it watches; extreme intervals.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <utility>

#include "example_tasks.hpp"
#include "exec_support.hpp"
#include "ffi_tasks/progress.hpp"

using exec_support::InlineExecutor;
using ffi_tasks::Progress;
using ffi_tasks::TaskHandle;

namespace {

// A handle whose progress the test sets, and which it finishes.
struct ManualTask final : ffi_tasks::detail::completion_state<int> {
  std::atomic<std::uint64_t> done{0};
  Progress progress() const override { return Progress{done.load(), 100}; }
};

TEST(ProgressHostileTest, AnInlineReportThatReadsTheWatchedHandle) {
  auto task = std::make_shared<ManualTask>();
  TaskHandle<int> handle = ffi_tasks::detail::state_handle<int>(task);
  auto watched = std::make_shared<std::atomic<TaskHandle<int> *>>(nullptr);
  auto read = std::make_shared<std::promise<Progress>>();
  std::future<Progress> read_back = read->get_future();
  auto once = std::make_shared<std::atomic<bool>>(false);
  handle.on_progress(
      InlineExecutor{},
      [watched, read, once](Progress) {
        // On the timer thread, inside the report: back into the handle.
        TaskHandle<int> *h = watched->load();
        if (h != nullptr && !once->exchange(true)) {
          read->set_value(h->progress());
        }
      },
      std::chrono::milliseconds(1));
  watched->store(&handle);
  task->done = 40;  // a change: the next sample reports it
  ASSERT_EQ(read_back.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(read_back.get().done, 40u);
  watched->store(nullptr);
  task->complete(5);
  EXPECT_EQ(std::move(handle).wait(), 5);
}

TEST(ProgressHostileTest, AnInlineReportThatCancelsTheWatchedHandle) {
  auto task = std::make_shared<ManualTask>();
  TaskHandle<int> handle = ffi_tasks::detail::state_handle<int>(task);
  auto watched = std::make_shared<std::atomic<TaskHandle<int> *>>(nullptr);
  auto cancelled = std::make_shared<std::promise<void>>();
  std::future<void> cancel_done = cancelled->get_future();
  auto once = std::make_shared<std::atomic<bool>>(false);
  handle.on_progress(
      InlineExecutor{},
      [watched, cancelled, once](Progress) {
        TaskHandle<int> *h = watched->load();
        if (h != nullptr && !once->exchange(true)) {
          h->cancel();
          cancelled->set_value();
        }
      },
      std::chrono::milliseconds(1));
  watched->store(&handle);
  task->done = 10;
  ASSERT_EQ(cancel_done.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_TRUE(task->cancelled());
  watched->store(nullptr);
  task->fail(ffi_tasks::Error(ffi_tasks::ErrorKind::cancelled, "cancelled"));
  EXPECT_THROW(static_cast<void>(std::move(handle).wait()), ffi_tasks::TaskCancelled);
}

TEST(ProgressHostileTest, IntervalsAtTheEdgesOfTheClock) {
  // Just below "no periodic report" (2^40 ms), duration::max() in several
  // units and representations, and the smallest: none overflows now() +
  // interval; each still gives the last report once the task finishes.
  const auto check = [](auto interval) {
    auto task = std::make_shared<ManualTask>();
    TaskHandle<int> handle = ffi_tasks::detail::state_handle<int>(task);
    auto last = std::make_shared<std::promise<Progress>>();
    std::future<Progress> got = last->get_future();
    handle.on_progress(
        InlineExecutor{},
        [last](Progress p) {
          if (p.done == 100) {
            last->set_value(p);
          }
        },
        interval);
    task->done = 100;
    task->complete(1);
    EXPECT_EQ(got.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  };
  check(std::chrono::milliseconds((std::int64_t{1} << 40) - 1));
  check(std::chrono::milliseconds((std::int64_t{1} << 40)));
  check(std::chrono::nanoseconds::max());
  check(std::chrono::hours::max());
  check(std::chrono::duration<double>(1e300));
  check(std::chrono::nanoseconds(1));
  check(std::chrono::hours::min());
}

}  // namespace
