// ffi_tasks/detail/job_backend.hpp — the TaskHandle backend of C++ jobs run
// on the Rust pool (ffi_tasks/spawn.hpp): the CppJob that runs the callable,
// the state it leaves for the handle, and the traits that drive the
// ffi_tasks_job_* functions of the C ABI. Not public API.
#pragma once

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>

#if __has_include(<cxxabi.h>)
#include <cxxabi.h>
#define FFI_TASKS_HAS_CXXABI_ 1
#else
#define FFI_TASKS_HAS_CXXABI_ 0
#endif

#include "ffi_tasks/cpp_job.hpp"
#include "ffi_tasks/detail/backend.hpp"
#include "ffi_tasks/detail/bridge_api.hpp"
#include "ffi_tasks/detail/c_api.hpp"
#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/ffi_tasks.h"
#include "ffi_tasks/result.hpp"
#include "ffi_tasks/task_handle.hpp"
#include "ffi_tasks/token.hpp"
#include "ffi_tasks_bridge/bridge.h"
#include "rust/cxx.h"

#if !FFI_TASKS_USE_EXCEPTIONS
#error "ffi_tasks/detail/job_backend.hpp (C++ jobs) needs exceptions"
#endif

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

// What a job leaves for its handle. Written once by the job on its worker,
// read by the handle only after Rust reported the job finished; `finished`
// makes that order visible to tools that cannot see Rust's own locks (TSan).
template <class T>
struct job_state {
  std::optional<T> value;
  std::exception_ptr error;
  std::atomic<bool> finished{false};
};

// The demangled type of the exception being handled ("std::runtime_error").
inline std::string current_exception_type_name() {
#if FFI_TASKS_HAS_CXXABI_
  const std::type_info *type = abi::__cxa_current_exception_type();
  if (type == nullptr) {
    return "<unknown>";
  }
  int status = 0;
  std::unique_ptr<char, void (*)(void *)> demangled(
      abi::__cxa_demangle(type->name(), nullptr, nullptr, &status), &std::free);
  return status == 0 && demangled ? std::string(demangled.get()) : std::string(type->name());
#else
  return "<unknown type>";
#endif
}

// "C++ exception <type>: <what>" for the exception being handled (no what()
// for one that is not a std::exception). Only call it inside a catch block.
inline rust::String describe_current_exception() noexcept {
  try {
    std::string text = "C++ exception " + current_exception_type_name();
    try {
      throw;
    } catch (const std::exception &e) {
      text += ": ";
      text += e.what();
    } catch (...) {
    }
    return rust::String::lossy(text);
  } catch (...) {
    return rust::String::lossy("C++ exception (could not be described)");
  }
}

// The CppJob Rust runs: calls the callable once, keeps its value or its
// exception in the shared state, and tells Rust how it ended. The callable is
// destroyed in run(), right after the call: a destructor that throws
// (noexcept(false)) then fails the job with its exception, rather than
// escaping into Rust (which would end the program). A job destroyed unrun
// (spawned under a cancelled token, or when the pool refused it) drops such
// an exception: nobody waits for that job's outcome.
template <class F, class T>
class callable_job final : public ::ffi_tasks::bridge::CppJob {
 public:
  callable_job(F &&callable, std::shared_ptr<job_state<T>> state)
      : callable_(std::move(callable)), state_(std::move(state)) {}
  callable_job(const callable_job &) = delete;
  callable_job &operator=(const callable_job &) = delete;
  ~callable_job() noexcept override { destroy_callable(); }

  std::uint8_t run(const CancellationToken &token, rust::String &error) noexcept override {
    std::uint8_t outcome = completed;
    try {
      if constexpr (std::is_void<std::invoke_result_t<F, const CancellationToken &>>::value) {
        std::invoke(std::move(callable_), token);
        state_->value.emplace();
      } else {
        state_->value.emplace(std::invoke(std::move(callable_), token));
      }
    } catch (const TaskCancelled &) {
      state_->error = std::current_exception();
      error = describe_current_exception();
      outcome = cancelled;
    } catch (...) {
      state_->error = std::current_exception();
      error = describe_current_exception();
      outcome = failed;
    }
    std::exception_ptr thrown = destroy_callable();
    if (thrown && outcome == completed) {
      state_->error = thrown;
      try {
        std::rethrow_exception(thrown);
      } catch (...) {
        error = describe_current_exception();
      }
      outcome = failed;
    }
    state_->finished.store(true, std::memory_order_release);
    return outcome;
  }

 private:
  // Destroys the callable (once) and returns what its destructor threw.
  std::exception_ptr destroy_callable() noexcept {
    if (!alive_) {
      return nullptr;
    }
    alive_ = false;
    try {
      callable_.~F();
    } catch (...) {
      return std::current_exception();
    }
    return nullptr;
  }

  union {
    F callable_;  // alive while alive_; destroyed by destroy_callable
  };
  bool alive_ = true;
  std::shared_ptr<job_state<T>> state_;
};

// The exception of the job whose handle call just failed, kept for the
// take_error that TaskHandle makes next on the same thread.
inline std::exception_ptr &pending_job_exception() noexcept {
  thread_local std::exception_ptr pending;
  return pending;
}

