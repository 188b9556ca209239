// ffi_tasks/progress.hpp — progress pushed to an executor:
//
//   handle.on_progress(ui, [](ffi_tasks::Progress p) { bar.set(p.fraction()); },
//                      std::chrono::milliseconds(100));
//
// f(Progress) runs through the executor `ui` (executor.hpp) while the task
// runs: at most once per `min_interval`, only when the progress changed
// since the last call (a task that never reports gets no call), and, once
// the task has finished, with its last progress if that one was not
// delivered yet — no sooner than `min_interval` after the previous call.
// All calls are handed to the executor from one thread, in order.
//
// How: the task's progress lives in Rust behind a mutex and is read on
// demand (src/cancel.rs); rather than a Rust hook per report, one timer
// thread for the whole process (started on first use) samples each watched
// handle once per interval, and the task's completion callback schedules
// the last report. Hence the costs: one sample (a mutex lock in Rust) per
// handle per interval, none per report.
//
// on_progress replaces the handle's contents with a handle to the same
// task (same type, same behaviour: wait, poll, cancel, on_complete, ...)
// that the watch also holds, so the watch stays valid whatever the caller
// does with the handle; destroying it still cancels the task. Like reset()
// it needs exclusive access to the handle. It uses the task's completion
// callback: call it before on_complete/to_future/co_await (which then use
// the new handle's own), or it throws InvalidArgument.
//
// min_interval: zero or negative means 1 ms; NaN throws InvalidArgument
// (nothing changes); a huge one (duration::max(), 2^40 ms or more) means
// "no periodic report", only the last one. An empty handle throws
// UsageError; a null function pointer or empty std::function, NullPointer.
// An executor that throws or drops a report loses that report (executor.hpp);
// a callback that throws: the executor gets the exception.
#pragma once

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <queue>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/detail/timeout.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/executor.hpp"
#include "ffi_tasks/state_handle.hpp"
#include "ffi_tasks/status.hpp"
#include "ffi_tasks/task_handle.hpp"

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

using progress_clock = std::chrono::steady_clock;

// One watched handle, as the timer sees it.
class progress_watch_base {
 public:
  virtual ~progress_watch_base() = default;
  // A sample due at `now`, scheduled as `generation`: delivers a report if
  // one is due, and says when to sample next (nullopt: never again, or a
  // stale entry).
  virtual std::optional<progress_clock::time_point> tick(progress_clock::time_point now,
                                                         std::uint64_t generation) noexcept = 0;
};

// The process-wide timer thread (started on first use, never stopped: a
// task may finish while the program exits).
class progress_timer {
 public:
  static progress_timer &instance() {
    static progress_timer *timer = new progress_timer();
    return *timer;
  }

  void schedule(std::shared_ptr<progress_watch_base> watch, progress_clock::time_point due,
                std::uint64_t generation) {
    std::lock_guard<std::mutex> lock(mutex_);
    entries_.push(entry{due, generation, std::move(watch)});
    changed_.notify_one();
  }

 private:
  struct entry {
    progress_clock::time_point due;
    std::uint64_t generation;
    std::shared_ptr<progress_watch_base> watch;
  };
  struct later {
    bool operator()(const entry &a, const entry &b) const noexcept { return a.due > b.due; }
  };

  progress_timer() {
    std::thread([this] { run(); }).detach();
  }

  void run() noexcept {
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      if (entries_.empty()) {
        changed_.wait(lock);
        continue;
      }
      const progress_clock::time_point due = entries_.top().due;
      if (progress_clock::now() < due) {
        changed_.wait_until(lock, due);
        continue;
      }
      entry next = entries_.top();
      entries_.pop();
      lock.unlock();
      const std::optional<progress_clock::time_point> again =
          next.watch->tick(progress_clock::now(), next.generation);
      if (again) {
        next.due = *again;
        lock.lock();
        entries_.push(std::move(next));
      } else {
        next.watch.reset();  // may destroy the watch: outside the lock
        lock.lock();
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable changed_;
  std::priority_queue<entry, std::vector<entry>, later> entries_;
};

// From 2^40 ms (about 35 years) on: no periodic sample.
inline constexpr std::uint64_t no_periodic_report_ms = std::uint64_t{1} << 40;

// The watch: owns the watched handle, forwards its outcome to the new
// handle's state, and reports through the executor.
template <class T, class Executor, class F>
class progress_watch final : public completion_state<T>,
                             public progress_watch_base,
                             public std::enable_shared_from_this<progress_watch<T, Executor, F>> {
 public:
  progress_watch(TaskHandle<T> &&inner, Executor &&ex, F &&f, std::uint64_t interval_ms)
      : inner_(std::move(inner)),
        executor_(std::forward<Executor>(ex)),
        f_(std::make_shared<std::decay_t<F>>(std::forward<F>(f))),
        // Clamped: from no_periodic_report_ms on it is not used, and in
        // nanoseconds it would overflow (2^63 ns is about 292 years).
        interval_(std::chrono::milliseconds(
            std::clamp<std::uint64_t>(interval_ms, 1, no_periodic_report_ms))),
        periodic_(interval_ms < no_periodic_report_ms) {}

  // The new handle; on failure (the completion callback is used) nothing
  // is registered and release() gives the watched handle back.
  static Result<TaskHandle<T>> start(const std::shared_ptr<progress_watch> &self) {
    Result<void> registered =
        self->inner_.try_on_complete([self]() noexcept { self->inner_done(); });
    if (!registered) {
      return Error(registered.error().kind(),
                   std::string("ffi_tasks: on_progress() needs the task's completion callback, "
                               "already used (call on_progress first): ") +
                       registered.error().what());
    }
    TaskHandle<T> outer = state_handle<T>(self);
    if (self->periodic_) {
      progress_timer::instance().schedule(self, progress_clock::now() + self->interval_, 0);
    }
    return outer;
  }

  // Gives the watched handle back (start failed): nothing else holds it.
  TaskHandle<T> release() noexcept { return std::move(inner_); }

  Progress progress() const override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (finished_) {
        return final_;
      }
    }
    return inner_.try_progress().value();
  }

