// ffi_tasks/detail/config.hpp — versioned namespace, exception and C++20
// feature detection. Included by every other header; not public API.
#pragma once

#if __has_include(<version>)
#include <version>
#endif

// The C++ layer's version (it tracks the Rust crate's version).
#define FFI_TASKS_CPP_VERSION_MAJOR 0
#define FFI_TASKS_CPP_VERSION_MINOR 1
#define FFI_TASKS_CPP_VERSION_PATCH 0

// Exceptions: detected once. Without them every throwing call aborts with
// the error on stderr instead, and the try_* forms are the way to handle
// errors. Define FFI_TASKS_USE_EXCEPTIONS to 0 or 1 to override.
#ifndef FFI_TASKS_USE_EXCEPTIONS
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS) || defined(_CPPUNWIND)
#define FFI_TASKS_USE_EXCEPTIONS 1
#else
#define FFI_TASKS_USE_EXCEPTIONS 0
#endif
#endif

// Everything lives in `ffi_tasks::v0::exc` (with exceptions) or
// `ffi_tasks::v0::noexc` (without), both inline namespaces, as libraries
// version their ABI: two incompatible versions of these headers cannot
// silently mix in one program. The inline functions (spawn, wait,
// throw_error, ...) behave differently with and without exceptions, so each
// setting has its own: otherwise the linker would keep one body for every
// translation unit (breaking the one-definition rule), and a TaskFailed
// could abort a translation unit that catches it. A setting that changes
// what a header's code does must be part of this namespace (see
// docs/cpp-config.md; tests/cpp/check_config_conditionals.py checks it).
#if FFI_TASKS_USE_EXCEPTIONS
#define FFI_TASKS_CONFIG_NAMESPACE_ exc
#else
#define FFI_TASKS_CONFIG_NAMESPACE_ noexc
#endif
#define FFI_TASKS_BEGIN_NAMESPACE \
  namespace ffi_tasks {           \
  inline namespace v0 {           \
  inline namespace FFI_TASKS_CONFIG_NAMESPACE_ {
#define FFI_TASKS_END_NAMESPACE \
  }                             \
  }                             \
  }

// C++20 extras, each only where the compiler and library have it.
#if defined(__cpp_lib_jthread) && __has_include(<stop_token>)
#define FFI_TASKS_HAS_STOP_TOKEN 1
#else
#define FFI_TASKS_HAS_STOP_TOKEN 0
#endif

// co_await on a TaskHandle (ffi_tasks/coroutine.hpp) also needs
// std::stop_token, which some libraries with coroutines lack (libc++ 14).
#if defined(__cpp_impl_coroutine) && defined(__cpp_lib_coroutine) && __has_include(<coroutine>) && FFI_TASKS_HAS_STOP_TOKEN
#define FFI_TASKS_HAS_COROUTINES 1
#else
#define FFI_TASKS_HAS_COROUTINES 0
#endif
