// ffi_tasks/qt.hpp — Qt 6: task completions and progress delivered on a
// QObject's thread (usually the GUI thread), so that callbacks may touch
// widgets. Needs Qt 6 (QtCore); not included by ffi_tasks.hpp.
//
//   auto h = ffi_tasks::spawn(CountPrimes{10'000'000});    // a member of `window`
//   ffi_tasks::qt::on_progress(h, bar, [bar](ffi_tasks::Progress p) {
//     bar->setValue(int(p.fraction().value_or(0) * 100));  // on bar's thread
//   }, std::chrono::milliseconds(50));
//   ffi_tasks::qt::on_complete(h, window, [window] { window->show_result(); });
//
// Threading contract (docs/qt.md):
//   - A function given to qt::executor{obj}.execute(f), or to on_complete
//     with context `obj`, runs on obj's thread, from its event loop, as a
//     queued call. If obj is destroyed first (before the call is queued, or
//     while it waits in the queue), f is destroyed without running, on the
//     thread that dropped it. If obj's thread never runs its event loop
//     again, f never runs (it is destroyed with obj).
//   - f may delete obj, and may call back into the library.
//   - f may throw: the exception is caught on obj's thread and reported with
//     qCritical (fatal under QT_FATAL_CRITICALS=1); the event loop goes on.
//     Exceptions must not unwind through Qt's event loop.
//   - on_complete leaves the handle with the caller and never touches it
//     after registering: the handle may be destroyed (cancelling the task)
//     at any time; f still runs once the task has finished, unless the
//     context object is gone. f reads the handle (poll()) only if it knows
//     the handle still exists: keep the handle in the context object, or in
//     an object the context owns, so that both go together.
//   - on_progress reads the handle from a QTimer on the context's thread:
//     the reference form needs the handle object to outlive the watch (keep
//     it in the context object, or end the watch first by deleting the
//     context); the shared_ptr form keeps the handle alive while it watches.
#pragma once

#include <QtCore/QMetaObject>
#include <QtCore/QObject>
#include <QtCore/QPointer>
#include <QtCore/QThread>
#include <QtCore/QTimer>
#include <QtCore/QtGlobal>

#include <algorithm>
#include <chrono>
#include <climits>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <type_traits>
#include <utility>

#include "ffi_tasks/detail/callback.hpp"
#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/result.hpp"
#include "ffi_tasks/status.hpp"
#include "ffi_tasks/task_handle.hpp"

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {
class qt_gate;
}  // namespace detail

namespace qt {

// Runs functions on a QObject's thread: execute(f) queues f there
// (QMetaObject::invokeMethod(obj, f, Qt::QueuedConnection)) and returns at
// once; f is dropped if obj is destroyed before it runs. Copies share one
// watch on obj. Any thread may call execute(); construct it while obj is
// alive (typically on obj's thread). It has `execute(f)` and `post(f)`, so
// it is an executor for the handle's generic on_complete(ex, f) too.
class executor {
 public:
  // An executor that drops every function (as for a destroyed object).
  executor() noexcept = default;
  // Watches `object` (null: drops every function).
  explicit executor(QObject *object);

  // Queues `f()` (a callable of no arguments, copied or moved) to run on the
  // object's thread. Throws only what copying or moving f, or allocating
  // the queued call (std::bad_alloc), throws; f is then not queued.
  template <class F>
  void execute(F &&f) const;
  template <class F>
  void post(F &&f) const {
    execute(std::forward<F>(f));
  }

  // Whether the object still exists (it may be destroyed right after).
  bool alive() const;

 private:
  std::shared_ptr<detail::qt_gate> gate_;
};

// Runs `f()` on `context`'s thread once the task has finished (built on the
// handle's one completion callback: a second on_complete, to_future or
// co_await on the handle throws InvalidArgument). The handle stays with the
// caller; see the contract above. Throws NullPointer for a null context or
// null f, UsageError for an empty handle (registering nothing).
template <class T, class F>
void on_complete(TaskHandle<T> &handle, QObject *context, F &&f);
template <class T, class F>
[[nodiscard]] Result<void> try_on_complete(TaskHandle<T> &handle, QObject *context, F &&f);

// Calls `f(Progress)` on `context`'s thread while the task runs, from a
// QTimer (a child of context) that reads the handle's progress every
// `min_interval`: only when the progress changed, never twice within
// `min_interval` (from the end of one call to the start of the next, by
// std::chrono::steady_clock), and always with the final progress once the
// task has finished (within about one interval), after which the watch
// ends and f is destroyed. It also ends when context
// is destroyed, when the handle is empty (reset, moved from), or when f
// throws (reported with qCritical). An interval below 1 ms counts as 1 ms;
// one above INT_MAX ms as INT_MAX ms. Called on another thread than
// context's, the watch starts from context's event loop. Does not use the
// handle's completion callback: combine it with on_complete freely. Throws
// NullPointer for a null context and UsageError for an empty handle.
template <class T, class F>
void on_progress(const TaskHandle<T> &handle, QObject *context, F &&f,
                 std::chrono::milliseconds min_interval);
// The same, sharing ownership of the handle until the watch ends.
template <class T, class F>
void on_progress(std::shared_ptr<TaskHandle<T>> handle, QObject *context, F &&f,
                 std::chrono::milliseconds min_interval);

}  // namespace qt

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

