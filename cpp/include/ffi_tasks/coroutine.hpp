// ffi_tasks/coroutine.hpp — co_await on a TaskHandle<T> (C++20):
//
//   my_task<std::uint64_t> count() {
//     std::uint64_t n = co_await ffi_tasks::spawn(CountPrimes{1000000});
//     co_return n;
//   }
//
// `T value = co_await std::move(handle);` suspends until the task finishes
// without blocking a thread, then yields its value or throws its error.
// The coroutine resumes on the worker thread that finished the task (or
// goes on at once if it is already done), exactly once. Consumes the
// handle; uses the task's one completion callback.
//
// Destroying the coroutine while it is suspended here is safe: the task
// is cancelled (as by ~TaskHandle) and the coroutine is never resumed.
// If the coroutine's promise has get_stop_token() (a std::stop_token), a
// stop request while it waits here cancels the task.
//
// `co_await std::move(handle).resume_on(ex)` (ex an executor, see
// executor.hpp): the same, but the coroutine always resumes through `ex`
// (ex.execute(f) or ex.post(f)), even if the task has already finished.
// If the executor throws or drops the function, the coroutine stays
// suspended (destroying it is still safe); if its frame is destroyed while
// the resumption is queued, the queued function does nothing.
#pragma once

#include <atomic>
#include <coroutine>
#include <memory>
#include <optional>
#include <stop_token>
#include <type_traits>
#include <utility>

#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/executor.hpp"
#include "ffi_tasks/status.hpp"
#include "ffi_tasks/task_handle.hpp"

#if !FFI_TASKS_HAS_COROUTINES || !FFI_TASKS_HAS_STOP_TOKEN
#error "ffi_tasks/coroutine.hpp needs C++20 coroutines and std::stop_token"
#endif

FFI_TASKS_BEGIN_NAMESPACE

namespace detail {
struct inline_resumer;
template <class T, class Resumer = inline_resumer>
class task_awaiter;
}  // namespace detail

// The awaiter of `co_await std::move(handle)`.
template <class T>
detail::task_awaiter<T> operator co_await(TaskHandle<T> &&handle) noexcept;

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

namespace detail {

// Shared by an awaiter and the completion callback it registers, so that
// it outlives whichever of them goes first. `stage` decides, once, who
// goes on with the coroutine:
//   suspending -> finished_early  the task finished while await_suspend ran:
//                                 the coroutine does not suspend;
//   suspending -> suspended       await_suspend suspended it; then either
//   suspended  -> resumed         the callback resumes it, or
//   suspended  -> abandoned       its frame was destroyed while suspended:
//                                 the callback leaves it alone.
// With resume_on, the coroutine always suspends; whichever of the callback
// (finish_first) and await_suspend comes second posts resume() to the
// executor, which goes suspended -> resumed unless the frame was abandoned
// meanwhile.
struct resume_state {
  enum : int { suspending, suspended, finished_early, resumed, abandoned };
  std::atomic<int> stage{suspending};
  std::coroutine_handle<> coroutine;

