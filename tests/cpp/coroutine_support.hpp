// Coroutine types for the tests (where the library has coroutines):
//   Eager<T>   starts at once; hands its result (or exception) to a
//              std::future
//   Detached   starts at once and destroys its own frame when it ends
//              (wherever it resumed), so the test thread never touches a
//              frame another thread runs; an exception it lets out ends the
//              program
//   Frame      starts at once; its frame lives until its owner destroys it,
//              suspended or not, as a framework's task type does (on
//              shutdown, when a request is dropped, ...)
#pragma once

#include "ffi_tasks/detail/config.hpp"

#if FFI_TASKS_HAS_COROUTINES
#include <coroutine>
#include <exception>
#include <future>
#include <utility>

namespace test_support {

template <class T>
struct Eager {
  struct promise_type {
    std::promise<T> result;
    Eager get_return_object() { return Eager{result.get_future()}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_value(T value) { result.set_value(std::move(value)); }
    void unhandled_exception() { result.set_exception(std::current_exception()); }
  };
  std::future<T> future;
};

struct Detached {
  struct promise_type {
    Detached get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };
};

class Frame {
 public:
  struct promise_type {
    Frame get_return_object() noexcept {
      return Frame(std::coroutine_handle<promise_type>::from_promise(*this));
    }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_always final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept { std::terminate(); }
  };

  Frame(Frame &&other) noexcept : coroutine_(std::exchange(other.coroutine_, nullptr)) {}
  Frame &operator=(Frame &&) = delete;
  ~Frame() { destroy(); }

  // Suspended (not finished): at a co_await.
  bool suspended() const { return coroutine_ && !coroutine_.done(); }
  // Finished: at its final suspend point.
  bool done() const { return coroutine_ && coroutine_.done(); }
  void destroy() {
    if (coroutine_) {
      std::exchange(coroutine_, nullptr).destroy();
    }
  }

 private:
  explicit Frame(std::coroutine_handle<promise_type> coroutine) : coroutine_(coroutine) {}
  std::coroutine_handle<promise_type> coroutine_;
};

}  // namespace test_support
#endif
