// C++ jobs on the Rust pool: ffi_tasks::spawn(callable) gives the same
// TaskHandle<T> as a Rust task, with the same semantics (cancel, poll,
// wait, wait_for, progress, on_complete, to_future, co_await), and a thrown
// exception comes back as itself. Synchronisation only through tokens,
// completion callbacks and blocking waits.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "bridge_tasks.hpp"
#include "coroutine_support.hpp"
#include "example_tasks.hpp"
#include "ffi_tasks/bridge.hpp"
#include "gtest_extra.hpp"

using ffi_tasks::CancellationToken;
using ffi_tasks::Progress;
using ffi_tasks::TaskHandle;
using ffi_tasks::TaskStatus;

namespace {

// A user exception type: it must come back as itself, not as a TaskFailed.
struct ParseError : std::runtime_error {
  ParseError(const std::string &what, int at_line) : std::runtime_error(what), line(at_line) {}
  int line;
};

using Token = const CancellationToken &;

// ----- compile-time properties

struct ReturnsInt {
  int operator()(Token) const { return 1; }
};
struct ReturnsNothing {
  void operator()(Token) const {}
};
struct ReturnsString {
  std::string operator()(Token) const { return std::string(); }
};
static_assert(std::is_same<decltype(ffi_tasks::spawn(ReturnsInt{})), TaskHandle<int>>::value,
              "a job gives the same handle type as a Rust task yielding int");
static_assert(
    std::is_same<decltype(ffi_tasks::spawn(ReturnsNothing{})), TaskHandle<ffi_tasks::Unit>>::value,
    "a void job yields Unit");
static_assert(
    std::is_same<decltype(ffi_tasks::spawn(ReturnsString{})), TaskHandle<std::string>>::value, "");
static_assert(std::is_same<decltype(ffi_tasks::spawn(Add{})), TaskHandle<std::uint64_t>>::value,
              "binding a Rust task is unaffected by the callable overload");
static_assert(ffi_tasks::is_job_v<void (*)(Token)>, "");
static_assert(!ffi_tasks::is_job_v<void (*)()>, "a job takes its token");
static_assert(!ffi_tasks::is_job_v<Add>, "");

TEST(CppJobTest, ReturnsItsValue) {
  EXPECT_EQ(ffi_tasks::spawn([](Token) { return 42; }).wait(), 42);
}

TEST(CppJobTest, VoidJobYieldsUnit) {
  bool ran = false;
  ffi_tasks::Unit unit = ffi_tasks::spawn([&ran](Token) { ran = true; }).wait();
  (void)unit;
  EXPECT_TRUE(ran);
}

TEST(CppJobTest, MoveOnlyResultAndCapture) {
  auto input = std::make_unique<int>(20);
  auto handle = ffi_tasks::spawn([input = std::move(input)](Token) mutable {
    *input += 1;
    return std::move(input);
  });
  std::unique_ptr<int> result = std::move(handle).wait();
  ASSERT_TRUE(result);
  EXPECT_EQ(*result, 21);
}

TEST(CppJobTest, RunsOnAPoolWorker) {
  const std::thread::id here = std::this_thread::get_id();
  const std::thread::id there =
      ffi_tasks::spawn([](Token) { return std::this_thread::get_id(); }).wait();
  EXPECT_NE(here, there);
}

TEST(CppJobTest, ThrownExceptionIsRethrownAsItself) {
  auto handle = ffi_tasks::spawn([](Token) -> int { throw ParseError("unexpected '}'", 7); });
  try {
    std::move(handle).wait();
    FAIL() << "wait() should rethrow the job's exception";
  } catch (const ParseError &e) {
    EXPECT_STREQ(e.what(), "unexpected '}'");
    EXPECT_EQ(e.line, 7) << "the very exception object, not a copy of its message";
  }
}

TEST(CppJobTest, RustSideSeesAFailureWithTypeAndMessage) {
  auto handle = ffi_tasks::spawn([](Token) -> int { throw ParseError("bad input", 1); });
  ASSERT_TRUE(bridge_support::wait_finished(handle));
  EXPECT_EQ(handle.status(), TaskStatus::failed);
  ffi_tasks::Result<std::optional<int>> polled = handle.try_poll();
  ASSERT_FALSE(polled.has_value());
  EXPECT_EQ(polled.error().kind(), ffi_tasks::ErrorKind::failed);
  EXPECT_STREQ(polled.error().what(), "C++ exception (anonymous namespace)::ParseError: bad input");
  ASSERT_TRUE(polled.error().original());
  EXPECT_THROW(std::rethrow_exception(polled.error().original()), ParseError);
  // The outcome was taken: Rust now says so.
  EXPECT_THROW((void)handle.poll(), ffi_tasks::AlreadyTaken);
}

TEST(CppJobTest, PollRethrowsOnceThenAlreadyTaken) {
  auto handle = ffi_tasks::spawn([](Token) -> int { throw std::out_of_range("index 9"); });
  ASSERT_TRUE(bridge_support::wait_finished(handle));
  EXPECT_THROW_MSG((void)handle.poll(), std::out_of_range, "index 9");
  EXPECT_THROW((void)handle.poll(), ffi_tasks::AlreadyTaken);
  EXPECT_EQ(handle.status(), TaskStatus::taken);
}

TEST(CppJobTest, NonStdExceptionIsKeptToo) {
  auto handle = ffi_tasks::spawn([](Token) -> int { throw 42; });
  ASSERT_TRUE(bridge_support::wait_finished(handle));
  auto polled = handle.try_poll();
  ASSERT_FALSE(polled.has_value());
  EXPECT_STREQ(polled.error().what(), "C++ exception int");
  try {
    std::rethrow_exception(polled.error().original());
  } catch (int value) {
    EXPECT_EQ(value, 42);
  }
}

TEST(CppJobTest, VeryLongExceptionMessageIsKeptWhole) {
  const std::string message(100000, 'x');
  auto result =
      ffi_tasks::spawn([message](Token) -> int { throw std::runtime_error(message); }).try_wait();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(std::string(result.error().what()), "C++ exception std::runtime_error: " + message);
}

TEST(CppJobTest, ThrowIfCancelledEndsTheJobAsCancelled) {
  auto handle = ffi_tasks::spawn([](Token t) {
    t.wait_cancelled(UINT64_MAX);
    ffi_tasks::throw_if_cancelled(t);
    return 1;
  });
  EXPECT_EQ(handle.status(), TaskStatus::running);
  handle.cancel();
  EXPECT_TRUE(handle.cancelled());
  ASSERT_TRUE(bridge_support::wait_finished(handle));
  EXPECT_EQ(handle.status(), TaskStatus::cancelled);
  EXPECT_THROW_MSG((void)handle.poll(), ffi_tasks::TaskCancelled, "The task was cancelled");
}

TEST(CppJobTest, JobMayIgnoreCancellationAndComplete) {
  auto handle = ffi_tasks::spawn([](Token t) { return t.wait_cancelled(UINT64_MAX); });
  handle.cancel();
  EXPECT_TRUE(std::move(handle).wait()) << "returning normally after a cancel is a value";
}

TEST(CppJobTest, WaitForTimesOutThenGivesTheValue) {
  auto gate = ffi_tasks::make_token();
  auto handle = ffi_tasks::spawn([gate = gate->clone()](Token) {
    gate->wait_cancelled(UINT64_MAX);
    return std::string("open");
  });
  EXPECT_EQ(handle.wait_for(std::chrono::milliseconds(1)), std::nullopt);
  EXPECT_EQ(handle.poll(), std::nullopt);
  gate->cancel();  // opens the gate
  std::optional<std::string> value =
      handle.wait_for(std::chrono::milliseconds(bridge_support::kWaitMs));
  ASSERT_TRUE(value.has_value());
  EXPECT_EQ(*value, "open");
}

TEST(CppJobTest, ProgressReportedThroughTheToken) {
  auto step = ffi_tasks::make_token();
  auto handle = ffi_tasks::spawn([step = step->clone()](Token t) {
    t.set_progress(3, 10);
    step->wait_cancelled(UINT64_MAX);
    t.set_progress(10, 10);
  });
  ASSERT_TRUE(bridge_support::eventually([&] { return handle.progress() == Progress{3, 10}; }));
  EXPECT_EQ(handle.progress().fraction(), 0.3);
  step->cancel();
  ASSERT_TRUE(bridge_support::wait_finished(handle));
  EXPECT_EQ(handle.progress(), (Progress{10, 10}));
}

TEST(CppJobTest, OnCompleteRunsOnceWithTheOutcomeReady) {
  auto gate = ffi_tasks::make_token();
  auto handle = ffi_tasks::spawn([gate = gate->clone()](Token) {
    gate->wait_cancelled(UINT64_MAX);
    return 5;
  });
  bridge_support::Mailbox<TaskStatus> seen;
  handle.on_complete([&seen, &handle]() noexcept { seen.put(handle.status()); });
  EXPECT_THROW(handle.on_complete([]() noexcept {}), ffi_tasks::InvalidArgument);
  gate->cancel();
  EXPECT_EQ(seen.take(), TaskStatus::completed);
  EXPECT_EQ(std::move(handle).wait(), 5);
}

TEST(CppJobTest, ToFutureCarriesTheOriginalException) {
  std::future<int> future =
      ffi_tasks::spawn([](Token) -> int { throw ParseError("in future", 3); }).to_future();
  EXPECT_THROW(future.get(), ParseError);
}

TEST(CppJobTest, ToFutureCarriesTheValue) {
  std::future<std::string> future =
      ffi_tasks::spawn([](Token) { return std::string("f"); }).to_future();
  EXPECT_EQ(future.get(), "f");
}

TEST(CppJobTest, DestroyingTheHandleCancelsTheJobAndFreesTheCallable) {
  auto observed = std::make_shared<int>(0);
  std::weak_ptr<int> weak = observed;
  auto finished = ffi_tasks::make_token();
  {
    auto handle =
        ffi_tasks::spawn([observed = std::move(observed), finished = finished->clone()](Token t) {
          const bool cancelled = t.wait_cancelled(UINT64_MAX);
          finished->cancel();  // tell the test the job saw the cancel
          return cancelled;
        });
  }  // ~TaskHandle cancels the job
  EXPECT_TRUE(finished->wait_cancelled(bridge_support::kWaitMs));
  // The callable (and what it captured) is destroyed on the worker right
  // after it returns; the pool settles once that is done.
  bridge_support::settled_stats();
  EXPECT_TRUE(weak.expired());
}

TEST(CppJobTest, CallableIsDestroyedBeforeWaitReturns) {
  auto observed = std::make_shared<int>(0);
  std::weak_ptr<int> weak = observed;
  auto handle = ffi_tasks::spawn([observed = std::move(observed)](Token) { return *observed; });
  EXPECT_EQ(std::move(handle).wait(), 0);
  EXPECT_TRUE(weak.expired());
}

TEST(CppJobTest, EmptyHandleAfterWait) {
  auto handle = ffi_tasks::spawn([](Token) { return 1; });
  TaskHandle<int> other = std::move(handle);
  EXPECT_FALSE(handle.valid());
  EXPECT_THROW((void)handle.poll(), ffi_tasks::UsageError);
  EXPECT_EQ(std::move(other).wait(), 1);
  EXPECT_FALSE(other.valid());
}

TEST(CppJobTest, ManyJobsFromSeveralThreads) {
  std::vector<std::thread> threads;
  std::atomic<int> sum{0};
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&sum, t] {
      std::vector<TaskHandle<int>> handles;
      for (int i = 0; i < 250; ++i) {
        handles.push_back(ffi_tasks::spawn([i, t](Token) { return i + t; }));
      }
      for (auto &h : handles) {
        sum += std::move(h).wait();
      }
    });
  }
  for (auto &th : threads) {
    th.join();
  }
  // 4 * (0 + ... + 249) + 250 * (0 + 1 + 2 + 3)
  EXPECT_EQ(sum.load(), 4 * 31125 + 250 * 6);
}

