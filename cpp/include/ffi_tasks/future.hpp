// ffi_tasks/future.hpp — std::future interop for TaskHandle<T>:
//
//   std::future<std::uint64_t> f = ffi_tasks::spawn(CountPrimes{1000000}).to_future();
//   // or ffi_tasks::to_future(std::move(handle))
//
// The future is fulfilled when the task finishes, with its value or its typed
// exception (the one wait() would throw). Needs exceptions.
#pragma once

#include <exception>
#include <future>
#include <memory>
#include <utility>

#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/task_handle.hpp"

#if !FFI_TASKS_USE_EXCEPTIONS
#error "ffi_tasks/future.hpp needs exceptions: a std::future reports errors by throwing"
#endif

FFI_TASKS_BEGIN_NAMESPACE

// Consumes `handle`; the task keeps running (and is not cancelled) until it
// finishes, even if the future is dropped. Uses the task's one completion
// callback. Same as std::move(handle).to_future().
template <class T>
[[nodiscard]] std::future<T> to_future(TaskHandle<T> &&handle);

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

namespace detail {

// Owned by the completion callback (and, until to_future returns, by
// to_future): the handle lives here, so the callback can take the result
// whatever happens to the caller's objects.
template <class T>
struct future_state {
  explicit future_state(TaskHandle<T> &&h) noexcept : handle(std::move(h)) {}

  // Runs on the thread that finished the task: must not throw.
  void fulfil() noexcept {
    try {
      auto result = handle.try_poll();
      if (!result) {
        promise.set_exception(to_exception_ptr(result.error()));
      } else if (!*result) {
        promise.set_exception(std::make_exception_ptr(Error(
            ErrorKind::failed, "ffi_tasks: completion callback ran before the task finished")));
      } else {
        promise.set_value(std::move(**result));
      }
    } catch (...) {
      try {
        promise.set_exception(std::current_exception());
      } catch (...) {  // already satisfied: nothing left to report
      }
    }
  }

  TaskHandle<T> handle;
  std::promise<T> promise;
};

template <class T>
struct future_interop {
  static std::future<T> to_future(TaskHandle<T> &&handle) {
    if (!handle.valid()) {
      throw_error(detail::empty_handle_error("to_future"));
    }
    auto state = std::make_shared<future_state<T>>(std::move(handle));
    std::future<T> future = state->promise.get_future();
    // The callback holds the state: if it runs last, it also destroys the
    // handle (on the worker, outside any call on that handle).
    state->handle.on_complete([state]() noexcept { state->fulfil(); });
    return future;
  }
};

}  // namespace detail

template <class T>
std::future<T> to_future(TaskHandle<T> &&handle) {
  return detail::future_interop<T>::to_future(std::move(handle));
}

FFI_TASKS_END_NAMESPACE
