// ffi_tasks/task_handle.hpp — TaskHandle<T>: the owning, move-only C++ handle
// to a Rust task yielding a T, and spawn()/try_spawn().
//
//   FFI_TASKS_CPP_TASK(primes, CountPrimes, std::uint64_t);   // once per task
//
//   ffi_tasks::TaskHandle<std::uint64_t> h = ffi_tasks::spawn(CountPrimes{1000000});
//   h.progress();                         // {done, total}, fraction()
//   if (auto n = h.wait_for(100ms)) ...   // done within 100 ms?
//   std::uint64_t n = std::move(h).wait();  // blocks; consumes the handle
//
// Destroying a handle cancels its task if it still runs. Errors throw an
// ffi_tasks::Error subclass (error.hpp); every throwing call has a try_* twin
// returning Result<...> that never throws an ffi_tasks error.
//
// Thread safety: the members that keep the handle (poll, wait_for,
// wait_until, cancel, cancelled, status, progress, on_complete and their
// try_* forms) may be called from several threads at once; those that end
// or replace it (wait, to_future, co_await, reset, swap, assignment,
// destruction) need exclusive access, as for a std::unique_ptr.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "ffi_tasks/detail/backend.hpp"
#include "ffi_tasks/detail/c_api.hpp"
#include "ffi_tasks/detail/callback.hpp"
#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/detail/timeout.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/executor.hpp"
#include "ffi_tasks/result.hpp"
#include "ffi_tasks/status.hpp"
#include "ffi_tasks/task_traits.hpp"

FFI_TASKS_BEGIN_NAMESPACE

template <class T>
class TaskHandle;

namespace detail {
// Hooks of the optional interop headers, defined only there: using a member
// that needs one without its header is a compile error ("incomplete type").
template <class T>
struct future_interop;  // ffi_tasks/future.hpp
template <class StopToken>
struct stop_interop;  // ffi_tasks/stop_token.hpp
template <class T>
struct resume_on_interop;  // ffi_tasks/coroutine.hpp
template <class T>
struct progress_interop;  // ffi_tasks/progress.hpp
// Lets those headers reach a handle's raw pointer and function table.
struct handle_access;
}  // namespace detail

// Takes ownership of a raw handle of the backend `Traits` (task_traits<Task>
// or a traits class of another backend, see task_traits.hpp). A null `raw`
// gives an empty handle.
template <class Traits>
[[nodiscard]] TaskHandle<typename Traits::value_type> adopt_handle(
    typename Traits::handle_type *raw) noexcept;

// Starts `task` (copied by Rust) on the pool. Throws SpawnFailed (or another
// Error) if it cannot be started.
template <class Task, class = std::enable_if_t<is_bound_task_v<Task>>>
[[nodiscard]] TaskHandle<task_value_t<Task>> spawn(const Task &task);

// The same, returning the error instead of throwing it.
template <class Task, class = std::enable_if_t<is_bound_task_v<Task>>>
[[nodiscard]] Result<TaskHandle<task_value_t<Task>>> try_spawn(const Task &task);

template <class T>
class TaskHandle {
  static_assert(std::is_object<T>::value && !std::is_const<T>::value,
                "TaskHandle<T>: T must be a non-const object type");

 public:
  using value_type = T;

  // An empty handle (every call but valid/reset/swap/destruction throws
  // UsageError).
  TaskHandle() noexcept = default;

  TaskHandle(const TaskHandle &) = delete;
  TaskHandle &operator=(const TaskHandle &) = delete;

  // Takes over other's task; other becomes empty.
  TaskHandle(TaskHandle &&other) noexcept;
  // Destroys the task this handle held (cancelling it if it runs), then takes
  // over other's; other becomes empty.
  TaskHandle &operator=(TaskHandle &&other) &noexcept;

  // Destroys the handle, cancelling the task if it still runs. Never throws.
  ~TaskHandle();

  // Whether the handle holds a task (false once moved from, consumed by
  // wait()/to_future()/co_await, or reset).
  bool valid() const noexcept { return raw_ != nullptr; }
  explicit operator bool() const noexcept { return valid(); }

  // The result if the task is done, nullopt while it runs. Throws the task's
  // error (TaskFailed, TaskCancelled, TaskPanicked), or AlreadyTaken once an
  // earlier call took the result.
  [[nodiscard]] std::optional<T> poll();

