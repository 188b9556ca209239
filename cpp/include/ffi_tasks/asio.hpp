// ffi_tasks/asio.hpp — standalone asio (1.22 or later, header <asio.hpp>)
// adapter:
//
//   asio::io_context io;
//   handle.on_complete(io, [] { ... });                 // runs inside io.run()
//   ffi_tasks::async_wait(std::move(handle), [](std::exception_ptr e, std::uint64_t n) { ... });
//   std::future<std::uint64_t> f = ffi_tasks::async_wait(std::move(h), asio::use_future);
//   std::uint64_t n = co_await ffi_tasks::async_wait(std::move(h), asio::use_awaitable);
//
// Executors: an io_context and every asio executor (io_context::executor_type,
// strands, thread_pool executors, any_io_executor) are ffi_tasks executors
// (executor.hpp); functions go through asio::post, so they never run inline
// inside the call that hands them over. A pending on_complete / resume_on /
// on_progress keeps an executor that counts as outstanding work until its
// completion is handed over: io_context::run() does not return before
// (so, as for any asio operation, let run() return before destroying the
// io_context; a task that never finishes keeps run() running).
//
// async_wait(std::move(handle), token) follows asio's completion-token
// protocol (asio::async_initiate) with the signature
// void(std::exception_ptr, T): on success (nullptr, value); on failure the
// task's typed exception (the one wait() throws) and a value-initialized T
// (so T must be default-constructible). The handler runs through its
// associated executor (asio::bind_executor(io, f) for a plain callback,
// the coroutine's executor for use_awaitable), never inside async_wait.
// While the task runs it counts as outstanding work of that executor, so
// io_context::run() does not return before it finishes. A connected
// cancellation slot (asio::bind_cancellation_slot) cancels the task on any
// cancellation type; the handler then gets TaskCancelled. Consumes the
// handle (an empty one throws UsageError) and uses its one completion
// callback (one already used: the handler gets InvalidArgument). If the
// executor is destroyed before it runs the completion, the handler is
// destroyed without being called (as for any asio operation). If run()
// exits by an exception (a handler threw), call it again (after restart())
// before destroying the io_context: pending completions still count on it.
#pragma once

#include <asio.hpp>
#include <exception>
#include <memory>
#include <optional>
#include <type_traits>
#include <utility>

#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/executor.hpp"
#include "ffi_tasks/task_handle.hpp"

#if !FFI_TASKS_USE_EXCEPTIONS
#error "ffi_tasks/asio.hpp needs exceptions: async_wait reports errors as std::exception_ptr"
#endif

FFI_TASKS_BEGIN_NAMESPACE

namespace detail {
// An asio executor that counts as outstanding work, where it can.
template <class E>
auto asio_tracked(const E &ex) {
  if constexpr (asio::can_prefer<const E &,
                                 asio::execution::outstanding_work_t::tracked_t>::value) {
    return asio::prefer(ex, asio::execution::outstanding_work.tracked);
  } else {
    return ex;
  }
}
}  // namespace detail

// An io_context is an executor: functions are posted to it. A registration
// keeps its executor as outstanding work, so run() waits for the
// completion (and returns after it).
template <>
struct executor_traits<asio::io_context> {
  static auto hold(asio::io_context &io) { return detail::asio_tracked(io.get_executor()); }
  template <class F>
  static void execute(asio::io_context &io, F &&f) {
    asio::post(io, std::forward<F>(f));
  }
};

// So is every asio executor: asio::post, never inline (asio's own
// execute() may run a function at once on the context's thread).
template <class E>
struct executor_traits<
    E, std::enable_if_t<asio::execution::is_executor<E>::value || asio::is_executor<E>::value>> {
  static auto hold(const E &ex) { return detail::asio_tracked(ex); }
  template <class F>
  static void execute(E &ex, F &&f) {
    asio::post(ex, std::forward<F>(f));
  }
};

template <class T, class CompletionToken>
auto async_wait(TaskHandle<T> &&handle, CompletionToken &&token);

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

