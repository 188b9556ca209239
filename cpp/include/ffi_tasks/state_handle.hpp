// ffi_tasks/state_handle.hpp — a TaskHandle<T> whose "task" is C++ state
// completed by callbacks (no thread of its own): what when_all/when_any
// (when.hpp) and on_progress (progress.hpp) return. It behaves as any
// handle: poll, wait, wait_for, cancel, status, progress, on_complete,
// to_future, co_await. Building blocks for other adapters; most code uses
// when.hpp instead.
//
//   auto state = std::make_shared<MyState>();      // derives completion_state<T>
//   TaskHandle<T> h = ffi_tasks::detail::state_handle(state);
//   state->complete(value);  // or state->fail(error): once, from any thread
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <utility>

#include "ffi_tasks/detail/c_api.hpp"
#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/status.hpp"
#include "ffi_tasks/task_handle.hpp"

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

// The outcome of C++ state plus what a handle needs around it. Subclasses
// say what cancelling does (cancel their inputs) and what progress is.
template <class T>
class completion_state {
 public:
  completion_state() = default;
  completion_state(const completion_state &) = delete;
  completion_state &operator=(const completion_state &) = delete;
  virtual ~completion_state() = default;

  // Finish with a value / an error; false (and nothing changes) if already
  // finished. Runs the completion callback, if any, on this thread.
  bool complete(T value) { return finish(std::optional<T>(std::move(value)), std::nullopt); }
  bool fail(Error error) { return finish(std::nullopt, std::move(error)); }

  bool finished() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return stage_ != stage::running;
  }

  // ----- what the handle calls (through state_backend)

  // Asks the state to stop: records it, then on_cancel().
  void cancel() noexcept {
    cancelled_.store(true, std::memory_order_release);
    on_cancel();
  }
  bool cancelled() const noexcept { return cancelled_.load(std::memory_order_acquire); }
  virtual Progress progress() const { return Progress{finished() ? 1u : 0u, 1}; }

 protected:
  // Cancels the inputs (must not throw; may be called more than once, and
  // from several threads).
  virtual void on_cancel() noexcept {}

 private:
  template <class U>
  friend struct state_backend;

  enum class stage { running, completed, failed, taken };

  bool finish(std::optional<T> value, std::optional<Error> error) {
    ffi_tasks_callback callback = nullptr;
    void *user_data = nullptr;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (stage_ != stage::running) {
        return false;
      }
      if (value) {
        value_ = std::move(value);
        stage_ = stage::completed;
      } else {
        error_ = std::move(error);
        stage_ = stage::failed;
      }
      callback = std::exchange(callback_, nullptr);
      user_data = user_data_;
      done_.notify_all();
    }
    if (callback != nullptr) {
      callback(user_data);
    }
    return true;
  }

  mutable std::mutex mutex_;
  std::condition_variable done_;
  stage stage_ = stage::running;
  std::optional<T> value_;
  std::optional<Error> error_;
  std::atomic<bool> cancelled_{false};
  bool has_callback_ = false;
  ffi_tasks_callback callback_ = nullptr;
  void *user_data_ = nullptr;
};

// The last error of a call on a state-backed handle, per thread (as the C
// ABI's LAST_ERROR).
struct state_last_error {
  int kind = 0;
  std::optional<Error> error;

  static state_last_error &get() noexcept {
    thread_local state_last_error slot;
    return slot;
  }
  static void ok() noexcept {
    auto &slot = get();
    slot.kind = 0;
    slot.error.reset();
  }
  static void set(Error error) noexcept {
    auto &slot = get();
    slot.kind = static_cast<int>(error.kind());
    slot.error = std::move(error);
  }
};

// What the raw handle points to: one reference to the state.
template <class T>
struct state_ref {
  std::shared_ptr<completion_state<T>> state;
};

// The traits (task_traits.hpp) of state-backed handles.
template <class T>
struct state_backend {
  using state_type = completion_state<T>;
  using handle_type = state_ref<T>;
  using output_type = T;
  using value_type = T;

  static state_type &state(handle_type *h) noexcept { return *h->state; }

  // The outcome, if finished (under the lock): a new T to adopt, or null
  // with the error set; null with no error while running.
  static T *take_locked(state_type &s) noexcept {
    switch (s.stage_) {
      case state_type::stage::running: state_last_error::ok(); return nullptr;
      case state_type::stage::completed: break;
      case state_type::stage::failed:
        s.stage_ = state_type::stage::taken;
        state_last_error::set(std::move(*s.error_));
        s.error_.reset();
        return nullptr;
      case state_type::stage::taken:
        state_last_error::set(
            Error(ErrorKind::already_taken, "ffi_tasks: the result was already taken"));
        return nullptr;
    }
#if FFI_TASKS_USE_EXCEPTIONS
    try {
#endif
      T *result = new T(std::move(*s.value_));
      s.value_.reset();
      s.stage_ = state_type::stage::taken;
      state_last_error::ok();
      return result;
#if FFI_TASKS_USE_EXCEPTIONS
    } catch (...) {
      // Moving or allocating threw: the value stays for another try.
      state_last_error::set(Error(ErrorKind::failed,
                                  "ffi_tasks: moving the result out threw an exception",
                                  std::current_exception()));
      return nullptr;
    }
#endif
  }