  // Blocks until the task is done and returns its result (or throws its
  // error). Always consumes the handle.
  T wait() &&;

  // As poll(), after waiting at most `timeout` for the task to finish
  // (rounded up to whole milliseconds), or until `deadline` of any clock
  // (measured from the clock's now(); a later change of the system time
  // does not move it). Never overflows: a zero or negative timeout, or a
  // deadline already past (time_point::min() included), polls; a huge one
  // (duration::max(), time_point::max(), +inf) waits without limit. A NaN
  // timeout or deadline throws InvalidArgument (the task is not touched).
  template <class Rep, class Period>
  [[nodiscard]] std::optional<T> wait_for(const std::chrono::duration<Rep, Period> &timeout);
  template <class Clock, class Duration>
  [[nodiscard]] std::optional<T> wait_until(
      const std::chrono::time_point<Clock, Duration> &deadline);

  // Asks the task to stop (it does when it next checks its token).
  void cancel() const;
  // Whether the task was asked to stop.
  bool cancelled() const;
  TaskStatus status() const;
  // The progress the task last reported.
  Progress progress() const;

  // Runs `callback()` exactly once when the task finishes: on a worker
  // thread, or on this thread before on_complete returns if it already has.
  // It runs even if the handle is destroyed first. It must not throw: one
  // that does ends the program (std::terminate, after a message on stderr).
  // It should be short: it runs on the pool. One callback per task: a second
  // one throws InvalidArgument (and so do to_future() and co_await after
  // it). A null function pointer or empty std::function throws NullPointer
  // (and registers nothing).
  template <class F>
  void on_complete(F &&callback);

  // Destroys the task now (cancelling it if it runs); the handle is empty.
  void reset() noexcept;
  void swap(TaskHandle &other) noexcept;

  // ----- non-throwing forms: the error in a Result instead of an exception.
  // (Exceptions from T's own constructors, or std::bad_alloc, still
  // propagate.)
  [[nodiscard]] Result<std::optional<T>> try_poll();
  [[nodiscard]] Result<T> try_wait() &&;
  template <class Rep, class Period>
  [[nodiscard]] Result<std::optional<T>> try_wait_for(
      const std::chrono::duration<Rep, Period> &timeout);
  template <class Clock, class Duration>
  [[nodiscard]] Result<std::optional<T>> try_wait_until(
      const std::chrono::time_point<Clock, Duration> &deadline);
  [[nodiscard]] Result<void> try_cancel() const;
  [[nodiscard]] Result<bool> try_cancelled() const;
  [[nodiscard]] Result<TaskStatus> try_status() const;
  [[nodiscard]] Result<Progress> try_progress() const;
  template <class F>
  [[nodiscard]] Result<void> try_on_complete(F &&callback);

  // A std::future fulfilled when the task finishes (with its value or its
  // typed exception). Consumes the handle; the task keeps running (and is
  // not cancelled) until it finishes, even if the future is dropped. Uses
  // the task's one completion callback. Needs ffi_tasks/future.hpp (and
  // exceptions).
  template <class U = T>
  [[nodiscard]] auto to_future() && {
    return detail::future_interop<U>::to_future(std::move(*this));
  }

  // As wait(), but cancels the task when `stop` (a std::stop_token) is
  // requested (the task then usually ends with TaskCancelled). Consumes the
  // handle. Needs ffi_tasks/stop_token.hpp (C++20).
  template <class StopToken>
  T wait(StopToken stop) && {
    return detail::stop_interop<StopToken>::wait(std::move(*this), std::move(stop));
  }
  template <class StopToken>
  [[nodiscard]] Result<T> try_wait(StopToken stop) && {
    return detail::stop_interop<StopToken>::try_wait(std::move(*this), std::move(stop));
  }

  // `co_await std::move(handle)`: see ffi_tasks/coroutine.hpp (C++20).

  // ----- executors (ffi_tasks/executor.hpp)
  // As on_complete(callback), but `callback()` runs through the executor
  // `ex` (ex.execute(f) or ex.post(f)): the task's one completion callback
  // hands it over. The callback may throw: the executor gets the exception.
  // An executor that throws or drops the function: the callback is
  // destroyed without running (executor.hpp). Same errors as on_complete.
  template <class Executor, class F>
  void on_complete(Executor &&ex, F &&callback);
  template <class Executor, class F>
  [[nodiscard]] Result<void> try_on_complete(Executor &&ex, F &&callback);

