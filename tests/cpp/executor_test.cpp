// on_complete(ex, f) and co_await ... resume_on(ex): the function or the
// coroutine runs through the executor, and hostile executors (throwing,
// dropping, inline) and callbacks (throwing) leave nothing broken.
#include <gtest/gtest.h>

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <functional>
#include <future>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <utility>

#include "bridge_tasks.hpp"
#include "coroutine_support.hpp"
#include "example_tasks.hpp"
#include "exec_support.hpp"
#include "ffi_tasks/bridge.hpp"
#include "ffi_tasks/executor.hpp"

using exec_support::DestroyedSignal;
using exec_support::kWait;
using ffi_tasks::TaskHandle;
using Token = const ffi_tasks::CancellationToken &;

namespace {

static_assert(ffi_tasks::is_executor_v<exec_support::QueueExecutor>);
static_assert(ffi_tasks::is_executor_v<exec_support::PostExecutor>);
static_assert(ffi_tasks::is_executor_v<exec_support::PinnedExecutor &>);
static_assert(ffi_tasks::is_executor_v<const exec_support::InlineExecutor &>);
static_assert(!ffi_tasks::is_executor_v<int>);
static_assert(!ffi_tasks::is_executor_v<std::function<void()>>);
#if defined(__cpp_concepts)
static_assert(ffi_tasks::executor<exec_support::QueueExecutor>);
static_assert(!ffi_tasks::executor<int>);
#endif

TEST(OnCompleteExecutorTest, RunsOnTheExecutorNotTheWorker) {
  exec_support::QueueExecutor ex;
  auto h = ffi_tasks::spawn(Add{2, 3});
  std::thread::id ran_on;
  h.on_complete(ex, [&ran_on] { ran_on = std::this_thread::get_id(); });
  ASSERT_TRUE(ex.queue->run_one());
  EXPECT_EQ(ran_on, std::this_thread::get_id());
  EXPECT_EQ(std::move(h).wait(), 5u);
}

TEST(OnCompleteExecutorTest, PostSpellingAndPinnedExecutor) {
  exec_support::PostExecutor post;
  exec_support::PinnedExecutor pinned;
  auto a = ffi_tasks::spawn(Add{1, 1});
  auto b = ffi_tasks::spawn(Add{2, 2});
  int runs = 0;
  a.on_complete(post, [&runs] { ++runs; });
  b.on_complete(pinned, [&runs] { ++runs; });
  ASSERT_TRUE(post.queue->run_one());
  ASSERT_TRUE(pinned.queue.run_one());
  EXPECT_EQ(runs, 2);
}

TEST(OnCompleteExecutorTest, CppJobThroughExecutor) {
  exec_support::QueueExecutor ex;
  auto job = ffi_tasks::spawn([](Token) { return std::uint64_t{42}; });
  bool ran = false;
  job.on_complete(ex, [&ran] { ran = true; });
  ASSERT_TRUE(ex.queue->run_one());
  EXPECT_TRUE(ran);
  EXPECT_EQ(std::move(job).wait(), 42u);
}

TEST(OnCompleteExecutorTest, ErrorsAsOnComplete) {
  exec_support::QueueExecutor ex;
  TaskHandle<std::uint64_t> empty;
  EXPECT_THROW(empty.on_complete(ex, [] {}), ffi_tasks::UsageError);
  auto h = ffi_tasks::spawn(Add{1, 2});
  EXPECT_THROW(h.on_complete(ex, std::function<void()>()), ffi_tasks::NullPointer);
  void (*null_fn)() = nullptr;
  EXPECT_THROW(h.on_complete(ex, null_fn), ffi_tasks::NullPointer);
  h.on_complete(ex, [] {});
  EXPECT_THROW(h.on_complete(ex, [] {}), ffi_tasks::InvalidArgument);
  ASSERT_TRUE(ex.queue->run_one());
  EXPECT_EQ(ex.queue->pushed(), 1u);
}

// Registers on h, through ex, a callback that sets `ran`; the future is
// ready once that callback has been destroyed (run or not).
template <class Executor>
std::future<void> watched_callback(TaskHandle<std::uint64_t> &h, Executor &ex,
                                   std::atomic<bool> &ran) {
  DestroyedSignal destroyed;
  std::future<void> gone = destroyed.future();
  h.on_complete(ex, [&ran, token = destroyed.token()] { ran = true; });
  return gone;
}

TEST(OnCompleteExecutorTest, ExecutorThatThrowsDropsTheCallback) {
  exec_support::ThrowingExecutor ex;
  std::atomic<bool> ran{false};
  std::future<void> gone;
  {
    auto h = ffi_tasks::spawn(Add{1, 2});
    gone = watched_callback(h, ex, ran);
  }
  ASSERT_EQ(gone.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(ex.calls->load(), 1);
  EXPECT_FALSE(ran.load());
}

TEST(OnCompleteExecutorTest, ExecutorThatDropsTheFunction) {
  exec_support::DroppingExecutor ex;
  std::atomic<bool> ran{false};
  auto h = ffi_tasks::spawn(Add{1, 2});
  std::future<void> gone = watched_callback(h, ex, ran);
  ASSERT_EQ(gone.wait_for(kWait), std::future_status::ready);
  EXPECT_EQ(ex.calls->load(), 1);
  EXPECT_FALSE(ran.load());
  EXPECT_EQ(std::move(h).wait(), 3u);
}

TEST(OnCompleteExecutorTest, CallbackThatThrowsReachesTheExecutor) {
  exec_support::QueueExecutor ex;
  auto h = ffi_tasks::spawn(Add{1, 2});
  h.on_complete(ex, [] { throw std::runtime_error("callback fails"); });
  auto f = ex.queue->take();
  ASSERT_TRUE(f.has_value());
  EXPECT_THROW((*f)(), std::runtime_error);
  EXPECT_EQ(std::move(h).wait(), 3u);  // the handle is unaffected
}

TEST(OnCompleteExecutorTest, HandleDestroyedWhileCompletionQueued) {
  exec_support::QueueExecutor ex;
  DestroyedSignal destroyed;
  std::future<void> gone = destroyed.future();
  int ran = 0;
  {
    auto h = ffi_tasks::spawn(Add{1, 2});
    h.on_complete(ex, [&ran, token = destroyed.token()] { ++ran; });
    auto f = ex.queue->take();  // queued, not run
    ASSERT_TRUE(f.has_value());
    h.reset();  // the task (and its handle) gone first
    (*f)();
  }
  EXPECT_EQ(ran, 1);
  ASSERT_EQ(gone.wait_for(kWait), std::future_status::ready);
}

TEST(OnCompleteExecutorTest, QueuedFunctionNeverRunIsFreed) {
  DestroyedSignal destroyed;
  std::future<void> gone = destroyed.future();
  {
    exec_support::QueueExecutor ex;
    auto h = ffi_tasks::spawn(Add{1, 2});
    h.on_complete(ex, [token = destroyed.token()] {});
    ASSERT_EQ(std::move(h).wait(), 3u);
    ASSERT_TRUE(bridge_support::eventually([&] { return ex.queue->pending() == 1; }));
  }  // the executor (and its queue) destroyed with the function in it
  EXPECT_EQ(gone.wait_for(kWait), std::future_status::ready);
}

#if FFI_TASKS_HAS_COROUTINES  // (not with libc++ 14: no std::stop_token)
// ----- resume_on

using test_support::Frame;

struct Seen {
  std::uint64_t value = 0;
  std::thread::id thread;
  int resumed = 0;
  std::string error;
};

std::uint64_t value_of(std::uint64_t v) { return v; }
std::uint64_t value_of(const ProbeOutput &v) { return v.value; }

template <class T, class Executor>
Frame await_on(TaskHandle<T> task, Executor &ex, Seen &seen) {
  try {
    T value = co_await std::move(task).resume_on(ex);
    seen.value = value_of(value);
  } catch (const ffi_tasks::Error &e) {
    seen.error = e.what();
  }
  seen.thread = std::this_thread::get_id();
  ++seen.resumed;
}

TEST(ResumeOnTest, ResumesThroughTheExecutor) {
  exec_support::QueueExecutor ex;
  Seen seen;
  Frame frame = await_on(ffi_tasks::spawn(Add{20, 22}), ex, seen);
  ASSERT_TRUE(ex.queue->run_one());
  ASSERT_TRUE(frame.done());
  EXPECT_EQ(seen.value, 42u);
  EXPECT_EQ(seen.thread, std::this_thread::get_id());
  EXPECT_EQ(seen.resumed, 1);
  EXPECT_EQ(ex.queue->pushed(), 1u);
}

TEST(ResumeOnTest, FinishedTaskStillResumesThroughTheExecutor) {
  exec_support::QueueExecutor ex;
  auto h = ffi_tasks::spawn(Add{1, 1});
  ASSERT_TRUE(test_support::spin_until_finished(h));
  Seen seen;
  Frame frame = await_on(std::move(h), ex, seen);
  EXPECT_FALSE(frame.done());  // waits for the executor
  ASSERT_TRUE(ex.queue->run_one());
  EXPECT_TRUE(frame.done());
  EXPECT_EQ(seen.value, 2u);
}

TEST(ResumeOnTest, ErrorIsThrownAfterResuming) {
  exec_support::QueueExecutor ex;
  Seen seen;
  Frame frame = await_on(ffi_tasks::spawn(Fail{7}), ex, seen);
  ASSERT_TRUE(ex.queue->run_one());
  ASSERT_TRUE(frame.done());
  EXPECT_NE(seen.error.find("code 7"), std::string::npos) << seen.error;
}

TEST(ResumeOnTest, CppJobThroughExecutor) {
  exec_support::QueueExecutor ex;
  Seen seen;
  Frame frame = await_on(ffi_tasks::spawn([](Token) { return std::uint64_t{9}; }), ex, seen);
  ASSERT_TRUE(ex.queue->run_one());
  EXPECT_EQ(seen.value, 9u);
}

using test_support::Detached;

Detached await_inline(TaskHandle<std::uint64_t> task, bridge_support::Mailbox<std::uint64_t> &out) {
  exec_support::InlineExecutor ex;
  std::uint64_t value = co_await std::move(task).resume_on(ex);
  out.put(value);
}

TEST(ResumeOnTest, InlineExecutor) {
  for (int i = 0; i < 50; ++i) {
    bridge_support::Mailbox<std::uint64_t> out;
    auto h = ffi_tasks::spawn(Add{1, static_cast<std::uint64_t>(i)});
    if (i % 2 == 0) {
      ASSERT_TRUE(test_support::spin_until_finished(h));  // resumes inside co_await
    }
    await_inline(std::move(h), out);
    EXPECT_EQ(out.take(), std::optional<std::uint64_t>(static_cast<std::uint64_t>(i) + 1));
  }
}

TEST(ResumeOnTest, FrameDestroyedWhileResumptionQueued) {
  exec_support::QueueExecutor ex;
  Seen seen;
  Frame frame = await_on(ffi_tasks::spawn(Add{1, 2}), ex, seen);
  auto resume = ex.queue->take();
  ASSERT_TRUE(resume.has_value());
  frame.destroy();
  (*resume)();  // must leave the dead frame alone
  EXPECT_EQ(seen.resumed, 0);
}

TEST(ResumeOnTest, FrameDestroyedBeforeTheTaskFinishes) {
  exec_support::QueueExecutor ex;
  const std::uint64_t id = test_support::fresh_id();
  Seen seen;
  {
    Frame frame =
        await_on(ffi_tasks::spawn(Probe{id, 1, probe_mode::cancel_when_cancelled}), ex, seen);
    ASSERT_TRUE(test_support::wait_started(id));
  }  // destroyed while suspended: the task is cancelled
  // The completion still posts; running it does nothing.
  ASSERT_TRUE(ex.queue->run_one());
  EXPECT_EQ(seen.resumed, 0);
  EXPECT_EQ(example_probe_saw_cancel(id), 1u);
}

TEST(ResumeOnTest, ExecutorThatThrowsLeavesTheCoroutineSuspended) {
  exec_support::ThrowingExecutor ex;
  Seen seen;
  Frame frame = await_on(ffi_tasks::spawn(Add{1, 2}), ex, seen);
  ASSERT_TRUE(bridge_support::eventually([&] { return ex.calls->load() == 1; }));
  EXPECT_FALSE(frame.done());
  EXPECT_EQ(seen.resumed, 0);
  frame.destroy();  // still safe
}

TEST(ResumeOnTest, ExecutorThatDropsLeavesTheCoroutineSuspended) {
  exec_support::DroppingExecutor ex;
  Seen seen;
  Frame frame = await_on(ffi_tasks::spawn(Add{1, 2}), ex, seen);
  ASSERT_TRUE(bridge_support::eventually([&] { return ex.calls->load() == 1; }));
  EXPECT_FALSE(frame.done());
  frame.destroy();
}

TEST(ResumeOnTest, EmptyHandleThrowsUsageError) {
  exec_support::QueueExecutor ex;
  Seen seen;
  Frame frame = await_on(TaskHandle<std::uint64_t>(), ex, seen);
  EXPECT_TRUE(frame.done());
  EXPECT_NE(seen.error.find("empty TaskHandle"), std::string::npos) << seen.error;
  EXPECT_EQ(ex.queue->pushed(), 0u);
}
#endif

}  // namespace
