// on_progress(ex, f, min_interval): reports through the executor, only on
// change, the last one always; the handle keeps working; bad input and
// hostile executors/callbacks.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <functional>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <vector>

#include "bridge_tasks.hpp"
#include "example_tasks.hpp"
#include "exec_support.hpp"
#include "ffi_tasks/bridge.hpp"
#include "ffi_tasks/progress.hpp"

using ffi_tasks::Progress;
using ffi_tasks::TaskHandle;
using Token = const ffi_tasks::CancellationToken &;

namespace {

// A C++ job that reports `done` of `total`, then returns `value`.
TaskHandle<std::uint64_t> reporting_job(std::uint64_t done, std::uint64_t total,
                                        std::uint64_t value) {
  return ffi_tasks::spawn([done, total, value](Token token) {
    token.set_progress(done, total);
    return value;
  });
}

// A C++ job reporting (1, 10), then, once released, (2..10, 10), and
// returning 7. Cancellation while held ends it as cancelled.
struct Gate {
  std::shared_ptr<std::promise<void>> open = std::make_shared<std::promise<void>>();
  std::shared_future<void> opened = open->get_future().share();
};

TaskHandle<std::uint64_t> gated_job(const Gate &gate) {
  return ffi_tasks::spawn([opened = gate.opened](Token token) {
    token.set_progress(1, 10);
    while (opened.wait_for(std::chrono::milliseconds(1)) != std::future_status::ready) {
      ffi_tasks::throw_if_cancelled(token);
    }
    for (std::uint64_t i = 2; i <= 10; ++i) {
      token.set_progress(i, 10);
    }
    return std::uint64_t{7};
  });
}

// Reports, as the executor delivers them.
struct Reports {
  std::vector<Progress> seen;
  std::function<void(Progress)> sink() {
    return [this](Progress p) { seen.push_back(p); };
  }
};

TEST(OnProgressTest, HugeIntervalGivesOnlyTheLastReport) {
  exec_support::QueueExecutor ex;
  Reports reports;
  auto h = ffi_tasks::spawn([](Token token) {
    for (std::uint64_t i = 1; i <= 100; ++i) {
      token.set_progress(i, 100);
    }
    return std::uint64_t{1};
  });
  h.on_progress(ex, reports.sink(), std::chrono::hours::max());
  EXPECT_EQ(std::move(h).wait(), 1u);
  ASSERT_TRUE(ex.queue->run_one());
  ASSERT_EQ(reports.seen.size(), 1u);
  EXPECT_EQ(reports.seen[0], (Progress{100, 100}));
  EXPECT_EQ(ex.queue->pushed(), 1u);
}

TEST(OnProgressTest, ReportsChangesAndEndWithTheLast) {
  exec_support::QueueExecutor ex;
  Reports reports;
  Gate gate;
  auto h = gated_job(gate);
  h.on_progress(ex, reports.sink(), std::chrono::milliseconds(1));
  ASSERT_TRUE(ex.queue->run_one());  // (1, 10), sampled while held
  ASSERT_EQ(reports.seen.size(), 1u);
  EXPECT_EQ(reports.seen[0], (Progress{1, 10}));
  gate.open->set_value();
  EXPECT_EQ(std::move(h).wait(), 7u);
  while (reports.seen.back() != Progress{10, 10}) {
    ASSERT_TRUE(ex.queue->run_one()) << "the last report never came";
  }
  for (std::size_t i = 1; i < reports.seen.size(); ++i) {
    EXPECT_NE(reports.seen[i], reports.seen[i - 1]);  // only changes
    EXPECT_GT(reports.seen[i].done, reports.seen[i - 1].done);
  }
}

TEST(OnProgressTest, RustTaskCancelledGetsItsLastReport) {
  exec_support::QueueExecutor ex;
  Reports reports;
  auto h = ffi_tasks::spawn(Spin{0});
  h.on_progress(ex, reports.sink(), std::chrono::milliseconds(1));
  ASSERT_TRUE(ex.queue->run_one());
  EXPECT_GT(reports.seen.back().done, 0u);
  h.cancel();
  EXPECT_THROW(static_cast<void>(std::move(h).wait()), ffi_tasks::TaskCancelled);
  EXPECT_FALSE(reports.seen.empty());
}

TEST(OnProgressTest, TheHandleKeepsWorking) {
  exec_support::QueueExecutor ex;
  Reports reports;
  Gate gate;
  auto h = gated_job(gate);
  h.on_progress(ex, reports.sink(), std::chrono::milliseconds(5));
  ASSERT_TRUE(h.valid());
  EXPECT_EQ(h.status(), ffi_tasks::TaskStatus::running);
  EXPECT_EQ(h.poll(), std::nullopt);
  EXPECT_TRUE(bridge_support::eventually([&] { return h.progress() == Progress{1, 10}; }));
  exec_support::QueueExecutor done_ex;
  bool done = false;
  h.on_complete(done_ex, [&done] { done = true; });  // the new handle's own callback
  gate.open->set_value();
  ASSERT_TRUE(done_ex.queue->run_one());
  EXPECT_TRUE(done);
  EXPECT_EQ(std::move(h).wait(), 7u);
}

TEST(OnProgressTest, ToFutureAfterOnProgress) {
  exec_support::QueueExecutor ex;
  auto h = ffi_tasks::spawn(Add{2, 2});
  h.on_progress(
      ex, [](Progress) {}, std::chrono::milliseconds(1));
  EXPECT_EQ(std::move(h).to_future().get(), 4u);
}

TEST(OnProgressTest, DestroyingTheHandleCancelsAndStillReportsTheLast) {
  exec_support::QueueExecutor ex;
  Reports reports;
  Gate gate;  // never opened: the job ends by cancellation
  {
    auto h = gated_job(gate);
    h.on_progress(ex, reports.sink(), std::chrono::hours::max());
  }
  ASSERT_TRUE(ex.queue->run_one());
  ASSERT_EQ(reports.seen.size(), 1u);
  EXPECT_EQ(reports.seen[0], (Progress{1, 10}));
}

TEST(OnProgressTest, HandleDestroyedWhileAReportIsQueued) {
  exec_support::QueueExecutor ex;
  Reports reports;
  auto h = ffi_tasks::spawn(Add{1, 1});
  Gate gate;
  h = gated_job(gate);
  h.on_progress(ex, reports.sink(), std::chrono::milliseconds(1));
  auto report = ex.queue->take();
  ASSERT_TRUE(report.has_value());
  h.reset();
  (*report)();
  EXPECT_EQ(reports.seen.size(), 1u);
}

TEST(OnProgressTest, BadInputChangesNothing) {
  exec_support::QueueExecutor ex;
  TaskHandle<std::uint64_t> empty;
  EXPECT_THROW(empty.on_progress(
                   ex, [](Progress) {}, std::chrono::milliseconds(1)),
               ffi_tasks::UsageError);
  auto h = ffi_tasks::spawn(Add{1, 2});
  EXPECT_THROW(h.on_progress(ex, std::function<void(Progress)>(), std::chrono::milliseconds(1)),
               ffi_tasks::NullPointer);
  EXPECT_THROW(h.on_progress(
                   ex, [](Progress) {}, std::chrono::duration<double>(std::nan(""))),
               ffi_tasks::InvalidArgument);
  ASSERT_TRUE(h.valid());
  h.on_complete([] {});
  EXPECT_THROW(h.on_progress(
                   ex, [](Progress) {}, std::chrono::milliseconds(1)),
               ffi_tasks::InvalidArgument);
  ASSERT_TRUE(h.valid());
  EXPECT_EQ(std::move(h).wait(), 3u);  // not cancelled
  EXPECT_EQ(ex.queue->pushed(), 0u);
}

TEST(OnProgressTest, ZeroAndNegativeIntervals) {
  for (auto interval : {std::chrono::milliseconds(0), std::chrono::milliseconds(-5)}) {
    exec_support::QueueExecutor ex;
    Reports reports;
    auto h = reporting_job(3, 3, 3);
    h.on_progress(ex, reports.sink(), interval);
    EXPECT_EQ(std::move(h).wait(), 3u);
    while (reports.seen.empty() || reports.seen.back() != Progress{3, 3}) {
      ASSERT_TRUE(ex.queue->run_one());
    }
  }
}

TEST(OnProgressTest, ExecutorThatThrowsLosesTheReport) {
  exec_support::ThrowingExecutor ex;
  auto h = reporting_job(1, 1, 5);
  h.on_progress(
      ex, [](Progress) {}, std::chrono::hours::max());
  EXPECT_EQ(std::move(h).wait(), 5u);
  EXPECT_TRUE(bridge_support::eventually([&] { return ex.calls->load() == 1; }));
}

TEST(OnProgressTest, CallbackThatThrowsReachesTheExecutor) {
  exec_support::QueueExecutor ex;
  auto h = reporting_job(1, 1, 5);
  h.on_progress(
      ex, [](Progress) { throw std::runtime_error("report fails"); }, std::chrono::hours::max());
  EXPECT_EQ(std::move(h).wait(), 5u);
  auto report = ex.queue->take();
  ASSERT_TRUE(report.has_value());
  EXPECT_THROW((*report)(), std::runtime_error);
}

TEST(OnProgressTest, ManyWatchedHandlesShareOneTimer) {
  exec_support::QueueExecutor ex;
  std::vector<TaskHandle<std::uint64_t>> handles;
  int reports = 0;
  for (std::uint64_t i = 0; i < 200; ++i) {
    handles.push_back(ffi_tasks::spawn([i](Token token) {
      token.set_progress(i + 1, 200);
      return i;
    }));
    handles.back().on_progress(
        ex, [&reports](Progress) { ++reports; }, std::chrono::hours::max());
  }
  for (std::uint64_t i = 0; i < 200; ++i) {
    EXPECT_EQ(std::move(handles[i]).wait(), i);
  }
  for (int i = 0; i < 200; ++i) {
    ASSERT_TRUE(ex.queue->run_one());
  }
  EXPECT_EQ(reports, 200);
}

}  // namespace
