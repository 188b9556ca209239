// ffi_tasks/executor.hpp — executors: where a completion runs.
//
//   struct ui_thread {                      // anything with execute(f) or post(f)
//     void execute(std::function<void()> f) const { queue.push(std::move(f)); }
//   };
//   handle.on_complete(ui_thread{}, [] { show("done"); });   // f runs on the UI thread
//   T v = co_await std::move(handle).resume_on(ui_thread{}); // coroutine.hpp, C++20
//
// An executor is an object `ex` with `ex.execute(f)` or, failing that,
// `ex.post(f)`, taking a function of no arguments that it runs later,
// usually on a thread or event loop of its own: an asio executor
// (ffi_tasks/asio.hpp also accepts an io_context), a Qt object through
// QMetaObject::invokeMethod(obj, std::move(f), Qt::QueuedConnection), a
// thread pool, a test queue. A type whose member has another name
// specializes ffi_tasks::executor_traits.
//
// The library hands the executor a function that is copyable (if the user's
// function is) and cheap to move: std::function-based queues work.
//
// What the library does with a misbehaving executor:
//   - execute/post throws: the exception is caught (and described on
//     stderr); the function is destroyed without running.
//   - the executor drops the function (destroys it without running it, e.g.
//     a stopped event loop): it is destroyed, it does not run.
//   - the function throws when the executor runs it: the exception reaches
//     the executor (asio's io_context::run() rethrows it, for instance); the
//     library's state stays consistent.
// A registration keeps a copy of the executor (or what
// executor_traits<E>::hold gives), destroyed on the thread that hands the
// function over, just after; an executor that cannot be copied is held by
// reference. Either way it must outlive that hand-over.
#pragma once

#include <cstdio>
#include <exception>
#include <memory>
#include <type_traits>
#include <utility>

#include "ffi_tasks/detail/callback.hpp"
#include "ffi_tasks/detail/config.hpp"

FFI_TASKS_BEGIN_NAMESPACE

// How an executor of type E runs a function, for types whose member has
// another name: specialize it with a `template <class F> static void
// execute(E &, F &&)`. A specialization takes precedence over the members;
// the primary template is empty (then ex.execute(f), else ex.post(f)).
// A specialization may also say what a registration keeps of the executor
// until the completion is handed over, with a static `hold(E &)` returning
// an executor (asio.hpp keeps an executor counting as outstanding work, so
// that io_context::run() does not return while a completion is pending).
template <class E, class = void>
struct executor_traits {};

namespace detail {
template <class E>
constexpr bool executor_check();
}  // namespace detail

// Whether E (cv/ref removed) is an executor: it has execute(f) or post(f),
// or a specialization of executor_traits.
template <class E>
inline constexpr bool is_executor_v = detail::executor_check<E>();

// Runs `f` through `ex` (ex.execute(f) or ex.post(f)); may throw what the
// executor throws.
template <class E, class F>
void execute(E &ex, F &&f);

#if defined(__cpp_concepts) && __cpp_concepts >= 201907L
template <class E>
concept executor = is_executor_v<E>;
#endif

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

namespace detail {

// A function of no arguments, to probe executors with.
struct executor_probe {
  void operator()() const noexcept {}
};

template <class E, class = void>
struct has_execute : std::false_type {};
template <class E>
struct has_execute<E, std::void_t<decltype(std::declval<E &>().execute(executor_probe{}))>>
    : std::true_type {};

template <class E, class = void>
struct has_post : std::false_type {};
template <class E>
struct has_post<E, std::void_t<decltype(std::declval<E &>().post(executor_probe{}))>>
    : std::true_type {};

template <class E, class = void>
struct has_executor_traits : std::false_type {};
template <class E>
struct has_executor_traits<
    E, std::void_t<decltype(executor_traits<E>::execute(std::declval<E &>(), executor_probe{}))>>
    : std::true_type {};

}  // namespace detail

namespace detail {
template <class E>
constexpr bool executor_check() {
  using R = std::remove_reference_t<E>;
  return has_execute<R>::value || has_post<R>::value ||
         has_executor_traits<std::remove_cv_t<R>>::value;
}
}  // namespace detail

template <class E, class F>
void execute(E &ex, F &&f) {
  using D = std::remove_cv_t<E>;
  static_assert(detail::executor_check<E>(),
                "ffi_tasks: not an executor (needs execute(f) or post(f), or an "
                "ffi_tasks::executor_traits specialization)");
  if constexpr (detail::has_executor_traits<D>::value) {
    executor_traits<D>::execute(ex, std::forward<F>(f));
  } else if constexpr (detail::has_execute<E>::value) {
    ex.execute(std::forward<F>(f));
  } else {
    ex.post(std::forward<F>(f));
  }
}

namespace detail {

// Whether executor_traits<D> says what to keep of an executor (hold).
template <class D, class = void>
struct has_hold : std::false_type {};
template <class D>
struct has_hold<D, std::void_t<decltype(executor_traits<D>::hold(std::declval<D &>()))>>
    : std::true_type {};

// What a registration keeps of an executor: what executor_traits<E>::hold
// returns (an asio executor that counts as outstanding work, say), else a
// copy, else a pointer to one that cannot be copied (it must outlive the
// completion).
template <class E, class D = std::remove_cv_t<std::remove_reference_t<E>>,
          int Kind = has_hold<D>::value                     ? 0
                     : std::is_copy_constructible<D>::value ? 1
                                                            : 2>
struct stored_executor;

template <class E, class D>
struct stored_executor<E, D, 0> {
  using held_type = std::decay_t<decltype(executor_traits<D>::hold(std::declval<D &>()))>;
  held_type ex;
  explicit stored_executor(E &&e) : ex(executor_traits<D>::hold(e)) {}
  held_type &get() noexcept { return ex; }
};
template <class E, class D>
struct stored_executor<E, D, 1> {
  D ex;
  explicit stored_executor(E &&e) : ex(std::forward<E>(e)) {}
  D &get() noexcept { return ex; }
};
template <class E, class D>
struct stored_executor<E, D, 2> {
  static_assert(std::is_lvalue_reference<E>::value,
                "ffi_tasks: an executor that cannot be copied is held by reference: pass an "
                "lvalue that outlives the completion");
  std::remove_reference_t<E> *ex;
  explicit stored_executor(E &&e) noexcept : ex(&e) {}
  std::remove_reference_t<E> &get() noexcept { return *ex; }
};

// Describes an exception an executor threw (inside its handler).
inline void executor_threw() noexcept {
#if FFI_TASKS_USE_EXCEPTIONS
  std::fprintf(stderr, "ffi_tasks: an executor threw (the function was dropped): %s\n",
               current_exception_what());
#endif
}

// Hands `f` to the executor; never throws (see the header comment).
template <class Stored, class F>
void post_or_drop(Stored &stored, F &&f) noexcept {
#if FFI_TASKS_USE_EXCEPTIONS
  try {
    ::ffi_tasks::execute(stored.get(), std::forward<F>(f));
  } catch (...) {
    executor_threw();
  }
#else
  ::ffi_tasks::execute(stored.get(), std::forward<F>(f));
#endif
}

// The function an executor receives for on_complete(ex, f): copyable,
// sharing the user's function.
template <class F>
struct shared_call {
  std::shared_ptr<F> f;
  void operator()() const { (*f)(); }
};

}  // namespace detail

FFI_TASKS_END_NAMESPACE
