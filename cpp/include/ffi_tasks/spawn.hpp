// ffi_tasks/spawn.hpp — C++ jobs on the Rust pool, and Rust tasks spawned
// under a token C++ owns (cxx bridge).
//
//   auto group = ffi_tasks::make_token();
//   ffi_tasks::TaskHandle<std::string> job = ffi_tasks::spawn(
//       [](const ffi_tasks::CancellationToken &token) {
//         for (int i = 0; i < 100; ++i) {
//           ffi_tasks::throw_if_cancelled(token);  // ends the job as cancelled
//           token.set_progress(i, 100);
//           step(i);
//         }
//         return std::string("done");
//       },
//       *group);
//   auto primes = ffi_tasks::spawn(CountPrimes{1000000}, *group);  // Rust task
//   group->cancel();  // stops both
//
// A C++ job is a Rust task like any other: it runs on the same pool, counts
// in pool_stats(), and its TaskHandle<T> behaves as a Rust task's (cancel,
// poll, wait, wait_for, progress, on_complete, to_future, co_await). What it
// throws is captured: wait()/poll() rethrow that very exception (same type,
// same what()), and on the Rust side the task fails (status failed, kind
// failed) with the message "C++ exception <type>: <what>". Throwing
// ffi_tasks::TaskCancelled (throw_if_cancelled does) ends it as cancelled.
//
// The callable is moved to a worker thread, called once there with the
// job's token and destroyed there before the handle sees the job finish: it
// (and T) must be safe to use from another thread, as for std::thread.
#pragma once

#include <cstdint>
#include <memory>
#include <type_traits>
#include <utility>

#include "ffi_tasks/detail/bridge_api.hpp"
#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/detail/job_backend.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/result.hpp"
#include "ffi_tasks/status.hpp"
#include "ffi_tasks/task_handle.hpp"
#include "ffi_tasks/task_traits.hpp"
#include "ffi_tasks/token.hpp"

#if !FFI_TASKS_USE_EXCEPTIONS
#error "ffi_tasks/spawn.hpp (C++ jobs) needs exceptions: a job's exception is what it reports"
#endif

FFI_TASKS_BEGIN_NAMESPACE

// Whether `F` can be a C++ job: callable once (as an rvalue) with the job's
// token.
template <class F>
inline constexpr bool is_job_v =
    std::is_invocable<std::decay_t<F>, const CancellationToken &>::value;

// What the TaskHandle of job `F` yields: its return type, or Unit for void.
template <class F>
using job_value_t = std::conditional_t<
    std::is_void<std::invoke_result_t<std::decay_t<F>, const CancellationToken &>>::value, Unit,
    std::decay_t<std::invoke_result_t<std::decay_t<F>, const CancellationToken &>>>;

// Runs `job(token)` on the Rust pool with a token of its own. Throws what
// the bridge reports if it cannot start (SpawnFailed, ...).
template <class F, class = std::enable_if_t<is_job_v<F>>>
[[nodiscard]] TaskHandle<job_value_t<F>> spawn(F &&job);

// The same, under a child of `parent`: cancelling `parent` cancels the job
// (and every other task spawned under it).
template <class F, class = std::enable_if_t<is_job_v<F>>>
[[nodiscard]] TaskHandle<job_value_t<F>> spawn(F &&job, const CancellationToken &parent);

// The same two, returning the error instead of throwing it.
template <class F, class = std::enable_if_t<is_job_v<F>>>
[[nodiscard]] Result<TaskHandle<job_value_t<F>>> try_spawn(F &&job);
template <class F, class = std::enable_if_t<is_job_v<F>>>
[[nodiscard]] Result<TaskHandle<job_value_t<F>>> try_spawn(F &&job,
                                                           const CancellationToken &parent);

// Starts a bound Rust task (FFI_TASKS_CPP_TASK) under a child of `parent`.
template <class Task, class = std::enable_if_t<is_bound_task_v<Task>>>
[[nodiscard]] TaskHandle<task_value_t<Task>> spawn(const Task &task,
                                                   const CancellationToken &parent);
template <class Task, class = std::enable_if_t<is_bound_task_v<Task>>>
[[nodiscard]] Result<TaskHandle<task_value_t<Task>>> try_spawn(const Task &task,
                                                               const CancellationToken &parent);

// Throws TaskCancelled once `token` is cancelled: a job that lets it escape
// ends as cancelled (status cancelled, counted as cancelled by the pool).
void throw_if_cancelled(const CancellationToken &token);

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

template <class F, class>
Result<TaskHandle<job_value_t<F>>> try_spawn(F &&job) {
  return detail::spawn_job<job_value_t<F>>(std::forward<F>(job),
                                           [](std::unique_ptr<::ffi_tasks::bridge::CppJob> j) {
                                             return ::ffi_tasks::bridge::spawn_job(std::move(j));
                                           });
}

template <class F, class>
Result<TaskHandle<job_value_t<F>>> try_spawn(F &&job, const CancellationToken &parent) {
  return detail::spawn_job<job_value_t<F>>(
      std::forward<F>(job), [&parent](std::unique_ptr<::ffi_tasks::bridge::CppJob> j) {
        return ::ffi_tasks::bridge::spawn_job_with_token(std::move(j), parent);
      });
}

template <class F, class>
TaskHandle<job_value_t<F>> spawn(F &&job) {
  return try_spawn(std::forward<F>(job)).value();
}

template <class F, class>
TaskHandle<job_value_t<F>> spawn(F &&job, const CancellationToken &parent) {
  return try_spawn(std::forward<F>(job), parent).value();
}

template <class Task, class>
Result<TaskHandle<task_value_t<Task>>> try_spawn(const Task &task,
                                                 const CancellationToken &parent) {
  using traits = task_traits<Task>;
  auto *raw = traits::spawn_with_token(&task, c_token(parent));
  if (raw == nullptr) {
    return detail::backend<traits>::take_error("spawn");
  }
  return adopt_handle<traits>(raw);
}

template <class Task, class>
TaskHandle<task_value_t<Task>> spawn(const Task &task, const CancellationToken &parent) {
  return try_spawn(task, parent).value();
}

inline void throw_if_cancelled(const CancellationToken &token) {
  if (token.cancelled()) {
    throw TaskCancelled("The task was cancelled");
  }
}

FFI_TASKS_END_NAMESPACE
