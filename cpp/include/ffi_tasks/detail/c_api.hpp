// ffi_tasks/detail/c_api.hpp — the raw C ABI (ffi_tasks.h) and the only code
// of the C++ layer that calls its common functions directly. Not public API.
#pragma once

#include <cstdint>
#include <string>

#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/ffi_tasks.h"

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

// The calling thread's last error kind (an ffi_tasks_error_kind); 0 = none.
inline int c_last_error_kind() noexcept { return ffi_tasks_last_error_kind(); }

// The calling thread's last error message, exactly as Rust formatted it
// (the whole cause chain); empty when there is none. Leaves the error set.
inline std::string c_last_error_message() {
  const int length = ffi_tasks_last_error_length();
  if (length <= 0) {
    return std::string();
  }
  std::string message(static_cast<std::size_t>(length), '\0');
  const int written = ffi_tasks_last_error_message(&message[0], length);
  // `written` counts the NUL; anything else (0, -1, -2) means no message.
  message.resize(written > 0 ? static_cast<std::size_t>(written - 1) : 0);
  return message;
}

// The static name of an error kind ("cancelled", ...), "unknown" otherwise.
inline const char *c_error_kind_name(int kind) noexcept { return ffi_tasks_error_kind_name(kind); }

inline const char *c_version() noexcept { return ffi_tasks_version(); }

}  // namespace detail
FFI_TASKS_END_NAMESPACE
