// ffi_tasks/stream.hpp — TaskStream<T>: the owning, move-only C++ reader of a
// Rust stream task (`StreamTask:` / `AsyncStreamTask:` in export_task!).
//
//   FFI_TASKS_CPP_STREAM(prime_stream, PrimeStream, std::uint64_t);  // once
//
//   auto primes = ffi_tasks::spawn_stream(PrimeStream{1000000});
//   for (std::uint64_t p : primes) { ... }      // each item as it comes
//   while (auto p = primes.next()) { ... }      // the same, by hand
//   if (auto p = primes.next_for(100ms)) ...    // nullopt: nothing yet, or the end
//   std::optional<std::uint64_t> p = co_await primes.next_async();  // C++20
//
// next() blocks until the task emits an item, and returns std::nullopt at the
// end of a task that succeeded; at the end of one that failed, was cancelled
// or panicked it throws that error (TaskFailed, TaskCancelled, TaskPanicked),
// after every item emitted before it. The end repeats: reading again gives it
// again. done() tells the end from next_for's timeout. Every throwing call
// has a try_* twin returning Result<...> (for -fno-exceptions).
//
// Back-pressure: the task's buffer holds at most its capacity; a task that
// emits faster than the stream is read waits. Destroying the stream cancels
// the task and frees the items still buffered.
//
// Thread safety: one reader at a time (next, next_for, iteration, co_await);
// cancel, cancelled, status and progress may be called from other threads
// meanwhile; destruction, reset, swap and assignment need exclusive access.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "ffi_tasks/detail/binding.hpp"
#include "ffi_tasks/detail/c_api.hpp"
#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/detail/timeout.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/ffi_tasks.h"
#include "ffi_tasks/result.hpp"
#include "ffi_tasks/status.hpp"

#if FFI_TASKS_HAS_COROUTINES
#include <coroutine>
#endif

FFI_TASKS_BEGIN_NAMESPACE

// The binding of a stream task type: specialized by FFI_TASKS_CPP_STREAM.
// A specialization provides handle_type, item_type (the C layout of the
// Rust Item), value_type (what TaskStream<value_type> yields) and the static
// functions spawn, spawn_with_token, next, next_timeout, cancel, cancelled,
// status, progress, on_ready, handle_destroy and item_destroy, none of
// which throws.
template <class Task>
struct stream_traits {};

// Whether `Task` was bound with FFI_TASKS_CPP_STREAM.
template <class Task, class = void>
struct is_bound_stream : std::false_type {};
template <class Task>
struct is_bound_stream<Task, std::void_t<typename stream_traits<Task>::handle_type>>
    : std::true_type {};
template <class Task>
inline constexpr bool is_bound_stream_v = is_bound_stream<Task>::value;

template <class T>
class TaskStream;

namespace detail {
template <class T>
struct stream_vtable;
template <class Traits>
struct stream_backend;
template <class T>
class stream_awaiter;  // defined with C++20 coroutines only
// Where a suspended next_async() reads once resumed: the TaskStream it
// waits on, kept current by the stream's moves and swaps, null once the
// stream is reset or destroyed.
struct stream_wait_link {
  std::atomic<void *> stream{nullptr};
};
}  // namespace detail

// Starts the stream task `task` (copied by Rust) on the pool. Throws
// SpawnFailed (or another Error) if it cannot be started.
template <class Task, class = std::enable_if_t<is_bound_stream_v<Task>>>
[[nodiscard]] TaskStream<typename stream_traits<Task>::value_type> spawn_stream(const Task &task);

// The same, returning the error instead of throwing it.
template <class Task, class = std::enable_if_t<is_bound_stream_v<Task>>>
[[nodiscard]] Result<TaskStream<typename stream_traits<Task>::value_type>> try_spawn_stream(
    const Task &task);

template <class T>
class TaskStream {
  static_assert(std::is_object<T>::value && !std::is_const<T>::value,
                "TaskStream<T>: T must be a non-const object type");

