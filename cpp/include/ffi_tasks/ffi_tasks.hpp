// ffi_tasks/ffi_tasks.hpp — the C++ API of ffi_tasks (header-only, C++17;
// co_await and std::stop_token support under C++20). Includes every header
// below that the compiler supports; each can also be included on its own.
//
//   error.hpp        Error, its subclasses, ErrorKind, error_category
//   owned.hpp        Owned<T>: a Rust result kept as is, freed once
//   result.hpp       Result<T>: value or Error, for the try_* forms
//   status.hpp       TaskStatus, Progress, Unit
//   task_traits.hpp  FFI_TASKS_CPP_TASK: bind a Rust task in one line
//   task_handle.hpp  TaskHandle<T>, spawn, try_spawn, adopt_handle
//   future.hpp       to_future(): std::future interop (needs exceptions)
//   stop_token.hpp   wait(std::stop_token) (C++20)
//   coroutine.hpp    co_await on a TaskHandle (C++20)
//   stream.hpp       TaskStream<T>, spawn_stream, FFI_TASKS_CPP_STREAM
//
// The cxx bridge's additions are in ffi_tasks/bridge.hpp.
#pragma once

#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/owned.hpp"
#include "ffi_tasks/result.hpp"
#include "ffi_tasks/status.hpp"
#include "ffi_tasks/stream.hpp"
#include "ffi_tasks/task_handle.hpp"
#include "ffi_tasks/task_traits.hpp"

#if FFI_TASKS_USE_EXCEPTIONS
#include "ffi_tasks/future.hpp"
#endif
#if FFI_TASKS_HAS_STOP_TOKEN
#include "ffi_tasks/stop_token.hpp"
#endif
#if FFI_TASKS_HAS_COROUTINES && FFI_TASKS_HAS_STOP_TOKEN
#include "ffi_tasks/coroutine.hpp"
#endif