// The bridge's JobHandle as the C ABI's opaque ffi_tasks_job_handle (the
// same Rust object: the ffi_tasks_job_* functions take it by pointer).
inline ffi_tasks_job_handle *c_job(::ffi_tasks::bridge::JobHandle *handle) noexcept {
  return reinterpret_cast<ffi_tasks_job_handle *>(handle);
}

// The raw handle a TaskHandle<T> holds for a C++ job. `consumed`: wait()
// gave the Rust handle up and returned this object as the "result", which
// adopt then frees.
template <class T>
struct job_handle {
  ::ffi_tasks::bridge::JobHandle *rust = nullptr;
  std::shared_ptr<job_state<T>> state;
  bool consumed = false;
};

// The TaskHandle backend of C++ jobs (see task_traits.hpp for the contract):
// the ffi_tasks_job_* functions, the value and exception from job_state.
template <class T>
struct job_traits {
  using handle_type = job_handle<T>;
  using output_type = job_handle<T>;
  using value_type = T;

  static output_type *poll(handle_type *h) noexcept {
    return finish(h, ffi_tasks_job_poll(c_job(h->rust)));
  }
  static output_type *wait_timeout(handle_type *h, std::uint64_t ms) noexcept {
    return finish(h, ffi_tasks_job_wait_timeout(c_job(h->rust), ms));
  }
  static output_type *wait(handle_type *h) noexcept {
    void *done = ffi_tasks_job_wait(c_job(std::exchange(h->rust, nullptr)));
    if (done != nullptr) {
      h->consumed = true;
      return h;
    }
    stash_exception(h);
    delete h;
    return nullptr;
  }
  static void cancel(handle_type *h) noexcept { ffi_tasks_job_cancel(c_job(h->rust)); }
  static int cancelled(handle_type *h) noexcept { return ffi_tasks_job_cancelled(c_job(h->rust)); }
  static int status(handle_type *h) noexcept { return ffi_tasks_job_status(c_job(h->rust)); }
  static int progress(handle_type *h, ffi_tasks_progress *out) noexcept {
    return ffi_tasks_job_progress(c_job(h->rust), out);
  }
  static int on_complete(handle_type *h, ffi_tasks_callback callback, void *data) noexcept {
    return ffi_tasks_job_on_complete(c_job(h->rust), callback, data);
  }
  static void handle_destroy(handle_type *h) noexcept {
    ffi_tasks_job_handle_destroy(c_job(h->rust));
    delete h;
  }
  static void result_destroy(output_type *) noexcept {}  // adopt does it

  // Moves the value out of a finished job's state (once: Rust reports every
  // later take as AlreadyTaken first).
  static T adopt(output_type *h) {
    struct free_if_consumed {
      job_handle<T> *h;
      ~free_if_consumed() {
        if (h->consumed) {
          delete h;
        }
      }
    } guard{h};
    job_state<T> &state = *h->state;
    if (!state.finished.load(std::memory_order_acquire) || !state.value) {
      throw_error(Error(ErrorKind::failed, "ffi_tasks: a finished C++ job left no value"));
    }
    T value(std::move(*state.value));
    state.value.reset();
    return value;
  }

  static int error_kind() noexcept { return c_last_error_kind(); }

  // The error of the failed call: the job's own exception when the task
  // failed or was cancelled by throwing (rethrown by the throwing forms),
  // else what Rust reported (AlreadyTaken, SpawnFailed, ...).
  static Error take_error(const char *operation) {
    Error error = c_take_error(operation);
    std::exception_ptr original = std::exchange(pending_job_exception(), nullptr);
    if (original) {
      return Error(error.kind(), error.what(), std::move(original));
    }
    return error;
  }

 private:
  static output_type *finish(handle_type *h, void *done) noexcept {
    if (done != nullptr) {
      return h;
    }
    stash_exception(h);
    return nullptr;
  }

  // After a failed take: if Rust reported the job's own failure (not a
  // timeout, AlreadyTaken, ...), keep its exception for take_error.
  static void stash_exception(handle_type *h) noexcept {
    const int kind = c_last_error_kind();
    job_state<T> &state = *h->state;
    if ((kind == static_cast<int>(ErrorKind::failed) ||
         kind == static_cast<int>(ErrorKind::cancelled)) &&
        state.finished.load(std::memory_order_acquire) && state.error) {
      pending_job_exception() = std::exchange(state.error, nullptr);
    } else {
      pending_job_exception() = nullptr;
    }
  }
};

template <class F>
using job_t = std::decay_t<F>;

// Packages `callable` and starts it with `start(std::unique_ptr<CppJob>)`.
template <class T, class F, class Start>
Result<TaskHandle<T>> spawn_job(F &&callable, Start start) {
  static_assert(std::is_nothrow_destructible<T>::value,
                "ffi_tasks::spawn: a C++ job's result type needs a non-throwing destructor (a "
                "result nobody takes is destroyed where no exception can go)");
  auto state = std::make_shared<job_state<T>>();
  std::unique_ptr<::ffi_tasks::bridge::CppJob> job(
      new callable_job<job_t<F>, T>(job_t<F>(std::forward<F>(callable)), state));
  std::unique_ptr<job_handle<T>> handle(new job_handle<T>{nullptr, std::move(state), false});
  try {
    handle->rust = start(std::move(job));
  } catch (const ::rust::Error &error) {
    return bridge_error(error.what());
  }
  return adopt_handle<job_traits<T>>(handle.release());
}

}  // namespace detail
FFI_TASKS_END_NAMESPACE