 public:
  using value_type = T;
  class iterator;
  // What end() returns: an iterator equals it once the stream has ended.
  struct sentinel {};

  // An empty stream (every call but valid/done/reset/swap/destruction throws
  // UsageError).
  TaskStream() noexcept = default;
  TaskStream(const TaskStream &) = delete;
  TaskStream &operator=(const TaskStream &) = delete;
  TaskStream(TaskStream &&other) noexcept;
  TaskStream &operator=(TaskStream &&other) &noexcept;
  // Cancels the task and frees the items still buffered. Never throws.
  ~TaskStream();

  bool valid() const noexcept { return raw_ != nullptr; }
  explicit operator bool() const noexcept { return valid(); }
  // Whether a read has returned the end (nullopt, or the task's error).
  bool done() const noexcept { return done_; }

  // The next item, blocking until one comes; nullopt at the end of a task
  // that succeeded; throws the task's error at the end of one that did not.
  [[nodiscard]] std::optional<T> next();
  // As next(), waiting at most `timeout` (rounded up to whole milliseconds;
  // zero or negative: only what is already there; duration::max(): no
  // limit; NaN throws InvalidArgument): nullopt also when nothing came in
  // time (then !done()).
  template <class Rep, class Period>
  [[nodiscard]] std::optional<T> next_for(const std::chrono::duration<Rep, Period> &timeout);

  // Input iteration over the items: `for (T item : stream)`. Reads as it
  // goes (begin() reads the first item); the end of the stream is end();
  // a failed task throws from begin() or ++ (aborts without exceptions).
  iterator begin();
  sentinel end() const noexcept { return {}; }

  // C++20: `std::optional<T> item = co_await stream.next_async();` — as
  // next(), without blocking a thread: the coroutine suspends until an item
  // or the end is there, then resumes on the thread that made it so (the
  // task's, when it emits or ends; this one if it already is). Destroying
  // the coroutine while it waits here is safe (it is never resumed); so is
  // moving or swapping the stream (it reads from the stream's new object);
  // reset, assignment or destruction resumes it with UsageError. Needs
  // C++20 coroutines; one co_await at a time.
  template <class U = T>
  [[nodiscard]] detail::stream_awaiter<U> next_async() {
    return detail::stream_awaiter<U>(*this);
  }

  void cancel() const;
  bool cancelled() const;
  // Running, then how the task ended (Completed, Failed, Cancelled, Panicked).
  TaskStatus status() const;
  Progress progress() const;

  // Cancels the task and frees its buffered items now; the stream is empty.
  void reset() noexcept;
  void swap(TaskStream &other) noexcept;

  // ----- non-throwing forms
  [[nodiscard]] Result<std::optional<T>> try_next();
  template <class Rep, class Period>
  [[nodiscard]] Result<std::optional<T>> try_next_for(
      const std::chrono::duration<Rep, Period> &timeout);
  [[nodiscard]] Result<void> try_cancel() const;
  [[nodiscard]] Result<bool> try_cancelled() const;
  [[nodiscard]] Result<TaskStatus> try_status() const;
  [[nodiscard]] Result<Progress> try_progress() const;

 private:
  template <class Traits>
  friend struct detail::stream_backend;
  template <class U>
  friend class detail::stream_awaiter;

  TaskStream(void *raw, const detail::stream_vtable<T> *vtable) noexcept
      : raw_(raw), vtable_(raw ? vtable : nullptr) {}

  // What a raw next/next_timeout returned, as a Result (marks the end).
  Result<std::optional<T>> deliver(void *item, const char *operation);

  // Points the waiting co_await, if any, at this stream.
  void relink() noexcept {
    if (waiting_ != nullptr) {
      waiting_->stream.store(this, std::memory_order_release);
    }
  }

  void *raw_ = nullptr;
  const detail::stream_vtable<T> *vtable_ = nullptr;
  bool done_ = false;
  // The co_await suspended in next_async() on this stream, if any.
  detail::stream_wait_link *waiting_ = nullptr;
};

