// ffi_tasks/detail/callback.hpp — a C++ callable behind the C ABI's
// `void (*)(void *)` completion callback. Not public API.
#pragma once

#include <memory>
#include <utility>

#include "ffi_tasks/detail/config.hpp"

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

// Heap-allocated by on_complete and passed as user_data; the C side calls
// invoke() exactly once (on a worker thread, or at once if the task is done),
// which runs the callable and frees the box. invoke is noexcept: a callable
// that throws terminates the program (it would otherwise unwind into Rust).
template <class F>
struct callback_box {
  F callable;

  static void invoke(void *self) noexcept {
    std::unique_ptr<callback_box> owned(static_cast<callback_box *>(self));
    std::move(owned->callable)();
  }
};

}  // namespace detail
FFI_TASKS_END_NAMESPACE