  // `co_await std::move(handle).resume_on(ex)`: as co_await, but the
  // coroutine resumes through `ex`, always (even if the task has already
  // finished). Needs ffi_tasks/coroutine.hpp (C++20).
  template <class Executor, class U = T>
  [[nodiscard]] auto resume_on(Executor &&ex) && {
    return detail::resume_on_interop<U>::make(std::move(*this), std::forward<Executor>(ex));
  }

  // Calls `f(Progress)` through `ex` while the task runs: at most once per
  // `min_interval`, only when the progress changed, and always with the
  // last progress once the task has finished. Needs ffi_tasks/progress.hpp.
  template <class Executor, class F, class Rep, class Period, class U = T>
  void on_progress(Executor &&ex, F &&f, const std::chrono::duration<Rep, Period> &min_interval) {
    detail::progress_interop<U>::watch(*this, std::forward<Executor>(ex), std::forward<F>(f),
                                       min_interval);
  }

 private:
  template <class Traits>
  friend TaskHandle<typename Traits::value_type> adopt_handle(
      typename Traits::handle_type *raw) noexcept;
  friend struct detail::handle_access;

  TaskHandle(void *raw, const detail::handle_vtable<T> *vtable) noexcept
      : raw_(raw), vtable_(raw ? vtable : nullptr) {}

  // poll()'s failure (kept out of line, so that poll() itself inlines).
#if defined(__GNUC__)
  [[noreturn]] __attribute__((noinline, cold)) void poll_failed() const;
#else
  [[noreturn]] void poll_failed() const;
#endif

  // wait_for and wait_until, once the timeout is converted.
  Result<std::optional<T>> try_wait_ms(std::uint64_t timeout_ms, const char *operation);

  Error take_error(const char *operation) const { return vtable_->take_error(operation); }

  void *raw_ = nullptr;
  const detail::handle_vtable<T> *vtable_ = nullptr;
};

template <class T>
void swap(TaskHandle<T> &a, TaskHandle<T> &b) noexcept {
  a.swap(b);
}

namespace detail {
struct handle_access {
  template <class T>
  static void *raw(const TaskHandle<T> &h) noexcept {
    return h.raw_;
  }
  template <class T>
  static const handle_vtable<T> *vtable(const TaskHandle<T> &h) noexcept {
    return h.vtable_;
  }
};
}  // namespace detail

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

template <class Traits>
TaskHandle<typename Traits::value_type> adopt_handle(typename Traits::handle_type *raw) noexcept {
  return TaskHandle<typename Traits::value_type>(raw, &detail::vtable_for<Traits>);
}

template <class Task, class>
Result<TaskHandle<task_value_t<Task>>> try_spawn(const Task &task) {
  using traits = task_traits<Task>;
  auto *raw = traits::spawn(&task);
  if (raw == nullptr) {
    return detail::backend<traits>::take_error("spawn");
  }
  return adopt_handle<traits>(raw);
}

template <class Task, class>
TaskHandle<task_value_t<Task>> spawn(const Task &task) {
  using traits = task_traits<Task>;
  auto *raw = traits::spawn(&task);
  if (raw == nullptr) {
    throw_error(detail::backend<traits>::take_error("spawn"));
  }
  return adopt_handle<traits>(raw);
}

template <class T>
TaskHandle<T>::TaskHandle(TaskHandle &&other) noexcept
    : raw_(std::exchange(other.raw_, nullptr)), vtable_(std::exchange(other.vtable_, nullptr)) {}

template <class T>
TaskHandle<T> &TaskHandle<T>::operator=(TaskHandle &&other) &noexcept {
  if (this != &other) {
    // Other's task first, then the old one is destroyed: that may run a
    // completion callback here, which may assign *this again.
    TaskHandle old(std::move(*this));
    raw_ = std::exchange(other.raw_, nullptr);
    vtable_ = std::exchange(other.vtable_, nullptr);
  }
  return *this;
}

template <class T>
TaskHandle<T>::~TaskHandle() {
  reset();
}