template <class T>
void swap(TaskStream<T> &a, TaskStream<T> &b) noexcept {
  a.swap(b);
}

// The iterator of TaskStream<T>: holds the current item.
template <class T>
class TaskStream<T>::iterator {
 public:
  using iterator_category = std::input_iterator_tag;
  using value_type = T;
  using difference_type = std::ptrdiff_t;
  using pointer = T *;
  using reference = T &;

  iterator() noexcept = default;
  T &operator*() noexcept { return *current_; }
  T *operator->() noexcept { return &*current_; }
  iterator &operator++() {
    current_ = stream_->next();
    return *this;
  }
  void operator++(int) { ++*this; }
  friend bool operator==(const iterator &it, sentinel) noexcept { return !it.current_.has_value(); }
  friend bool operator!=(const iterator &it, sentinel s) noexcept { return !(it == s); }
  friend bool operator==(sentinel s, const iterator &it) noexcept { return it == s; }
  friend bool operator!=(sentinel s, const iterator &it) noexcept { return it != s; }

 private:
  friend class TaskStream<T>;
  explicit iterator(TaskStream<T> *stream) : stream_(stream), current_(stream->next()) {}
  TaskStream<T> *stream_ = nullptr;
  std::optional<T> current_;
};

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

namespace detail {

template <class T>
struct stream_vtable {
  void *(*next)(void *handle);
  void *(*next_timeout)(void *handle, std::uint64_t timeout_ms);
  void (*cancel)(void *handle);
  int (*cancelled)(void *handle);
  int (*status)(void *handle);
  int (*progress)(void *handle, ffi_tasks_progress *out);
  int (*on_ready)(void *handle, ffi_tasks_callback callback, void *user_data);
  void (*handle_destroy)(void *handle);
  T (*adopt)(void *item);  // frees `item` exactly once
};

template <class Traits>
struct stream_backend {
  using handle_type = typename Traits::handle_type;
  using item_type = typename Traits::item_type;
  using value_type = typename Traits::value_type;

  static handle_type *handle(void *h) noexcept { return static_cast<handle_type *>(h); }

  static void *next(void *h) { return Traits::next(handle(h)); }
  static void *next_timeout(void *h, std::uint64_t ms) {
    return Traits::next_timeout(handle(h), ms);
  }
  static void cancel(void *h) { Traits::cancel(handle(h)); }
  static int cancelled(void *h) { return Traits::cancelled(handle(h)); }
  static int status(void *h) { return Traits::status(handle(h)); }
  static int progress(void *h, ffi_tasks_progress *out) { return Traits::progress(handle(h), out); }
  static int on_ready(void *h, ffi_tasks_callback callback, void *user_data) {
    return Traits::on_ready(handle(h), callback, user_data);
  }
  static void handle_destroy(void *h) { Traits::handle_destroy(handle(h)); }
  static value_type adopt(void *raw) {
    struct free_on_exit {
      item_type *item;
      ~free_on_exit() { Traits::item_destroy(item); }
    } guard{static_cast<item_type *>(raw)};
    return value_type(std::move(*guard.item));
  }

  static constexpr stream_vtable<value_type> table = {
      &next,     &next_timeout, &cancel,         &cancelled, &status,
      &progress, &on_ready,     &handle_destroy, &adopt,
  };

  static TaskStream<value_type> make(handle_type *raw) noexcept {
    return TaskStream<value_type>(raw, &table);
  }
};

inline Error empty_stream_error(const char *operation) {
  return Error(ErrorKind::usage, std::string("ffi_tasks: ") + operation +
                                     "() called on an empty TaskStream (moved from or reset)");
}

// Whether an error ends the stream (the task's own) rather than the call.
inline bool is_task_end(ErrorKind kind) noexcept {
  return kind == ErrorKind::failed || kind == ErrorKind::cancelled || kind == ErrorKind::panicked;
}

}  // namespace detail