TEST(CppJobTest, JobCanSpawnAndWaitForRustTasks) {
  auto handle = ffi_tasks::spawn([](Token t) {
    auto inner = ffi_tasks::spawn(Add{40, 2}, t);  // under the job's own token
    return std::move(inner).wait();
  });
  EXPECT_EQ(std::move(handle).wait(), 42u);
}

TEST(CppJobTest, CancellingAJobCancelsWhatItSpawnedUnderItsToken) {
  auto handle = ffi_tasks::spawn([](Token t) {
    auto inner = ffi_tasks::spawn(Spin{0}, t);
    return std::move(inner).wait();  // Spin ends only when cancelled
  });
  handle.cancel();
  EXPECT_THROW(std::move(handle).wait(), ffi_tasks::TaskCancelled)
      << "the inner TaskCancelled escapes the job, which therefore ends cancelled";
}

// A callable whose destructor throws (declared noexcept(false)): the job is
// destroyed on a worker, inside Rust, where an escaping exception would end
// the program. Its exception is the job's failure instead, rethrown as itself.
struct ThrowsOnDestruction {
  std::shared_ptr<int> armed = std::make_shared<int>(1);
  ThrowsOnDestruction() = default;
  ThrowsOnDestruction(ThrowsOnDestruction &&other) noexcept : armed(std::move(other.armed)) {}
  ThrowsOnDestruction(const ThrowsOnDestruction &) = delete;
  ThrowsOnDestruction &operator=(const ThrowsOnDestruction &) = delete;
  ThrowsOnDestruction &operator=(ThrowsOnDestruction &&) = delete;
  ~ThrowsOnDestruction() noexcept(false) {
    if (armed && !std::uncaught_exceptions()) {
      armed.reset();
      throw ParseError("thrown by the destructor", 7);
    }
  }
  int operator()(Token) const { return 5; }
};

