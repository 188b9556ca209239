// ffi_tasks/detail/binding.hpp — what the binding macros FFI_TASKS_CPP_TASK
// (task_traits.hpp) and FFI_TASKS_CPP_STREAM (stream.hpp) share. Not public
// API.
#pragma once

#include <cstdint>

#include "ffi_tasks/ffi_tasks.h"

// The members a task's and a stream's traits have alike: the handle type,
// and spawn, spawn_with_token, cancel, cancelled, status, progress and
// handle_destroy, each a call of the C function <prefix>_<name>.
#define FFI_TASKS_BIND_HANDLE_FUNCTIONS_(prefix, task_t)                                   \
  using handle_type = prefix##_handle;                                                     \
  static handle_type *spawn(const task_t *task) { return prefix##_spawn(task); }           \
  static handle_type *spawn_with_token(const task_t *task, const ffi_tasks_token *token) { \
    return prefix##_spawn_with_token(task, token);                                         \
  }                                                                                        \
  static void cancel(handle_type *h) { prefix##_cancel(h); }                               \
  static int cancelled(handle_type *h) { return prefix##_cancelled(h); }                   \
  static int status(handle_type *h) { return prefix##_status(h); }                         \
  static int progress(handle_type *h, ffi_tasks_progress *out) {                           \
    return prefix##_progress(h, out);                                                      \
  }                                                                                        \
  static void handle_destroy(handle_type *h) { prefix##_handle_destroy(h); }
