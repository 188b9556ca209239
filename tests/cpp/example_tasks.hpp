// The example tasks of cpp/example_tasks/src/lib.rs, bound to C++ (one line
// each), plus the helpers their Rust side exports for observing them.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <thread>

#include "ffi_tasks/ffi_tasks.hpp"

// ----- C++ mirrors of the #[repr(C)] task structs

struct Add {
  std::uint64_t a;
  std::uint64_t b;
};

// Blocks until cancelled, then Err(Cancelled) (or Ok(wake-ups) when
// return_count != 0).
struct Spin {
  int return_count;
};

struct CountPrimes {
  std::uint64_t limit;
};

// Fails with "task failed with code <code>: while reading input: root cause".
struct Fail {
  int code;
};

// Panics with "boom".
struct Boom {
  int unused;
};

// Observable per id: start, seen cancellation, drops of its output.
namespace probe_mode {
constexpr std::uint32_t return_now = 0;
constexpr std::uint32_t return_when_cancelled = 1;
constexpr std::uint32_t cancel_when_cancelled = 2;
constexpr std::uint32_t return_when_released = 3;
}  // namespace probe_mode

struct Probe {
  std::uint64_t id;
  std::uint64_t value;
  std::uint32_t mode;
};

// The same Rust task, exported again as probe2_* and probe3_*: distinct C++
// types so that they can be bound differently.
struct Probe2 {
  std::uint64_t id;
  std::uint64_t value;
  std::uint32_t mode;
};
struct Probe3 {
  std::uint64_t id;
  std::uint64_t value;
  std::uint32_t mode;
};

// An async task (export_task!'s AsyncTask: form): counts a start, reports
// progress 3/10, then waits (holding no thread) until example_probe_release(id);
// a future dropped before that counts as a seen cancellation.
struct AsyncProbe {
  std::uint64_t id;
  std::uint64_t value;
};

// Output () ; fails with "unit task failed" when fail != 0.
struct UnitTask {
  int fail;
};

struct HashBuffer {
  std::uint64_t megabytes;
  std::uint64_t seed;
};

// ----- C++ mirrors of the outputs

struct ProbeOutput {
  std::uint64_t id;
  std::uint64_t value;
};

// The layout of ProbeOutput, with a move constructor that throws: the Rust
// result must be freed all the same.
struct ThrowingOutput {
  std::uint64_t id;
  std::uint64_t value;
  ThrowingOutput(ThrowingOutput &&other);
  ThrowingOutput &operator=(ThrowingOutput &&) = delete;
  ~ThrowingOutput() = default;
};

// ----- one line per task

FFI_TASKS_CPP_TASK(add, Add, std::uint64_t);
FFI_TASKS_CPP_TASK(spin, Spin, std::uint64_t);
FFI_TASKS_CPP_TASK(primes, CountPrimes, std::uint64_t);
FFI_TASKS_CPP_TASK(fail, Fail, std::uint64_t);
FFI_TASKS_CPP_TASK(boom, Boom, std::uint64_t);
FFI_TASKS_CPP_TASK(probe, Probe, ProbeOutput);
FFI_TASKS_CPP_TASK(probe2, Probe2, ThrowingOutput);
FFI_TASKS_CPP_TASK_OWNED(probe3, Probe3, ProbeOutput);
FFI_TASKS_CPP_TASK(unit, UnitTask, ffi_tasks::Unit);
FFI_TASKS_CPP_TASK(hash, HashBuffer, std::uint64_t);
FFI_TASKS_CPP_TASK(async_probe, AsyncProbe, ProbeOutput);

// ----- observers exported by the example tasks crate

extern "C" {
std::uint64_t example_probe_drops(std::uint64_t id);
std::uint64_t example_probe_saw_cancel(std::uint64_t id);
void example_probe_release(std::uint64_t id);
int example_probe_wait_started(std::uint64_t id, std::uint64_t count, std::uint64_t timeout_ms);
int example_probe_wait_drops(std::uint64_t id, std::uint64_t count, std::uint64_t timeout_ms);
int example_probe_wait_saw_cancel(std::uint64_t id, std::uint64_t count, std::uint64_t timeout_ms);
}

namespace test_support {

// Bound for every blocking wait in the tests: long enough never to be hit
// on a loaded machine, short enough that a bug fails instead of hanging.
constexpr std::uint64_t kWaitMs = 60000;

// A probe id no other test in this process uses.
inline std::uint64_t fresh_id() {
  static std::atomic<std::uint64_t> next{1};
  return next.fetch_add(1);
}

inline bool wait_started(std::uint64_t id, std::uint64_t count = 1) {
  return example_probe_wait_started(id, count, kWaitMs) == 1;
}

inline bool wait_drops(std::uint64_t id, std::uint64_t count) {
  return example_probe_wait_drops(id, count, kWaitMs) == 1;
}

// Waits (bounded) until the task has finished, without taking its result
// or using its one completion callback.
template <class T>
bool spin_until_finished(const ffi_tasks::TaskHandle<T> &handle) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (handle.status() == ffi_tasks::TaskStatus::running) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::yield();
  }
  return true;
}

}  // namespace test_support

inline ThrowingOutput::ThrowingOutput(ThrowingOutput &&other) : id(other.id), value(other.value) {
#if FFI_TASKS_USE_EXCEPTIONS
  throw std::runtime_error("ThrowingOutput: move failed");
#endif
}
