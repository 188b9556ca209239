// ffi_tasks/ffi_tasks.hpp — the C++ API of ffi_tasks (header-only, C++17;
// co_await and std::stop_token support under C++20).
//
//   error.hpp        Error, its subclasses, ErrorKind, error_category
//   owned.hpp        Owned<T>: a Rust result kept as is, freed once
//   result.hpp       Result<T>: value or Error, for the try_* forms
//   status.hpp       TaskStatus, Progress, Unit
//   task_traits.hpp  FFI_TASKS_CPP_TASK: bind a Rust task in one line
//   task_handle.hpp  TaskHandle<T>, spawn, try_spawn, adopt_handle
#pragma once

#include "ffi_tasks/error.hpp"
#include "ffi_tasks/owned.hpp"
#include "ffi_tasks/result.hpp"
#include "ffi_tasks/status.hpp"
#include "ffi_tasks/task_handle.hpp"
#include "ffi_tasks/task_traits.hpp"