  std::optional<progress_clock::time_point> tick(progress_clock::time_point now,
                                                 std::uint64_t generation) noexcept override {
    bool last = false;
    Progress sample;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (generation != generation_ || done_) {
        return std::nullopt;
      }
      last = finished_;
      if (last) {
        sample = final_;
        done_ = true;
      }
    }
    if (!last) {
      Result<Progress> read = inner_.try_progress();
      if (!read) {
        return now + interval_;  // try again next time
      }
      sample = *read;
    }
    if (sample != delivered_) {
      delivered_ = sample;
      {
        std::lock_guard<std::mutex> lock(mutex_);
        last_report_ = now;
        has_reported_ = true;
      }
      // Outside the lock: an inline executor runs the callback here, and
      // it may call back into the handle (progress() takes the lock).
      post_or_drop(executor_, report{f_, sample});
    }
    if (last) {
      return std::nullopt;
    }
    return now + interval_;
  }

 private:
  struct report {
    std::shared_ptr<std::decay_t<F>> f;
    Progress progress;
    void operator()() const { (*f)(progress); }
  };

  void on_cancel() noexcept override { static_cast<void>(inner_.try_cancel()); }

  // The watched task finished (on the thread that finished it).
  void inner_done() noexcept {
    Progress last;
    if (Result<Progress> read = inner_.try_progress()) {
      last = *read;
    }
    progress_clock::time_point due;
    std::uint64_t generation = 0;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      finished_ = true;
      final_ = last;
      generation = ++generation_;
      due = progress_clock::now();
      if (has_reported_ && periodic_) {
        due = std::max(due, last_report_ + interval_);
      }
    }
    take_outcome();
    // The last report: scheduled whatever happens to the handles.
#if FFI_TASKS_USE_EXCEPTIONS
    try {
#endif
      progress_timer::instance().schedule(this->shared_from_this(), due, generation);
#if FFI_TASKS_USE_EXCEPTIONS
    } catch (...) {  // bad_alloc: the last report is lost
    }
#endif
  }

  void take_outcome() noexcept {
#if FFI_TASKS_USE_EXCEPTIONS
    try {
#endif
      Result<std::optional<T>> result = inner_.try_poll();
      if (!result) {
        this->fail(result.error());
      } else if (!*result) {
        this->fail(Error(ErrorKind::failed,
                         "ffi_tasks: completion callback ran before the task finished"));
      } else {
        this->complete(std::move(**result));
      }
#if FFI_TASKS_USE_EXCEPTIONS
    } catch (...) {
      this->fail(Error(ErrorKind::failed, "ffi_tasks: taking the task's result threw",
                       std::current_exception()));
    }
#endif
  }

  TaskHandle<T> inner_;
  stored_executor<Executor> executor_;
  std::shared_ptr<std::decay_t<F>> f_;
  progress_clock::duration interval_;
  bool periodic_;
  // Only the timer thread touches delivered_.
  Progress delivered_{};
  mutable std::mutex mutex_;
  bool finished_ = false;
  bool done_ = false;
  bool has_reported_ = false;
  Progress final_{};
  progress_clock::time_point last_report_{};
  std::uint64_t generation_ = 0;
};

template <class T>
struct progress_interop {
  template <class Executor, class F, class Rep, class Period>
  static void watch(TaskHandle<T> &handle, Executor &&ex, F &&f,
                    const std::chrono::duration<Rep, Period> &min_interval) {
    static_assert(is_executor_v<Executor>,
                  "on_progress(ex, f, interval): ex must have execute(f) or post(f)");
    static_assert(std::is_invocable<std::decay_t<F> &, Progress>::value,
                  "on_progress(ex, f, interval): f must be callable with a Progress");
    if (!handle.valid()) {
      throw_error(empty_handle_error("on_progress"));
    }
    if (is_null_callback(f)) {
      throw_error(
          Error(ErrorKind::null_pointer, "ffi_tasks: on_progress() called with a null callback"));
    }
    Result<std::uint64_t> ms = timeout_ms(min_interval, "on_progress", "min_interval");
    if (!ms) {
      throw_error(ms.error());
    }
    using watch_type = progress_watch<T, Executor, F>;
    auto state = std::make_shared<watch_type>(std::move(handle), std::forward<Executor>(ex),
                                              std::forward<F>(f), *ms);
    Result<TaskHandle<T>> started = watch_type::start(state);
    if (!started) {
      handle = state->release();
      throw_error(started.error());
    }
    handle = std::move(*started);
  }
};

}  // namespace detail
FFI_TASKS_END_NAMESPACE
