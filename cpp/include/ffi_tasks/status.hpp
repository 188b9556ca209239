// ffi_tasks/status.hpp — small value types: TaskStatus, Progress, Unit.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/ffi_tasks.h"

FFI_TASKS_BEGIN_NAMESPACE

// Where a task is (the C ABI's ffi_tasks_status).
enum class TaskStatus : int {
  running = FFI_TASKS_STATUS_RUNNING,      // still running (or queued)
  completed = FFI_TASKS_STATUS_COMPLETED,  // finished with a value not yet taken
  failed = FFI_TASKS_STATUS_FAILED,        // finished with an error not yet taken
  cancelled =
      FFI_TASKS_STATUS_CANCELLED,        // stopped because it was cancelled; outcome not yet taken
  panicked = FFI_TASKS_STATUS_PANICKED,  // panicked; outcome not yet taken
  taken = FFI_TASKS_STATUS_TAKEN,        // the outcome was taken by poll/wait
};
// Every C status has an enumerator (the last one is taken).
static_assert(static_cast<int>(TaskStatus::taken) + 1 == FFI_TASKS_STATUSES,
              "TaskStatus misses a C status");

// Stable lower-case name ("running", ...), "unknown" otherwise.
constexpr std::string_view to_string(TaskStatus status) noexcept;

// How far a task got, as it last reported.
struct Progress {
  std::uint64_t done = 0;   // units of work done
  std::uint64_t total = 0;  // units of work in all; 0 when the task has not said

  // done / total clamped to [0, 1]; nullopt when total is 0.
  constexpr std::optional<double> fraction() const noexcept;

  friend constexpr bool operator==(const Progress &a, const Progress &b) noexcept {
    return a.done == b.done && a.total == b.total;
  }
  friend constexpr bool operator!=(const Progress &a, const Progress &b) noexcept {
    return !(a == b);
  }
};

// The C++ output type for a Rust task whose Output is `()` (or any other
// zero-sized type): `FFI_TASKS_CPP_TASK(prefix, MyTask, ffi_tasks::Unit)`.
// Any empty C++ type works the same way: its value is never read from Rust.
struct Unit {
  friend constexpr bool operator==(Unit, Unit) noexcept { return true; }
  friend constexpr bool operator!=(Unit, Unit) noexcept { return false; }
};

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

constexpr std::string_view to_string(TaskStatus status) noexcept {
  switch (status) {
    case TaskStatus::running: return "running";
    case TaskStatus::completed: return "completed";
    case TaskStatus::failed: return "failed";
    case TaskStatus::cancelled: return "cancelled";
    case TaskStatus::panicked: return "panicked";
    case TaskStatus::taken: return "taken";
  }
  return "unknown";
}

constexpr std::optional<double> Progress::fraction() const noexcept {
  if (total == 0) {
    return std::nullopt;
  }
  const double f = static_cast<double>(done) / static_cast<double>(total);
  return f < 0.0 ? 0.0 : (f > 1.0 ? 1.0 : f);
}

FFI_TASKS_END_NAMESPACE