  static T *poll(handle_type *h) noexcept {
    state_type &s = state(h);
    std::lock_guard<std::mutex> lock(s.mutex_);
    return take_locked(s);
  }

  static T *wait(handle_type *h) noexcept {
    std::unique_ptr<handle_type> ref(h);
    state_type &s = *ref->state;
    std::unique_lock<std::mutex> lock(s.mutex_);
    s.done_.wait(lock, [&s] { return s.stage_ != state_type::stage::running; });
    return take_locked(s);
  }

  static T *wait_timeout(handle_type *h, std::uint64_t timeout_ms) noexcept {
    state_type &s = state(h);
    std::unique_lock<std::mutex> lock(s.mutex_);
    auto finished = [&s] { return s.stage_ != state_type::stage::running; };
    // Beyond about 30 years: no limit (and no overflow of the clock).
    constexpr std::uint64_t unlimited = std::uint64_t{1} << 40;
    if (timeout_ms >= unlimited) {
      s.done_.wait(lock, finished);
    } else if (!s.done_.wait_for(lock, std::chrono::milliseconds(timeout_ms), finished)) {
      state_last_error::set(Error(ErrorKind::timed_out, "ffi_tasks: the wait timed out"));
      return nullptr;
    }
    return take_locked(s);
  }

  static void cancel(handle_type *h) noexcept {
    state(h).cancel();
    state_last_error::ok();
  }
  static int cancelled(handle_type *h) noexcept {
    state_last_error::ok();
    return state(h).cancelled() ? 1 : 0;
  }
  static int status(handle_type *h) noexcept {
    state_type &s = state(h);
    std::lock_guard<std::mutex> lock(s.mutex_);
    state_last_error::ok();
    switch (s.stage_) {
      case state_type::stage::running: return static_cast<int>(TaskStatus::running);
      case state_type::stage::completed: return static_cast<int>(TaskStatus::completed);
      case state_type::stage::taken: return static_cast<int>(TaskStatus::taken);
      case state_type::stage::failed: break;
    }
    switch (s.error_->kind()) {
      case ErrorKind::cancelled: return static_cast<int>(TaskStatus::cancelled);
      case ErrorKind::panicked: return static_cast<int>(TaskStatus::panicked);
      default: return static_cast<int>(TaskStatus::failed);
    }
  }
  static int progress(handle_type *h, ffi_tasks_progress *out) noexcept {
#if FFI_TASKS_USE_EXCEPTIONS
    try {
#endif
      const Progress p = state(h).progress();
      out->done = p.done;
      out->total = p.total;
      state_last_error::ok();
      return 0;
#if FFI_TASKS_USE_EXCEPTIONS
    } catch (...) {
      state_last_error::set(Error(ErrorKind::failed, "ffi_tasks: progress() threw"));
      return -1;
    }
#endif
  }
  static int on_complete(handle_type *h, ffi_tasks_callback callback, void *user_data) noexcept {
    state_type &s = state(h);
    {
      std::lock_guard<std::mutex> lock(s.mutex_);
      if (s.has_callback_) {
        state_last_error::set(Error(ErrorKind::invalid_argument,
                                    "ffi_tasks: a completion callback is already registered"));
        return -1;
      }
      s.has_callback_ = true;
      state_last_error::ok();
      if (s.stage_ == state_type::stage::running) {
        s.callback_ = callback;
        s.user_data_ = user_data;
        return 0;
      }
    }
    callback(user_data);  // already finished: at once, on this thread
    return 0;
  }
  // Destroying a handle whose state still runs cancels it.
  static void handle_destroy(handle_type *h) noexcept {
    std::unique_ptr<handle_type> ref(h);
    if (!ref->state->finished()) {
      ref->state->cancel();
    }
  }
  static T adopt(T *result) {
    std::unique_ptr<T> owned(result);
    return T(std::move(*owned));
  }
  static int error_kind() noexcept { return state_last_error::get().kind; }
  static Error take_error(const char *operation) {
    auto &slot = state_last_error::get();
    if (!slot.error) {
      return Error(ErrorKind::failed,
                   std::string(operation) + " failed without reporting an error");
    }
    Error error = std::move(*slot.error);
    slot.error.reset();
    slot.kind = 0;
    return error;
  }
};

// A handle on `state` (one more reference to it).
template <class T>
TaskHandle<T> state_handle(std::shared_ptr<completion_state<T>> state) {
  return adopt_handle<state_backend<T>>(new state_ref<T>{std::move(state)});
}

}  // namespace detail
FFI_TASKS_END_NAMESPACE