TEST(CppJobTest, CallableThrowingFromItsDestructorFailsTheJob) {
  auto handle = ffi_tasks::spawn(ThrowsOnDestruction{});
  try {
    (void)std::move(handle).wait();
    ADD_FAILURE() << "the destructor's exception was lost";
  } catch (const ParseError &e) {
    EXPECT_STREQ(e.what(), "thrown by the destructor");
    EXPECT_EQ(e.line, 7);
  }
}

TEST(CppJobTest, CallableThrowingFromItsDestructorNeverRunIsContained) {
  // A job the pool never ran (refused at shutdown, dropped by an executor) is
  // destroyed by Rust through the CppJob's destructor: the callable's
  // exception must stay there instead of ending the program.
  auto state = std::make_shared<ffi_tasks::detail::job_state<int>>();
  std::unique_ptr<ffi_tasks::bridge::CppJob> job =
      std::make_unique<ffi_tasks::detail::callable_job<ThrowsOnDestruction, int>>(
          ThrowsOnDestruction{}, state);
  job.reset();
  EXPECT_FALSE(state->finished.load());
  EXPECT_FALSE(state->value.has_value());
}

int answer_job(Token) { return 42; }

TEST(CppJobTest, FunctionPointerJob) { EXPECT_EQ(ffi_tasks::spawn(&answer_job).wait(), 42); }