template <class Task, class>
Result<TaskStream<typename stream_traits<Task>::value_type>> try_spawn_stream(const Task &task) {
  using traits = stream_traits<Task>;
  auto *raw = traits::spawn(&task);
  if (raw == nullptr) {
    return detail::c_take_error("spawn_stream");
  }
  return detail::stream_backend<traits>::make(raw);
}

template <class Task, class>
TaskStream<typename stream_traits<Task>::value_type> spawn_stream(const Task &task) {
  return try_spawn_stream(task).value();
}

template <class T>
TaskStream<T>::TaskStream(TaskStream &&other) noexcept
    : raw_(std::exchange(other.raw_, nullptr)),
      vtable_(std::exchange(other.vtable_, nullptr)),
      done_(std::exchange(other.done_, false)),
      waiting_(std::exchange(other.waiting_, nullptr)) {
  relink();
}

template <class T>
TaskStream<T> &TaskStream<T>::operator=(TaskStream &&other) &noexcept {
  if (this != &other) {
    // Other's stream first, then the old one is destroyed: that may resume
    // a coroutine here, which may assign *this again.
    TaskStream old(std::move(*this));
    raw_ = std::exchange(other.raw_, nullptr);
    vtable_ = std::exchange(other.vtable_, nullptr);
    done_ = std::exchange(other.done_, false);
    waiting_ = std::exchange(other.waiting_, nullptr);
    relink();
  }
  return *this;
}

template <class T>
TaskStream<T>::~TaskStream() {
  reset();
}

template <class T>
void TaskStream<T>::reset() noexcept {
  if (waiting_ != nullptr) {
    // Destroying the handle resumes the waiting coroutine (at the latest):
    // it must not read this stream any more.
    std::exchange(waiting_, nullptr)->stream.store(nullptr, std::memory_order_release);
  }
  done_ = false;
  if (raw_ != nullptr) {
    // Empty before the call, which may resume a coroutine that assigns *this.
    void *raw = std::exchange(raw_, nullptr);
    std::exchange(vtable_, nullptr)->handle_destroy(raw);
  }
}

template <class T>
void TaskStream<T>::swap(TaskStream &other) noexcept {
  std::swap(raw_, other.raw_);
  std::swap(vtable_, other.vtable_);
  std::swap(done_, other.done_);
  std::swap(waiting_, other.waiting_);
  relink();
  other.relink();
}

template <class T>
Result<std::optional<T>> TaskStream<T>::deliver(void *item, const char *operation) {
  if (item != nullptr) {
    return std::optional<T>(vtable_->adopt(item));
  }
  const int kind = detail::c_last_error_kind();
  if (kind == 0) {
    done_ = true;
    return std::optional<T>();
  }
  if (kind == static_cast<int>(ErrorKind::timed_out)) {
    return std::optional<T>();
  }
  if (detail::is_task_end(static_cast<ErrorKind>(kind))) {
    done_ = true;
  }
  return detail::c_take_error(operation);
}

template <class T>
Result<std::optional<T>> TaskStream<T>::try_next() {
  if (raw_ == nullptr) {
    return detail::empty_stream_error("next");
  }
  return deliver(vtable_->next(raw_), "next");
}

template <class T>
template <class Rep, class Period>
Result<std::optional<T>> TaskStream<T>::try_next_for(
    const std::chrono::duration<Rep, Period> &timeout) {
  if (raw_ == nullptr) {
    return detail::empty_stream_error("next_for");
  }
  const Result<std::uint64_t> ms = detail::timeout_ms(timeout, "next_for");
  if (!ms) {
    return ms.error();
  }
  return deliver(vtable_->next_timeout(raw_, *ms), "next_for");
}

template <class T>
Result<void> TaskStream<T>::try_cancel() const {
  if (raw_ == nullptr) {
    return detail::empty_stream_error("cancel");
  }
  vtable_->cancel(raw_);
  if (detail::c_last_error_kind() != 0) {
    return detail::c_take_error("cancel");
  }
  return Result<void>();
}