template <class T>
void TaskHandle<T>::reset() noexcept {
  if (raw_ != nullptr) {
    // Empty before the call: destroying the task may run a completion
    // callback here, which may assign *this.
    void *raw = std::exchange(raw_, nullptr);
    std::exchange(vtable_, nullptr)->handle_destroy(raw);
  }
}

template <class T>
void TaskHandle<T>::swap(TaskHandle &other) noexcept {
  std::swap(raw_, other.raw_);
  std::swap(vtable_, other.vtable_);
}

// ----- non-throwing forms: all the work is here.

template <class T>
Result<std::optional<T>> TaskHandle<T>::try_poll() {
  if (raw_ == nullptr) {
    return detail::empty_handle_error("poll");
  }
  if (void *result = vtable_->poll(raw_)) {
    return std::optional<T>(vtable_->adopt(result));
  }
  if (detail::last_error_kind(*vtable_) == 0) {
    return std::optional<T>();  // still running
  }
  return take_error("poll");
}

template <class T>
Result<T> TaskHandle<T>::try_wait() && {
  if (raw_ == nullptr) {
    return detail::empty_handle_error("wait");
  }
  // wait consumes the handle whatever happens.
  const detail::handle_vtable<T> *vtable = std::exchange(vtable_, nullptr);
  if (void *result = vtable->wait(std::exchange(raw_, nullptr))) {
    return vtable->adopt(result);
  }
  return vtable->take_error("wait");
}

template <class T>
template <class Rep, class Period>
Result<std::optional<T>> TaskHandle<T>::try_wait_for(
    const std::chrono::duration<Rep, Period> &timeout) {
  if (raw_ == nullptr) {
    return detail::empty_handle_error("wait_for");
  }
  const Result<std::uint64_t> ms = detail::timeout_ms(timeout, "wait_for");
  if (!ms) {
    return ms.error();
  }
  return try_wait_ms(*ms, "wait_for");
}

template <class T>
template <class Clock, class Duration>
Result<std::optional<T>> TaskHandle<T>::try_wait_until(
    const std::chrono::time_point<Clock, Duration> &deadline) {
  if (raw_ == nullptr) {
    return detail::empty_handle_error("wait_until");
  }
  const Result<std::uint64_t> ms = detail::deadline_ms(deadline, "wait_until");
  if (!ms) {
    return ms.error();
  }
  return try_wait_ms(*ms, "wait_until");
}

template <class T>
Result<std::optional<T>> TaskHandle<T>::try_wait_ms(std::uint64_t timeout_ms,
                                                    const char *operation) {
  if (void *result = vtable_->wait_timeout(raw_, timeout_ms)) {
    return std::optional<T>(vtable_->adopt(result));
  }
  if (detail::last_error_kind(*vtable_) == static_cast<int>(ErrorKind::timed_out)) {
    return std::optional<T>();
  }
  return take_error(operation);
}

template <class T>
Result<void> TaskHandle<T>::try_cancel() const {
  if (raw_ == nullptr) {
    return detail::empty_handle_error("cancel");
  }
  vtable_->cancel(raw_);
  if (detail::last_error_kind(*vtable_) != 0) {
    return take_error("cancel");
  }
  return Result<void>();
}

template <class T>
Result<bool> TaskHandle<T>::try_cancelled() const {
  if (raw_ == nullptr) {
    return detail::empty_handle_error("cancelled");
  }
  const int cancelled = vtable_->cancelled(raw_);
  if (cancelled < 0) {
    return take_error("cancelled");
  }
  return cancelled != 0;
}

template <class T>
Result<TaskStatus> TaskHandle<T>::try_status() const {
  if (raw_ == nullptr) {
    return detail::empty_handle_error("status");
  }
  const int status = vtable_->status(raw_);
  if (status < 0) {
    return take_error("status");
  }
  return static_cast<TaskStatus>(status);
}

template <class T>
Result<Progress> TaskHandle<T>::try_progress() const {
  if (raw_ == nullptr) {
    return detail::empty_handle_error("progress");
  }
  ffi_tasks_progress progress{0, 0};
  if (vtable_->progress(raw_, &progress) != 0) {
    return take_error("progress");
  }
  return Progress{progress.done, progress.total};
}

