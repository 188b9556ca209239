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
#include "ffi_tasks/result.hpp"
#include "ffi_tasks/status.hpp"
#include "ffi_tasks/task_traits.hpp"

#if FFI_TASKS_USE_EXCEPTIONS
#include <exception>
#include <future>
#endif
#if FFI_TASKS_HAS_STOP_TOKEN
#include <stop_token>
#endif
#if FFI_TASKS_HAS_COROUTINES
#include <atomic>
#include <coroutine>
#endif

FFI_TASKS_BEGIN_NAMESPACE

template <class T>
class TaskHandle;

namespace detail {
template <class T>
class task_awaiter;
}  // namespace detail

// Takes ownership of a raw handle of the backend `Traits` (task_traits<Task>
// or a traits class of another backend, see task_traits.hpp). A null `raw`
// gives an empty handle.
template <class Traits>
TaskHandle<typename Traits::value_type> adopt_handle(typename Traits::handle_type *raw) noexcept;

// Starts `task` (copied by Rust) on the pool. Throws SpawnFailed (or another
// Error) if it cannot be started.
template <class Task, class = std::enable_if_t<is_bound_task_v<Task>>>
TaskHandle<task_value_t<Task>> spawn(const Task &task);

// The same, returning the error instead of throwing it.
template <class Task, class = std::enable_if_t<is_bound_task_v<Task>>>
Result<TaskHandle<task_value_t<Task>>> try_spawn(const Task &task);

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
  TaskHandle &operator=(TaskHandle &&other) & noexcept;

  // Destroys the handle, cancelling the task if it still runs. Never throws.
  ~TaskHandle();

  // Whether the handle holds a task (false once moved from, consumed by
  // wait()/to_future()/co_await, or reset).
  bool valid() const noexcept { return raw_ != nullptr; }
  explicit operator bool() const noexcept { return valid(); }

  // The result if the task is done, nullopt while it runs. Throws the task's
  // error (TaskFailed, TaskCancelled, TaskPanicked), or AlreadyTaken once an
  // earlier call took the result.
  std::optional<T> poll();

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
  std::optional<T> wait_for(const std::chrono::duration<Rep, Period> &timeout);
  template <class Clock, class Duration>
  std::optional<T> wait_until(const std::chrono::time_point<Clock, Duration> &deadline);

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
  Result<std::optional<T>> try_poll();
  Result<T> try_wait() &&;
  template <class Rep, class Period>
  Result<std::optional<T>> try_wait_for(const std::chrono::duration<Rep, Period> &timeout);
  template <class Clock, class Duration>
  Result<std::optional<T>> try_wait_until(const std::chrono::time_point<Clock, Duration> &deadline);
  Result<void> try_cancel() const;
  Result<bool> try_cancelled() const;
  Result<TaskStatus> try_status() const;
  Result<Progress> try_progress() const;
  template <class F>
  Result<void> try_on_complete(F &&callback);

#if FFI_TASKS_USE_EXCEPTIONS
  // A std::future fulfilled when the task finishes (with its value or its
  // typed exception). Consumes the handle; the task keeps running (and is
  // not cancelled) until it finishes, even if the future is dropped. Uses
  // the task's one completion callback.
  std::future<T> to_future() &&;
#endif

#if FFI_TASKS_HAS_STOP_TOKEN
  // As wait(), but cancels the task when `stop` is requested (the task then
  // usually ends with TaskCancelled). Consumes the handle.
  T wait(std::stop_token stop) &&;
  Result<T> try_wait(std::stop_token stop) &&;
#endif

#if FFI_TASKS_HAS_COROUTINES
  // `T value = co_await std::move(handle);` suspends until the task finishes
  // without blocking a thread, then yields its value or throws its error.
  // The coroutine resumes on the worker thread that finished the task (or
  // goes on at once if it is already done), exactly once. Consumes the
  // handle; uses the task's one completion callback.
  //
  // Destroying the coroutine while it is suspended here is safe: the task
  // is cancelled (as by ~TaskHandle) and the coroutine is never resumed.
  // If the coroutine's promise has get_stop_token() (a std::stop_token), a
  // stop request while it waits here cancels the task.
  detail::task_awaiter<T> operator co_await() && noexcept;
#endif

 private:
  template <class Traits>
  friend TaskHandle<typename Traits::value_type> adopt_handle(
      typename Traits::handle_type *raw) noexcept;

  TaskHandle(void *raw, const detail::handle_vtable<T> *vtable) noexcept
      : raw_(raw), vtable_(raw ? vtable : nullptr) {}

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
  auto spawned = try_spawn(task);
  return std::move(spawned).value();
}

