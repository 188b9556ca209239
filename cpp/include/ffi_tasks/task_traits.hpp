// ffi_tasks/task_traits.hpp — binding a Rust task to C++ in one line.
//
//   // Rust: #[repr(C)] struct CountPrimes { limit: u64 }, Output = u64,
//   //       every export_task! key exported as primes_<key>.
//   struct CountPrimes { std::uint64_t limit; };   // the same layout in C++
//   FFI_TASKS_CPP_TASK(primes, CountPrimes, std::uint64_t);
//
//   auto handle = ffi_tasks::spawn(CountPrimes{1000000});  // TaskHandle<std::uint64_t>
//
// FFI_TASKS_CPP_TASK declares the C functions (FFI_TASKS_DECLARE_TASK) and
// specializes ffi_tasks::task_traits<Task>; use it once per task, at global
// scope. The output is copied or moved out of the Rust result, which is then
// freed. For an output C++ must not copy (it owns Rust memory: a pointer and
// length, say), use FFI_TASKS_CPP_TASK_OWNED: the handle then yields an
// ffi_tasks::Owned<Output>, which frees the result when it goes away. For a
// Rust Output of `()`, name ffi_tasks::Unit (or any empty struct).
#pragma once

#include <cstdint>
#include <type_traits>

#include "ffi_tasks/detail/binding.hpp"
#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/ffi_tasks.h"
#include "ffi_tasks/owned.hpp"
#include "ffi_tasks/status.hpp"

FFI_TASKS_BEGIN_NAMESPACE

// The binding of a task type: specialized by FFI_TASKS_CPP_TASK, empty for a
// type nobody bound. A specialization (or any other "backend" traits class
// passed to adopt_handle) provides:
//
//   using handle_type = ...;  // the opaque handle
//   using output_type = ...;  // what poll/wait/wait_timeout return a pointer to
//   using value_type = ...;   // what TaskHandle<value_type> yields
//   static handle_type *spawn(const Task *);  // task_traits only; null on error
//   static output_type *poll(handle_type *);  // null + no error: still running
//   static output_type *wait(handle_type *);  // consumes the handle
//   static output_type *wait_timeout(handle_type *, std::uint64_t ms);
//   static void cancel(handle_type *);
//   static int cancelled(handle_type *);      // 1, 0, or -1 on error
//   static int status(handle_type *);         // a TaskStatus, or -1
//   static int progress(handle_type *, ffi_tasks_progress *);  // 0 or -1
//   static int on_complete(handle_type *, ffi_tasks_callback, void *);  // 0 or -1
//   static void handle_destroy(handle_type *);  // consumes; cancels if running
//   static void result_destroy(output_type *);
//
// and optionally (defaults: the C ABI's thread-local LAST_ERROR, and "move
// the value out, then result_destroy"):
//
//   static value_type adopt(output_type *);  // owns the result: frees it once,
//                                            // even when it throws
//   static int error_kind() noexcept;        // last call's ErrorKind, 0 = ok
//   static Error take_error(const char *operation);  // the last call's error
//
// None of the functions may throw except adopt and take_error. A failed call
// returns its failure value (null, -1) and leaves error_kind() != 0.
template <class Task>
struct task_traits {};

// Whether `Task` was bound with FFI_TASKS_CPP_TASK (or task_traits was
// specialized by hand).
template <class Task, class = void>
struct is_bound_task : std::false_type {};
template <class Task>
struct is_bound_task<Task, std::void_t<typename task_traits<Task>::handle_type>> : std::true_type {
};
template <class Task>
inline constexpr bool is_bound_task_v = is_bound_task<Task>::value;

// What TaskHandle<...> a bound task yields.
template <class Task>
using task_value_t = typename task_traits<Task>::value_type;

FFI_TASKS_END_NAMESPACE

// Binds a Rust task exported as <prefix>_<key> (every export_task! key) to
// the C++ mirror `task_type` of its #[repr(C)] struct, yielding `output_type`
// by value. Global scope only; one line per task.
#define FFI_TASKS_CPP_TASK(prefix, task_type, output_type) \
  FFI_TASKS_CPP_TASK_IMPL_(prefix, task_type, output_type, output_type)

// The same, yielding ffi_tasks::Owned<output_type> (the Rust result itself,
// freed when the Owned goes away) instead of a copy.
#define FFI_TASKS_CPP_TASK_OWNED(prefix, task_type, output_type) \
  FFI_TASKS_CPP_TASK_IMPL_(prefix, task_type, output_type, ::ffi_tasks::Owned<output_type>)

// Implementation detail of the two macros above.
#define FFI_TASKS_CPP_TASK_IMPL_(prefix, task_t, output_t, value_t)                         \
  FFI_TASKS_DECLARE_TASK(prefix, task_t, output_t);                                         \
  namespace ffi_tasks {                                                                     \
  template <>                                                                               \
  struct task_traits<task_t> {                                                              \
    static_assert(::std::is_object<output_t>::value,                                        \
                  "FFI_TASKS_CPP_TASK: the output must be an object type "                  \
                  "(use ffi_tasks::Unit for a Rust Output of ())");                         \
    FFI_TASKS_BIND_HANDLE_FUNCTIONS_(prefix, task_t)                                        \
    using output_type = output_t;                                                           \
    using value_type = value_t;                                                             \
    static output_t *poll(handle_type *h) { return prefix##_poll(h); }                      \
    static output_t *wait(handle_type *h) { return prefix##_wait(h); }                      \
    static output_t *wait_timeout(handle_type *h, ::std::uint64_t ms) {                     \
      return prefix##_wait_timeout(h, ms);                                                  \
    }                                                                                       \
    static int on_complete(handle_type *h, ffi_tasks_callback cb, void *data) {             \
      return prefix##_on_complete(h, cb, data);                                             \
    }                                                                                       \
    static void result_destroy(output_t *r) { prefix##_result_destroy(r); }                 \
  };                                                                                        \
  }                                                                                         \
  static_assert(::std::is_trivially_copyable<task_t>::value,                                \
                "FFI_TASKS_CPP_TASK: the task type must mirror the Rust #[repr(C)] struct " \
                "(trivially copyable)")
