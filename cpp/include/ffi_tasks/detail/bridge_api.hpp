// ffi_tasks/detail/bridge_api.hpp — the generated cxx bridge (src/bridge.rs)
// and the one place that turns a failed bridge call into a typed
// ffi_tasks::Error. Not public API.
//
// A fallible bridge function reports its error once, as the rust::Error
// (cxx's Result) it throws, and never through the thread's last error, which
// stays the last C call's. The kind travels in the message:
//
//   what() == "<kind name>: <message with its cause chain>"
//
// with the kind name of ffi_tasks_error_kind_name (written by the Rust
// BridgeError's Display, src/bridge/error.rs). bridge_error splits it.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "ffi_tasks/detail/c_api.hpp"
#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/ffi_tasks.h"
#include "ffi_tasks_bridge/bridge.h"
#include "rust/cxx.h"

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

// The error a failed bridge call's rust::Error text stands for: the kind
// named before the first ": " and the message after it. A text that does not
// start with a kind name and ": " becomes ErrorKind::failed with the whole
// text as its message.
inline Error bridge_error(std::string_view text) {
  const std::size_t separator = text.find(": ");
  if (separator != std::string_view::npos) {
    const std::string_view name = text.substr(0, separator);
    for (int kind = FFI_TASKS_ERROR_NONE + 1; kind < FFI_TASKS_ERROR_KINDS; ++kind) {
      if (name == c_error_kind_name(kind)) {
        return Error(static_cast<ErrorKind>(kind), std::string(text.substr(separator + 2)));
      }
    }
  }
  return Error(ErrorKind::failed, std::string(text));
}

// Calls `f()`; a rust::Error from a fallible bridge function becomes the
// typed exception of the error it carries.
template <class F>
decltype(auto) bridge_call(F &&f) {
#if FFI_TASKS_USE_EXCEPTIONS
  try {
    return std::forward<F>(f)();
  } catch (const ::rust::Error &error) {
    throw_error(bridge_error(error.what()));
  }
#else
  return std::forward<F>(f)();
#endif
}

}  // namespace detail
FFI_TASKS_END_NAMESPACE