template <class T>
TaskHandle<T>::TaskHandle(TaskHandle &&other) noexcept
    : raw_(std::exchange(other.raw_, nullptr)), vtable_(std::exchange(other.vtable_, nullptr)) {}

template <class T>
TaskHandle<T> &TaskHandle<T>::operator=(TaskHandle &&other) & noexcept {
  if (this != &other) {
    reset();
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
    vtable_->handle_destroy(std::exchange(raw_, nullptr));
    vtable_ = nullptr;
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
  if (vtable_->error_kind() == 0) {
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
  if (vtable_->error_kind() == static_cast<int>(ErrorKind::timed_out)) {
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
  if (vtable_->error_kind() != 0) {
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

template <class T>
std::optional<T> TaskHandle<T>::poll() {
  auto result = try_poll();
  return std::move(result).value();
}

template <class T>
T TaskHandle<T>::wait() && {
  auto result = std::move(*this).try_wait();
  return std::move(result).value();
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

// ----- std::future

#if FFI_TASKS_USE_EXCEPTIONS
namespace detail {

// Owned by the completion callback (and, until to_future returns, by
// to_future): the handle lives here, so the callback can take the result
// whatever happens to the caller's objects.
template <class T>
struct future_state {
  explicit future_state(TaskHandle<T> &&h) noexcept : handle(std::move(h)) {}

  // Runs on the thread that finished the task: must not throw.
  void fulfil() noexcept {
    try {
      auto result = handle.try_poll();
      if (!result) {
        promise.set_exception(to_exception_ptr(result.error()));
      } else if (!*result) {
        promise.set_exception(std::make_exception_ptr(
            Error(ErrorKind::failed, "ffi_tasks: completion callback ran before the task finished")));
      } else {
        promise.set_value(std::move(**result));
      }
    } catch (...) {
      try {
        promise.set_exception(std::current_exception());
      } catch (...) {  // already satisfied: nothing left to report
      }
    }
  }

  TaskHandle<T> handle;
  std::promise<T> promise;
};

}  // namespace detail

template <class T>
std::future<T> TaskHandle<T>::to_future() && {
  if (raw_ == nullptr) {
    throw_error(detail::empty_handle_error("to_future"));
  }
  auto state = std::make_shared<detail::future_state<T>>(std::move(*this));
  std::future<T> future = state->promise.get_future();
  // The callback holds the state: if it runs last, it also destroys the
  // handle (on the worker, outside any call on that handle).
  state->handle.on_complete([state]() noexcept { state->fulfil(); });
  return future;
}
#endif  // FFI_TASKS_USE_EXCEPTIONS

// ----- std::stop_token

#if FFI_TASKS_HAS_STOP_TOKEN
template <class T>
Result<T> TaskHandle<T>::try_wait(std::stop_token stop) && {
  if (raw_ == nullptr) {
    return detail::empty_handle_error("wait");
  }
  // Consumed now; destroyed (at the end of this function) only after the
  // stop callback can no longer run, so it never sees a dead handle.
  TaskHandle self(std::move(*this));
  const detail::handle_vtable<T> *vtable = self.vtable_;
  void *raw = self.raw_;
  // May run on the thread that requests the stop.
  auto cancel_task = [vtable, raw]() noexcept { vtable->cancel(raw); };
  std::optional<std::stop_callback<decltype(cancel_task)>> on_stop;
  on_stop.emplace(std::move(stop), cancel_task);
  Result<T> result = [&]() -> Result<T> {
    // A non-consuming wait, so that `raw` stays valid for on_stop.
    for (;;) {
      if (void *done = vtable->wait_timeout(raw, UINT64_MAX)) {
        return vtable->adopt(done);
      }
      if (vtable->error_kind() != static_cast<int>(ErrorKind::timed_out)) {
        return vtable->take_error("wait");
      }
    }
  }();
  // Waits for a callback running on another thread; after this the
  // callback and its storage are ours alone.
  on_stop.reset();
  return result;
}

template <class T>
T TaskHandle<T>::wait(std::stop_token stop) && {
  auto result = std::move(*this).try_wait(std::move(stop));
  return std::move(result).value();
}
#endif  // FFI_TASKS_HAS_STOP_TOKEN

// ----- co_await

#if FFI_TASKS_HAS_COROUTINES
namespace detail {

// Shared by an awaiter and the completion callback it registers, so that
// it outlives whichever of them goes first. `stage` decides, once, who
// goes on with the coroutine:
//   suspending -> finished_early  the task finished while await_suspend ran:
//                                 the coroutine does not suspend;
//   suspending -> suspended       await_suspend suspended it; then either
//   suspended  -> resumed         the callback resumes it, or
//   suspended  -> abandoned       its frame was destroyed while suspended:
//                                 the callback leaves it alone.
struct resume_state {
  enum : int { suspending, suspended, finished_early, resumed, abandoned };
  std::atomic<int> stage{suspending};
  std::coroutine_handle<> coroutine;

  // The completion callback (on the thread that finished the task).
  void on_complete() noexcept {
    int expected = suspending;
    if (stage.compare_exchange_strong(expected, finished_early, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      return;  // await_suspend sees it and does not suspend
    }
    if (expected == suspended &&
        stage.compare_exchange_strong(expected, resumed, std::memory_order_acq_rel,
                                      std::memory_order_acquire)) {
      coroutine.resume();
    }
    // else abandoned: the frame is gone.
  }

  // await_suspend, last step: whether the coroutine stays suspended.
  bool suspend() noexcept {
    int expected = suspending;
    return stage.compare_exchange_strong(expected, suspended, std::memory_order_acq_rel,
                                         std::memory_order_acquire);
  }

  // The frame is being destroyed: if still suspended, never resume it.
  void abandon() noexcept {
    int expected = suspended;
    stage.compare_exchange_strong(expected, abandoned, std::memory_order_acq_rel,
                                  std::memory_order_acquire);
  }
};

#if FFI_TASKS_HAS_STOP_TOKEN
// Whether a coroutine promise exposes a std::stop_token.
template <class Promise, class = void>
struct has_stop_token : std::false_type {};
template <class Promise>
struct has_stop_token<Promise, std::void_t<decltype(std::declval<Promise &>().get_stop_token())>>
    : std::is_convertible<decltype(std::declval<Promise &>().get_stop_token()), std::stop_token> {};
#endif

template <class T>
class task_awaiter {
 public:
  explicit task_awaiter(TaskHandle<T> &&handle) noexcept : handle_(std::move(handle)) {}
  task_awaiter(const task_awaiter &) = delete;
  task_awaiter &operator=(const task_awaiter &) = delete;

  // Runs when the co_await expression ends, and also when the coroutine's
  // frame is destroyed while suspended here: then the callback must not
  // resume it. The members go next: the stop link first, then the handle,
  // which cancels the task if it still runs.
  ~task_awaiter() {
    if (state_) {
      state_->abandon();
    }
  }

  bool await_ready() const { return handle_.status() != TaskStatus::running; }

  template <class Promise>
  bool await_suspend(std::coroutine_handle<Promise> coroutine) {
#if FFI_TASKS_HAS_STOP_TOKEN
    if constexpr (!std::is_void<Promise>::value) {
      if constexpr (has_stop_token<Promise>::value) {
        // Runs at once if a stop was already requested.
        stop_.emplace(std::stop_token(coroutine.promise().get_stop_token()), cancel_task{&handle_});
      }
    }
#endif
    auto state = std::make_shared<resume_state>();
    state->coroutine = coroutine;
    handle_.on_complete([state]() noexcept { state->on_complete(); });
    state_ = state;
    // Once suspended, the coroutine may run (and this awaiter be gone) on
    // another thread at any moment: touch nothing but locals.
    return state->suspend();
  }

  T await_resume() {
#if FFI_TASKS_HAS_STOP_TOKEN
    // Waits for a stop callback running on another thread: after this,
    // nothing else uses the handle, which wait() consumes.
    stop_.reset();
#endif
    return std::move(handle_).wait();
  }

 private:
#if FFI_TASKS_HAS_STOP_TOKEN
  // Cancels the awaited task on a stop request (a const, thread-safe call
  // on a handle that outlives the registration).
  struct cancel_task {
    const TaskHandle<T> *handle;
    void operator()() const noexcept { static_cast<void>(handle->try_cancel()); }
  };
#endif

  TaskHandle<T> handle_;
  std::shared_ptr<resume_state> state_;
#if FFI_TASKS_HAS_STOP_TOKEN
  std::optional<std::stop_callback<cancel_task>> stop_;
#endif
};

}  // namespace detail

template <class T>
detail::task_awaiter<T> TaskHandle<T>::operator co_await() && noexcept {
  return detail::task_awaiter<T>(std::move(*this));
}
#endif  // FFI_TASKS_HAS_COROUTINES

FFI_TASKS_END_NAMESPACE
