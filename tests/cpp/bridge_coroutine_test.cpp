// co_await on a TaskHandle from coroutine types a framework might have:
// one whose owner destroys the frame while it is suspended on a Rust task
// or a C++ job (the completion must then leave the dead frame alone), and
// one whose promise carries a std::stop_token (a stop request cancels the
// awaited task).
#include <gtest/gtest.h>

#include "ffi_tasks/detail/config.hpp"

#if FFI_TASKS_HAS_COROUTINES

#include <atomic>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <utility>

#include "bridge_tasks.hpp"
#include "coroutine_support.hpp"
#include "example_tasks.hpp"
#include "ffi_tasks/bridge.hpp"

#if FFI_TASKS_HAS_STOP_TOKEN
#include <stop_token>
#endif

using ffi_tasks::ErrorKind;
using ffi_tasks::TaskHandle;
using Token = const ffi_tasks::CancellationToken &;
using test_support::fresh_id;
using test_support::wait_started;

namespace {

using test_support::Frame;

// Counts the times it went on after its co_await: through a reference kept
// in the frame, so a resumption of a destroyed frame shows up here (or as
// a crash, or an ASan report).
template <class T>
Frame await_then_count(TaskHandle<T> task, std::atomic<int> &resumed) {
  (void)co_await std::move(task);
  resumed.fetch_add(1);
}

// Waits (bounded) until the pool runs nothing: every task started so far
// has finished, its completion callback included.
void settle() { (void)bridge_support::settled_stats(); }

TEST(CoroutineFrameTest, DestroyedWhileSuspendedOnARustTask) {
  const std::uint64_t id = fresh_id();
  std::atomic<int> resumed{0};
  Frame frame =
      await_then_count(ffi_tasks::spawn(Probe{id, 1, probe_mode::return_when_released}), resumed);
  ASSERT_TRUE(wait_started(id));
  ASSERT_TRUE(frame.suspended());
  frame.destroy();  // the handle in the frame cancels the task
  example_probe_release(id);
  settle();
  EXPECT_EQ(resumed.load(), 0) << "a destroyed coroutine frame was resumed";
  EXPECT_EQ(example_probe_saw_cancel(id) + example_probe_drops(id), 1u)
      << "the task ended either cancelled or released (its output then freed once)";
}

TEST(CoroutineFrameTest, DestroyedWhileSuspendedOnACppJob) {
  std::atomic<int> resumed{0};
  std::atomic<bool> job_saw_cancel{false};
  Frame frame = await_then_count(ffi_tasks::spawn([&job_saw_cancel](Token t) {
                                   job_saw_cancel = t.wait_cancelled(UINT64_MAX);
                                   return 1;
                                 }),
                                 resumed);
  ASSERT_TRUE(frame.suspended());  // the job can only end once cancelled
  frame.destroy();
  settle();
  EXPECT_EQ(resumed.load(), 0) << "a destroyed coroutine frame was resumed";
  EXPECT_TRUE(job_saw_cancel.load());
}

TEST(CoroutineFrameTest, NotDestroyedResumesExactlyOnce) {
  const std::uint64_t id = fresh_id();
  std::atomic<int> resumed{0};
  Frame frame =
      await_then_count(ffi_tasks::spawn(Probe{id, 1, probe_mode::return_when_released}), resumed);
  ASSERT_TRUE(frame.suspended());
  example_probe_release(id);
  settle();
  EXPECT_EQ(resumed.load(), 1);
  EXPECT_FALSE(frame.suspended());  // at its final suspend point
}

#if FFI_TASKS_HAS_STOP_TOKEN

// A fire-and-forget coroutine whose promise exposes the stop token it was
// started with (its first argument), as stop-aware frameworks do.
struct Stoppable {
  struct promise_type {
    template <class... Args>
    explicit promise_type(const std::stop_token &stop, const Args &...) noexcept : stop(stop) {}
    std::stop_token get_stop_token() const noexcept { return stop; }
    Stoppable get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
    std::stop_token stop;
  };
};

// How the awaited task ended: none (a value), or the error's kind.
Stoppable await_outcome(std::stop_token, TaskHandle<std::uint64_t> task,
                        bridge_support::Mailbox<ErrorKind> &outcome) {
  ErrorKind kind = ErrorKind::none;
  try {
    (void)co_await std::move(task);
  } catch (const ffi_tasks::Error &e) {
    kind = e.kind();
  }
  outcome.put(kind);
}

TEST(CoroutineStopTest, StopRequestCancelsTheAwaitedTask) {
  std::stop_source source;
  bridge_support::Mailbox<ErrorKind> outcome;
  await_outcome(source.get_token(), ffi_tasks::spawn(Spin{0}), outcome);  // runs until cancelled
  source.request_stop();
  EXPECT_EQ(outcome.take(), ErrorKind::cancelled);
}

TEST(CoroutineStopTest, StopRequestCancelsTheAwaitedCppJob) {
  std::stop_source source;
  bridge_support::Mailbox<ErrorKind> outcome;
  auto job = ffi_tasks::spawn([](Token t) -> std::uint64_t {
    t.wait_cancelled(UINT64_MAX);
    ffi_tasks::throw_if_cancelled(t);
    return 1;
  });
  await_outcome(source.get_token(), std::move(job), outcome);
  source.request_stop();
  EXPECT_EQ(outcome.take(), ErrorKind::cancelled);
}

TEST(CoroutineStopTest, AlreadyStoppedCancelsAtOnce) {
  std::stop_source source;
  source.request_stop();
  bridge_support::Mailbox<ErrorKind> outcome;
  await_outcome(source.get_token(), ffi_tasks::spawn(Spin{0}), outcome);
  EXPECT_EQ(outcome.take(), ErrorKind::cancelled);
}

TEST(CoroutineStopTest, NoStopRequestGivesTheValue) {
  std::stop_source source;
  bridge_support::Mailbox<ErrorKind> outcome;
  await_outcome(source.get_token(), ffi_tasks::spawn(Add{1, 2}), outcome);
  EXPECT_EQ(outcome.take(), ErrorKind::none);
  source.request_stop();  // too late to matter, and nothing left registered
}

#endif  // FFI_TASKS_HAS_STOP_TOKEN

}  // namespace

#endif  // FFI_TASKS_HAS_COROUTINES
