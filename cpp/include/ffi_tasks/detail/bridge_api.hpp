// ffi_tasks/detail/bridge_api.hpp — the generated cxx bridge (src/bridge.rs)
// and the one place that turns a failed bridge call into a typed
// ffi_tasks::Error. Not public API.
//
// Every fallible bridge function clears the thread's last error on entry and,
// when it fails, stores the typed error there and throws rust::Error (cxx's
// Result). bridge_call catches the rust::Error and throws the exception of
// the error's kind instead, message read from the bridge as a rust::String
// (no fixed-size buffer).
#pragma once

#include <string>
#include <utility>

#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks_bridge/bridge.h"
#include "rust/cxx.h"

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

// The calling thread's last error, read through the bridge; `operation`
// names the call for the rare failure that left no error.
inline Error bridge_take_error(const char *operation) {
  const ::ffi_tasks::bridge::LastError last = ::ffi_tasks::bridge::last_error();
  if (last.kind == 0) {
    return Error(ErrorKind::failed, std::string(operation) + " failed without reporting an error");
  }
  return Error(static_cast<ErrorKind>(last.kind), std::string(last.message));
}

// Calls `f()`; a rust::Error from a fallible bridge function becomes the
// typed exception of the error it stored.
template <class F>
decltype(auto) bridge_call(const char *operation, F &&f) {
#if FFI_TASKS_USE_EXCEPTIONS
  try {
    return std::forward<F>(f)();
  } catch (const ::rust::Error &) {
    throw_error(bridge_take_error(operation));
  }
#else
  (void)operation;
  return std::forward<F>(f)();
#endif
}

}  // namespace detail
FFI_TASKS_END_NAMESPACE
