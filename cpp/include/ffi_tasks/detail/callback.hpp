// ffi_tasks/detail/callback.hpp — a C++ callable behind the C ABI's
// `void (*)(void *)` completion callback. Not public API.
#pragma once

#include <cstdio>
#include <exception>
#include <functional>
#include <memory>
#include <type_traits>
#include <utility>

#include "ffi_tasks/detail/config.hpp"

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

#if FFI_TASKS_USE_EXCEPTIONS
// What the exception being handled says: its what(), or "(not a
// std::exception)". Only inside a handler.
inline const char *current_exception_what() noexcept {
  const char *what = "(not a std::exception)";
  try {
    throw;
  } catch (const std::exception &e) {
    what = e.what();
  } catch (...) {
  }
  return what;
}
#endif

// Ends the program from inside the handler of an exception a completion
// callback let escape (it would otherwise unwind into Rust), saying so.
[[noreturn]] inline void callback_threw() noexcept {
#if FFI_TASKS_USE_EXCEPTIONS
  std::fprintf(stderr,
               "ffi_tasks: a completion callback threw an exception (callbacks must not "
               "throw): %s\n",
               current_exception_what());
#endif
  std::terminate();
}

// Heap-allocated by on_complete and passed as user_data; the C side calls
// invoke() exactly once (on a worker thread, or at once if the task is done),
// which runs the callable and frees the box. invoke is noexcept: a callable
// that throws terminates the program, with a message (callback_threw).
template <class F>
struct callback_box {
  F callable;

  static void invoke(void *self) noexcept {
    std::unique_ptr<callback_box> owned(static_cast<callback_box *>(self));
#if FFI_TASKS_USE_EXCEPTIONS
    try {
      std::move(owned->callable)();
    } catch (...) {
      callback_threw();
    }
#else
    std::move(owned->callable)();
#endif
  }
};

// Whether a callable of type F (decayed) can be null: a function pointer or
// a std::function.
template <class F>
struct is_nullable_callable : std::is_pointer<F> {};
template <class Signature>
struct is_nullable_callable<std::function<Signature>> : std::true_type {};

// Whether `callback` (as passed to on_complete) is a null function pointer
// or an empty std::function. A function itself never is.
template <class F>
bool is_null_callback(const F &callback) noexcept {
  if constexpr (!std::is_function<F>::value && is_nullable_callable<F>::value) {
    return callback == nullptr;
  } else {
    static_cast<void>(callback);
    return false;
  }
}

}  // namespace detail
FFI_TASKS_END_NAMESPACE
