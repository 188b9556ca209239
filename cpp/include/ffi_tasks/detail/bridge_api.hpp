// ffi_tasks/detail/bridge_api.hpp — the generated cxx bridge (src/bridge.rs)
// and the one place that turns a failed bridge call into a typed
// ffi_tasks::Error. Not public API.
//
// Every fallible bridge function clears the thread's last error on entry and,
// when it fails, stores the typed error there and throws rust::Error (cxx's
// Result). bridge_call catches the rust::Error and throws the exception of
// the error's kind instead, built by detail::c_take_error (error.hpp).
#pragma once

#include <utility>

#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks_bridge/bridge.h"
#include "rust/cxx.h"

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

// Calls `f()`; a rust::Error from a fallible bridge function becomes the
// typed exception of the error it stored.
template <class F>
decltype(auto) bridge_call(const char *operation, F &&f) {
#if FFI_TASKS_USE_EXCEPTIONS
  try {
    return std::forward<F>(f)();
  } catch (const ::rust::Error &) {
    throw_error(c_take_error(operation));
  }
#else
  (void)operation;
  return std::forward<F>(f)();
#endif
}

}  // namespace detail
FFI_TASKS_END_NAMESPACE