template <class T>
template <class F>
Result<void> TaskHandle<T>::try_on_complete(F &&callback) {
  using box = detail::callback_box<std::decay_t<F>>;
  static_assert(std::is_invocable<std::decay_t<F> &&>::value,
                "on_complete: the callback must be callable with no arguments");
  if (raw_ == nullptr) {
    return detail::empty_handle_error("on_complete");
  }
  if (detail::is_null_callback(callback)) {
    return Error(ErrorKind::null_pointer, "ffi_tasks: on_complete() called with a null callback");
  }
  std::unique_ptr<box> owned(new box{std::forward<F>(callback)});
  if (vtable_->on_complete(raw_, &box::invoke, owned.get()) != 0) {
    // Not registered: the box is ours to free (after reading the error).
    return take_error("on_complete");
  }
  // Registered: the C side calls box::invoke exactly once, which frees it
  // (it may already have).
  static_cast<void>(owned.release());
  return Result<void>();
}

// ----- throwing forms: the try_* form, then throw_error on failure.

// poll, wait and spawn are the hot paths: the same steps as their try_*
// forms, without building a Result.
template <class T>
inline std::optional<T> TaskHandle<T>::poll() {
  if (raw_ != nullptr) {
    if (void *result = vtable_->poll(raw_)) {
      return std::optional<T>(vtable_->adopt(result));
    }
    if (detail::last_error_kind(*vtable_) == 0) {
      return std::nullopt;  // still running
    }
  }
  poll_failed();
}

template <class T>
void TaskHandle<T>::poll_failed() const {
  throw_error(raw_ == nullptr ? detail::empty_handle_error("poll") : take_error("poll"));
}

template <class T>
T TaskHandle<T>::wait() && {
  if (raw_ == nullptr) {
    throw_error(detail::empty_handle_error("wait"));
  }
  // wait consumes the handle whatever happens.
  const detail::handle_vtable<T> *vtable = std::exchange(vtable_, nullptr);
  if (void *result = vtable->wait(std::exchange(raw_, nullptr))) {
    return vtable->adopt(result);
  }
  throw_error(vtable->take_error("wait"));
}

template <class T>
template <class Rep, class Period>
std::optional<T> TaskHandle<T>::wait_for(const std::chrono::duration<Rep, Period> &timeout) {
  auto result = try_wait_for(timeout);
  return std::move(result).value();
}

template <class T>
template <class Clock, class Duration>
std::optional<T> TaskHandle<T>::wait_until(
    const std::chrono::time_point<Clock, Duration> &deadline) {
  auto result = try_wait_until(deadline);
  return std::move(result).value();
}

template <class T>
void TaskHandle<T>::cancel() const {
  try_cancel().value();
}

template <class T>
bool TaskHandle<T>::cancelled() const {
  return try_cancelled().value();
}

template <class T>
TaskStatus TaskHandle<T>::status() const {
  return try_status().value();
}

template <class T>
Progress TaskHandle<T>::progress() const {
  return try_progress().value();
}

template <class T>
template <class F>
void TaskHandle<T>::on_complete(F &&callback) {
  try_on_complete(std::forward<F>(callback)).value();
}

// ----- executors

template <class T>
template <class Executor, class F>
Result<void> TaskHandle<T>::try_on_complete(Executor &&ex, F &&callback) {
  static_assert(is_executor_v<Executor>,
                "on_complete(ex, f): ex must have execute(f) or post(f) (executor.hpp)");
  static_assert(std::is_invocable<std::decay_t<F> &>::value,
                "on_complete(ex, f): f must be callable with no arguments");
  if (raw_ == nullptr) {
    return detail::empty_handle_error("on_complete");
  }
  if (detail::is_null_callback(callback)) {
    return Error(ErrorKind::null_pointer, "ffi_tasks: on_complete() called with a null callback");
  }
  detail::stored_executor<Executor> stored(std::forward<Executor>(ex));
  detail::shared_call<std::decay_t<F>> call{
      std::make_shared<std::decay_t<F>>(std::forward<F>(callback))};
  return try_on_complete([stored, call]() mutable noexcept { detail::post_or_drop(stored, call); });
}

template <class T>
template <class Executor, class F>
void TaskHandle<T>::on_complete(Executor &&ex, F &&callback) {
  try_on_complete(std::forward<Executor>(ex), std::forward<F>(callback)).value();
}

FFI_TASKS_END_NAMESPACE