namespace detail {

// Runs a user callback on the object's thread: an exception must not unwind
// through Qt's event loop, so it is reported and dropped. Returns whether f
// returned normally.
template <class F, class... Args>
bool qt_invoke(const char *what, F &f, Args &&...args) noexcept {
#if FFI_TASKS_USE_EXCEPTIONS
  try {
    f(std::forward<Args>(args)...);
    return true;
  } catch (const std::exception &e) {
    qCritical("ffi_tasks::qt: %s threw an exception: %s", what, e.what());
  } catch (...) {
    qCritical("ffi_tasks::qt: %s threw an exception (not a std::exception)", what);
  }
  return false;
#else
  f(std::forward<Args>(args)...);
  return true;
#endif
}

// The queued call: f, run on the object's thread.
template <class F>
struct qt_queued_call {
  F f;
  void operator()() { static_cast<void>(qt_invoke("a queued callback", f)); }
};

// The object an executor posts to, and whether it still exists. Posting
// and the object's destroyed() signal take the same mutex, so a post either
// happens before the object starts dying (Qt then removes the queued call
// with the object's other posted events, in ~QObject, after destroyed())
// or sees the object gone. A QPointer alone would leave a window between
// the check and the post.
class qt_gate {
 public:
  explicit qt_gate(QObject *object) noexcept : object_(object) {}
  qt_gate(const qt_gate &) = delete;
  qt_gate &operator=(const qt_gate &) = delete;
  // The connection is thread-safe to disconnect, from any thread, even
  // after the object is gone.
  ~qt_gate() { QObject::disconnect(connection_); }

  static std::shared_ptr<qt_gate> watch(QObject *object) {
    auto gate = std::make_shared<qt_gate>(object);
    std::weak_ptr<qt_gate> weak = gate;
    // No context object: a direct call, on the thread destroying `object`.
    gate->connection_ = QObject::connect(object, &QObject::destroyed, [weak] {
      if (std::shared_ptr<qt_gate> alive = weak.lock()) {
        alive->close();
      }
    });
    return gate;
  }

  // Built before taking the mutex, so that user code (f's copy or
  // destruction) runs outside it, except for moved-from copies.
  template <class F>
  void post(F &&f) {
    qt_queued_call<std::decay_t<F>> call{std::forward<F>(f)};
    const std::lock_guard<std::mutex> lock(mutex_);
    if (object_ != nullptr) {
      QMetaObject::invokeMethod(object_, std::move(call), Qt::QueuedConnection);
    }
  }

  bool alive() {
    const std::lock_guard<std::mutex> lock(mutex_);
    return object_ != nullptr;
  }

 private:
  void close() {
    const std::lock_guard<std::mutex> lock(mutex_);
    object_ = nullptr;
  }

  std::mutex mutex_;
  QObject *object_;  // null once destroyed() was emitted
  QMetaObject::Connection connection_;
};

inline std::chrono::milliseconds qt_clamp_interval(std::chrono::milliseconds interval) noexcept {
  return std::clamp(interval, std::chrono::milliseconds(1), std::chrono::milliseconds(INT_MAX));
}

// The progress watch: `get()` gives the handle (or null), `f(Progress)`.
template <class Get, class F>
struct qt_progress_watch {
  Get get;
  F f;
  std::chrono::milliseconds interval;
  std::optional<Progress> last{};
  std::optional<std::chrono::steady_clock::time_point> last_time{};

