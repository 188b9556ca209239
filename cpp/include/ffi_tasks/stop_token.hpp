// ffi_tasks/stop_token.hpp — std::stop_token interop (C++20):
//
//   std::jthread worker([h = std::move(handle)](std::stop_token stop) mutable {
//     std::uint64_t n = std::move(h).wait(stop);  // a stop request cancels the task
//   });
//
// TaskHandle<T>::wait(std::stop_token) and try_wait(std::stop_token) need
// this header. (co_await with a promise that has get_stop_token() is in
// ffi_tasks/coroutine.hpp.)
#pragma once

#include <cstdint>
#include <optional>
#include <stop_token>
#include <utility>

#include "ffi_tasks/detail/backend.hpp"
#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/result.hpp"
#include "ffi_tasks/task_handle.hpp"

#if !FFI_TASKS_HAS_STOP_TOKEN
#error "ffi_tasks/stop_token.hpp needs std::stop_token (C++20)"
#endif

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

template <>
struct stop_interop<std::stop_token> {
  template <class T>
  static Result<T> try_wait(TaskHandle<T> &&handle, std::stop_token stop) {
    if (!handle.valid()) {
      return detail::empty_handle_error("wait");
    }
    // Consumed now; destroyed (at the end of this function) only after the
    // stop callback can no longer run, so it never sees a dead handle.
    TaskHandle<T> self(std::move(handle));
    const handle_vtable<T> *vtable = handle_access::vtable(self);
    void *raw = handle_access::raw(self);
    // May run on the thread that requests the stop.
    auto cancel_task = [vtable, raw]() noexcept { vtable->cancel(raw); };
    std::optional<std::stop_callback<decltype(cancel_task)>> on_stop;
    on_stop.emplace(std::move(stop), cancel_task);
    Result<T> result = [&]() -> Result<T> {
      // A non-consuming wait, so that `raw` stays valid for on_stop.
      for (;;) {
        if (void *done = vtable->wait_timeout(raw, UINT64_MAX)) {
          return vtable->adopt(done);
        }
        if (last_error_kind(*vtable) != static_cast<int>(ErrorKind::timed_out)) {
          return vtable->take_error("wait");
        }
      }
    }();
    // Waits for a callback running on another thread; after this the
    // callback and its storage are ours alone.
    on_stop.reset();
    return result;
  }

  template <class T>
  static T wait(TaskHandle<T> &&handle, std::stop_token stop) {
    auto result = try_wait(std::move(handle), std::move(stop));
    return std::move(result).value();
  }
};

}  // namespace detail
FFI_TASKS_END_NAMESPACE