namespace detail {

// One async_wait operation: the handle, the handler, and the work that
// keeps the handler's executor busy until the completion.
template <class T, class Handler>
struct asio_wait_op {
  using executor_type = asio::associated_executor_t<Handler>;

  asio_wait_op(TaskHandle<T> &&h, Handler &&hd)
      : handle(std::move(h)),
        handler(std::move(hd)),
        work(std::in_place, asio::prefer(asio::get_associated_executor(handler),
                                         asio::execution::outstanding_work.tracked)) {}

  // Posts the completion to the handler's executor (from any thread).
  // The op's work is released here, once the completion is queued (which
  // counts as work itself): whatever runs after this function touches
  // nothing of the executor's context.
  static void post_completion(const std::shared_ptr<asio_wait_op> &op) noexcept {
    auto work = std::move(*op->work);
    op->work.reset();
    try {
      asio::post(work, [op]() { op->complete(); });
    } catch (...) {
      executor_threw();
    }
  }

  // On the handler's executor.
  void complete() {
    auto slot = asio::get_associated_cancellation_slot(handler);
    if (slot.is_connected()) {
      slot.clear();
    }
    std::exception_ptr error;
    std::optional<T> value;
    if (registration_error) {
      error = to_exception_ptr(*registration_error);
    } else {
      Result<std::optional<T>> result = handle.try_poll();
      if (!result) {
        error = to_exception_ptr(result.error());
      } else if (!*result) {
        error = std::make_exception_ptr(Error(
            ErrorKind::failed, "ffi_tasks: completion callback ran before the task finished"));
      } else {
        value.emplace(std::move(**result));
      }
    }
    handle.reset();
    Handler h = std::move(handler);
    if (value) {
      std::move(h)(std::exception_ptr(), std::move(*value));
    } else {
      std::move(h)(error, T{});
    }
  }

  TaskHandle<T> handle;
  Handler handler;
  std::optional<std::decay_t<decltype(asio::prefer(std::declval<executor_type>(),
                                                   asio::execution::outstanding_work.tracked))>>
      work;
  std::optional<Error> registration_error;
};

// Cancels the task when the handler's cancellation slot is signalled. It
// lives in the signal, which may outlive the op (an io_context destroyed
// with the completion queued destroys the op unrun, and the slot is not
// cleared: the signal may already be gone), so it holds the op weakly.
template <class Op>
struct asio_cancel_op {
  std::weak_ptr<Op> op;
  void operator()(asio::cancellation_type) const noexcept {
    if (std::shared_ptr<Op> alive = op.lock()) {
      static_cast<void>(alive->handle.try_cancel());
    }
  }
};

template <class T>
struct asio_wait_initiation {
  template <class Handler>
  void operator()(Handler &&handler, TaskHandle<T> handle) const {
    using op_type = asio_wait_op<T, std::decay_t<Handler>>;
    auto op = std::make_shared<op_type>(std::move(handle), std::forward<Handler>(handler));
    auto slot = asio::get_associated_cancellation_slot(op->handler);
    if (slot.is_connected()) {
      // Cleared by complete(); until then the op is reached only if alive.
      slot.template emplace<asio_cancel_op<op_type>>(asio_cancel_op<op_type>{op});
    }
    Result<void> registered =
        op->handle.try_on_complete([op]() noexcept { op_type::post_completion(op); });
    if (!registered) {
      op->registration_error = registered.error();
      op_type::post_completion(op);
    }
  }
};

}  // namespace detail

template <class T, class CompletionToken>
auto async_wait(TaskHandle<T> &&handle, CompletionToken &&token) {
  static_assert(std::is_default_constructible<T>::value,
                "async_wait: T must be default-constructible (the value passed with an error)");
  if (!handle.valid()) {
    throw_error(detail::empty_handle_error("async_wait"));
  }
  return asio::async_initiate<CompletionToken, void(std::exception_ptr, T)>(
      detail::asio_wait_initiation<T>{}, token, std::move(handle));
}

FFI_TASKS_END_NAMESPACE