  // One timer tick; false: the watch is over.
  bool tick() {
    const auto *handle = get();
    if (handle == nullptr || !handle->valid()) {
      return false;
    }
    // Status first: once it says finished, the progress read after it is
    // the final one.
    const auto status = handle->try_status();
    const auto progress = handle->try_progress();
    if (!status || !progress) {
      return false;
    }
    if (!last || *last != *progress) {
      const auto now = std::chrono::steady_clock::now();
      if (last_time && now - *last_time < interval) {
        return true;  // too soon (a timer may fire early): next tick
      }
      last = *progress;
      const bool returned = qt_invoke("an on_progress callback", f, *progress);
      // From the end of this call: the next one starts min_interval later
      // at the earliest, however long this one took.
      last_time = std::chrono::steady_clock::now();
      if (!returned) {
        return false;
      }
    }
    return *status == TaskStatus::running;
  }
};

template <class Get, class F>
void qt_start_progress_watch(QObject *context, Get get, F f, std::chrono::milliseconds interval) {
  auto *timer = new QTimer(context);
  timer->setTimerType(Qt::PreciseTimer);
  timer->setInterval(static_cast<int>(interval.count()));
  // The watch lives in the connection, destroyed with the timer (and so
  // with context).
  QObject::connect(
      timer, &QTimer::timeout, timer,
      [timer, watch = qt_progress_watch<Get, F>{std::move(get), std::move(f), interval}]() mutable {
        // f may delete the context, and so the timer (Qt keeps this
        // connection alive until the call returns).
        const QPointer<QTimer> alive(timer);
        if (!watch.tick() && alive) {
          timer->stop();
          timer->deleteLater();
        }
      });
  timer->start();
}

// on_progress's common part: `get` gives the handle, `first` is it now.
template <class T, class Get, class F>
void qt_on_progress(const TaskHandle<T> *first, Get get, QObject *context, F &&f,
                    std::chrono::milliseconds min_interval) {
  static_assert(std::is_invocable<std::decay_t<F> &, Progress>::value,
                "qt::on_progress: f must be callable with a Progress");
  if (context == nullptr) {
    throw_error(Error(ErrorKind::null_pointer,
                      "ffi_tasks: qt::on_progress() called with a null context object"));
  }
  if (first == nullptr || !first->valid()) {
    throw_error(empty_handle_error("qt::on_progress"));
  }
  const auto interval = qt_clamp_interval(min_interval);
  std::decay_t<F> fn(std::forward<F>(f));
  if (QThread::currentThread() == context->thread()) {
    qt_start_progress_watch(context, std::move(get), std::move(fn), interval);
  } else {
    // A QObject's children are created on its thread.
    qt::executor(context).execute(
        [context, get = std::move(get), fn = std::move(fn), interval]() mutable {
          qt_start_progress_watch(context, std::move(get), std::move(fn), interval);
        });
  }
}

}  // namespace detail

namespace qt {

inline executor::executor(QObject *object)
    : gate_(object != nullptr ? detail::qt_gate::watch(object) : nullptr) {}

template <class F>
void executor::execute(F &&f) const {
  static_assert(std::is_invocable<std::decay_t<F> &>::value,
                "qt::executor: f must be callable with no arguments");
  if (gate_ != nullptr) {
    gate_->post(std::forward<F>(f));
  }
}

inline bool executor::alive() const { return gate_ != nullptr && gate_->alive(); }

template <class T, class F>
Result<void> try_on_complete(TaskHandle<T> &handle, QObject *context, F &&f) {
  static_assert(std::is_invocable<std::decay_t<F> &>::value,
                "qt::on_complete: f must be callable with no arguments");
  if (context == nullptr) {
    return Error(ErrorKind::null_pointer,
                 "ffi_tasks: qt::on_complete() called with a null context object");
  }
  if (detail::is_null_callback(f)) {
    return Error(ErrorKind::null_pointer,
                 "ffi_tasks: qt::on_complete() called with a null callback");
  }
  if (!handle.valid()) {
    return detail::empty_handle_error("qt::on_complete");
  }
  // Runs on a worker (or here, if the task has finished): it only queues fn.
  return handle.try_on_complete(
      [ex = executor(context), fn = std::decay_t<F>(std::forward<F>(f))]() mutable noexcept {
#if FFI_TASKS_USE_EXCEPTIONS
        try {
          ex.execute(std::move(fn));
        } catch (...) {
          qCritical("ffi_tasks::qt: could not queue an on_complete callback; it does not run");
        }
#else
        ex.execute(std::move(fn));
#endif
      });
}

template <class T, class F>
void on_complete(TaskHandle<T> &handle, QObject *context, F &&f) {
  try_on_complete(handle, context, std::forward<F>(f)).value();
}

template <class T, class F>
void on_progress(const TaskHandle<T> &handle, QObject *context, F &&f,
                 std::chrono::milliseconds min_interval) {
  const TaskHandle<T> *ptr = &handle;
  detail::qt_on_progress(
      ptr, [ptr] { return ptr; }, context, std::forward<F>(f), min_interval);
}

template <class T, class F>
void on_progress(std::shared_ptr<TaskHandle<T>> handle, QObject *context, F &&f,
                 std::chrono::milliseconds min_interval) {
  const TaskHandle<T> *ptr = handle.get();
  detail::qt_on_progress(
      ptr, [owned = std::move(handle)] { return static_cast<const TaskHandle<T> *>(owned.get()); },
      context, std::forward<F>(f), min_interval);
}

}  // namespace qt
FFI_TASKS_END_NAMESPACE