// Jobs that spawn a job and wait for it, nested: each waiting worker is one
// more busy thread, and the pool must start another for the inner job.
int nested(int depth) {
  if (depth == 0) {
    return 0;
  }
  return ffi_tasks::spawn([depth](Token) { return nested(depth - 1) + 1; }).wait();
}

TEST(CppJobTest, JobsWaitingForJobsTheySpawnedDoNotDeadlock) { EXPECT_EQ(nested(24), 24); }

TEST(CppJobTest, CancellingAJobCancelsTheJobItWaitsFor) {
  auto outer = ffi_tasks::spawn([](Token t) {
    auto inner = ffi_tasks::spawn(
        [](Token it) {
          it.wait_cancelled(UINT64_MAX);
          ffi_tasks::throw_if_cancelled(it);
          return 1;
        },
        t);
    return std::move(inner).wait();
  });
  std::thread canceller([&outer] { outer.cancel(); });
  canceller.join();
  EXPECT_THROW((void)std::move(outer).wait(), ffi_tasks::TaskCancelled);
}

#if FFI_TASKS_HAS_COROUTINES
using test_support::Detached;

Detached chain(bridge_support::Mailbox<int> &out) {
  const int a = co_await ffi_tasks::spawn([](Token) { return 20; });
  const std::uint64_t b = co_await ffi_tasks::spawn(Add{static_cast<std::uint64_t>(a), 1});
  out.put(static_cast<int>(b) * 2);
}

TEST(CppJobTest, CoAwaitMixesJobsAndRustTasks) {
  bridge_support::Mailbox<int> out;
  chain(out);
  EXPECT_EQ(out.take(), 42);
}
#endif

}  // namespace