template <class T>
Result<bool> TaskStream<T>::try_cancelled() const {
  if (raw_ == nullptr) {
    return detail::empty_stream_error("cancelled");
  }
  const int cancelled = vtable_->cancelled(raw_);
  if (cancelled < 0) {
    return detail::c_take_error("cancelled");
  }
  return cancelled != 0;
}

template <class T>
Result<TaskStatus> TaskStream<T>::try_status() const {
  if (raw_ == nullptr) {
    return detail::empty_stream_error("status");
  }
  const int status = vtable_->status(raw_);
  if (status < 0) {
    return detail::c_take_error("status");
  }
  return static_cast<TaskStatus>(status);
}

template <class T>
Result<Progress> TaskStream<T>::try_progress() const {
  if (raw_ == nullptr) {
    return detail::empty_stream_error("progress");
  }
  ffi_tasks_progress progress{0, 0};
  if (vtable_->progress(raw_, &progress) != 0) {
    return detail::c_take_error("progress");
  }
  return Progress{progress.done, progress.total};
}

template <class T>
std::optional<T> TaskStream<T>::next() {
  return try_next().value();
}

template <class T>
template <class Rep, class Period>
std::optional<T> TaskStream<T>::next_for(const std::chrono::duration<Rep, Period> &timeout) {
  return try_next_for(timeout).value();
}

template <class T>
typename TaskStream<T>::iterator TaskStream<T>::begin() {
  return iterator(this);
}

template <class T>
void TaskStream<T>::cancel() const {
  try_cancel().value();
}

template <class T>
bool TaskStream<T>::cancelled() const {
  return try_cancelled().value();
}

template <class T>
TaskStatus TaskStream<T>::status() const {
  return try_status().value();
}

template <class T>
Progress TaskStream<T>::progress() const {
  return try_progress().value();
}

#if FFI_TASKS_HAS_COROUTINES
namespace detail {

// Shared by a stream_awaiter and the ready callback it registers (which
// runs exactly once: when a read would not block, or when the stream is
// destroyed). `stage` decides, once, who goes on with the coroutine:
//   suspending -> ready_early  the callback ran while await_suspend did:
//                              the coroutine does not suspend;
//   suspending -> suspended    then the callback resumes it (-> resumed),
//   suspended  -> abandoned    or its frame was destroyed meanwhile.
struct stream_resume_state {
  enum : int { suspending, suspended, ready_early, resumed, abandoned };
  std::atomic<int> stage{suspending};
  std::coroutine_handle<> coroutine;

  static void on_ready(void *user_data) noexcept {
    std::shared_ptr<stream_resume_state> self(
        std::move(*static_cast<std::shared_ptr<stream_resume_state> *>(user_data)));
    delete static_cast<std::shared_ptr<stream_resume_state> *>(user_data);
    int expected = suspending;
    if (self->stage.compare_exchange_strong(expected, ready_early, std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
      return;
    }
    if (expected == suspended &&
        self->stage.compare_exchange_strong(expected, resumed, std::memory_order_acq_rel,
                                            std::memory_order_acquire)) {
      self->coroutine.resume();
    }
  }
};

template <class T>
class stream_awaiter {
 public:
  explicit stream_awaiter(TaskStream<T> &stream) noexcept : stream_(&stream) {}
  stream_awaiter(const stream_awaiter &) = delete;
  stream_awaiter &operator=(const stream_awaiter &) = delete;
  ~stream_awaiter() {
    if (state_) {
      int expected = stream_resume_state::suspended;
      state_->stage.compare_exchange_strong(expected, stream_resume_state::abandoned,
                                            std::memory_order_acq_rel, std::memory_order_acquire);
    }
    // The frame is destroyed while suspended: the stream forgets this wait.
    auto *stream = static_cast<TaskStream<T> *>(link_.stream.load(std::memory_order_acquire));
    if (stream != nullptr && stream->waiting_ == &link_) {
      stream->waiting_ = nullptr;
    }
  }