  // The completion callback (on the thread that finished the task).
  void on_complete() noexcept {
    int expected = suspending;
    if (stage.compare_exchange_strong(expected, finished_early, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      return;  // await_suspend sees it and does not suspend
    }
    if (expected == suspended &&
        stage.compare_exchange_strong(expected, resumed, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      coroutine.resume();
    }
    // else abandoned: the frame is gone.
  }

  // The completion callback of resume_on: whether it came before
  // await_suspend's last step (which then posts the resumption itself).
  bool finish_first() noexcept {
    int expected = suspending;
    return stage.compare_exchange_strong(expected, finished_early, std::memory_order_acq_rel,
                                         std::memory_order_acquire);
  }

  // The function resume_on posts: resumes the coroutine unless its frame
  // was destroyed meanwhile.
  void resume() noexcept {
    int expected = suspended;
    if (stage.compare_exchange_strong(expected, resumed, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      coroutine.resume();
    }
  }

  // await_suspend, last step: whether the coroutine stays suspended.
  bool suspend() noexcept {
    int expected = suspending;
    return stage.compare_exchange_strong(expected, suspended, std::memory_order_acq_rel,
                                         std::memory_order_acquire);
  }

  // The frame is being destroyed: if still suspended, never resume it.
  void abandon() noexcept {
    int expected = suspended;
    stage.compare_exchange_strong(expected, abandoned, std::memory_order_acq_rel,
                                  std::memory_order_acquire);
  }
};

// Whether a coroutine promise exposes a std::stop_token.
template <class Promise, class = void>
struct has_stop_token : std::false_type {};
template <class Promise>
struct has_stop_token<Promise, std::void_t<decltype(std::declval<Promise &>().get_stop_token())>>
    : std::is_convertible<decltype(std::declval<Promise &>().get_stop_token()), std::stop_token> {};

// How a task_awaiter goes on with the coroutine: at once, on the thread
// that finished the task ...
struct inline_resumer {};

// ... or through an executor (resume_on).
template <class Executor>
struct executor_resumer {
  stored_executor<Executor> executor;
  template <class F>
  void operator()(F &&f) noexcept {
    post_or_drop(executor, std::forward<F>(f));
  }
};

template <class T, class Resumer>
class task_awaiter {
 public:
  explicit task_awaiter(TaskHandle<T> &&handle, Resumer resumer = Resumer()) noexcept
      : handle_(std::move(handle)), resumer_(std::move(resumer)) {}
  task_awaiter(const task_awaiter &) = delete;
  task_awaiter &operator=(const task_awaiter &) = delete;

  // Runs when the co_await expression ends, and also when the coroutine's
  // frame is destroyed while suspended here: then the callback must not
  // resume it. The members go next: the stop link first, then the handle,
  // which cancels the task if it still runs.
  ~task_awaiter() {
    if (state_) {
      state_->abandon();
    }
  }

  bool await_ready() const {
    if constexpr (std::is_same<Resumer, inline_resumer>::value) {
      return handle_.status() != TaskStatus::running;
    } else {
      // Resumes through the executor even if the task is done; an empty
      // handle throws here.
      static_cast<void>(handle_.status());
      return false;
    }
  }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> coroutine) {
    if constexpr (!std::is_void<Promise>::value) {
      if constexpr (has_stop_token<Promise>::value) {
        // Runs at once if a stop was already requested.
        stop_.emplace(std::stop_token(coroutine.promise().get_stop_token()), cancel_task{&handle_});
      }
    }
    auto state = std::make_shared<resume_state>();
    state->coroutine = coroutine;
    if constexpr (std::is_same<Resumer, inline_resumer>::value) {
      handle_.on_complete([state]() noexcept { state->on_complete(); });
      state_ = state;
      // Once suspended, the coroutine may run (and this awaiter be gone) on
      // another thread at any moment: touch nothing but locals.
      return state->suspend();
    } else {
      // Whichever of the callback and this function comes second posts
      // the resumption to the executor.
      handle_.on_complete([state, resumer = resumer_]() mutable noexcept {
        if (!state->finish_first()) {
          resumer([state]() noexcept { state->resume(); });
        }
      });
      state_ = state;
      if (!state->suspend()) {
        // The task finished first. Posting may resume the coroutine (an
        // inline executor) and end this awaiter: touch nothing but locals.
        state->stage.store(resume_state::suspended, std::memory_order_release);
        Resumer resumer = resumer_;
        resumer([state]() noexcept { state->resume(); });
      }
      return true;
    }
  }

  T await_resume() {
    // Waits for a stop callback running on another thread: after this,
    // nothing else uses the handle, which wait() consumes.
    stop_.reset();
    return std::move(handle_).wait();
  }

 private:
  // Cancels the awaited task on a stop request (a const, thread-safe call
  // on a handle that outlives the registration).
  struct cancel_task {
    const TaskHandle<T> *handle;
    void operator()() const noexcept { static_cast<void>(handle->try_cancel()); }
  };

  TaskHandle<T> handle_;
  Resumer resumer_;
  std::shared_ptr<resume_state> state_;
  std::optional<std::stop_callback<cancel_task>> stop_;
};

template <class T>
struct resume_on_interop {
  template <class Executor>
  static task_awaiter<T, executor_resumer<Executor>> make(TaskHandle<T> &&handle, Executor &&ex) {
    static_assert(is_executor_v<Executor>,
                  "resume_on(ex): ex must have execute(f) or post(f) (executor.hpp)");
    return task_awaiter<T, executor_resumer<Executor>>(
        std::move(handle),
        executor_resumer<Executor>{stored_executor<Executor>(std::forward<Executor>(ex))});
  }
};

}  // namespace detail

template <class T>
detail::task_awaiter<T> operator co_await(TaskHandle<T> &&handle) noexcept {
  return detail::task_awaiter<T>(std::move(handle));
}

FFI_TASKS_END_NAMESPACE