  // Goes on at once when an item, the end or an error is already there.
  bool await_ready() {
    auto polled = stream_->try_next_for(std::chrono::milliseconds(0));
    if (!polled || polled->has_value() || stream_->done()) {
      result_.emplace(std::move(polled));
      return true;
    }
    return false;
  }

  bool await_suspend(std::coroutine_handle<> coroutine) {
    auto state = std::make_shared<stream_resume_state>();
    state->coroutine = coroutine;
    auto *box = new std::shared_ptr<stream_resume_state>(state);
    // Linked first: once registered, the callback may resume the coroutine
    // on another thread, and await_resume reads through the link.
    link_.stream.store(stream_, std::memory_order_release);
    stream_wait_link *previous = std::exchange(stream_->waiting_, &link_);
    if (stream_->vtable_->on_ready(stream_->raw_, &stream_resume_state::on_ready, box) != 0) {
      delete box;
      stream_->waiting_ = previous;
      link_.stream.store(nullptr, std::memory_order_release);
      result_.emplace(c_take_error("next_async"));
      return false;
    }
    state_ = state;
    int expected = stream_resume_state::suspending;
    // Once suspended, the coroutine may run on another thread at any
    // moment: touch nothing but locals.
    return state->stage.compare_exchange_strong(expected, stream_resume_state::suspended,
                                                std::memory_order_acq_rel,
                                                std::memory_order_acquire);
  }

  std::optional<T> await_resume() {
    if (result_) {
      return std::move(*result_).value();
    }
    // The stream may have moved (or been swapped) meanwhile: the link says
    // where it is now, or that it was reset or destroyed.
    auto *stream = static_cast<TaskStream<T> *>(link_.stream.load(std::memory_order_acquire));
    if (stream == nullptr) {
      throw_error(Error(ErrorKind::usage,
                        "ffi_tasks: the TaskStream was reset, assigned to or destroyed while "
                        "next_async() waited on it"));
    }
    if (stream->waiting_ == &link_) {
      stream->waiting_ = nullptr;
    }
    // Ready: an item or the end is there, so this does not wait.
    return stream->try_next_for(std::chrono::milliseconds(0)).value();
  }

 private:
  TaskStream<T> *stream_;
  stream_wait_link link_;
  std::shared_ptr<stream_resume_state> state_;
  std::optional<Result<std::optional<T>>> result_;
};

}  // namespace detail
#endif

FFI_TASKS_END_NAMESPACE

// Binds a Rust stream task exported as <prefix>_<key> to the C++ mirror
// `task_type` of its #[repr(C)] struct, yielding `item_type` by value.
// Declares the C functions (FFI_TASKS_DECLARE_STREAM; declaring them again
// after the crate's generated header is fine). Global scope only; one line
// per stream task.
#define FFI_TASKS_CPP_STREAM(prefix, task_t, item_t)                         \
  FFI_TASKS_DECLARE_STREAM(prefix, task_t, item_t);                          \
  namespace ffi_tasks {                                                      \
  template <>                                                                \
  struct stream_traits<task_t> {                                             \
    FFI_TASKS_BIND_HANDLE_FUNCTIONS_(prefix, task_t)                         \
    using item_type = item_t;                                                \
    using value_type = item_t;                                               \
    static item_t *next(handle_type *h) { return prefix##_next(h); }         \
    static item_t *next_timeout(handle_type *h, ::std::uint64_t ms) {        \
      return prefix##_next_timeout(h, ms);                                   \
    }                                                                        \
    static int on_ready(handle_type *h, ffi_tasks_callback cb, void *data) { \
      return prefix##_on_ready(h, cb, data);                                 \
    }                                                                        \
    static void item_destroy(item_t *item) { prefix##_item_destroy(item); }  \
  };                                                                         \
  }                                                                          \
  static_assert(::std::is_trivially_copyable<task_t>::value,                 \
                "FFI_TASKS_CPP_STREAM: the task type must mirror the Rust #[repr(C)] struct")
