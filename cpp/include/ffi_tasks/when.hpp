// ffi_tasks/when.hpp — combinators: one TaskHandle for several.
//
//   auto both = ffi_tasks::when_all(ffi_tasks::spawn(CountPrimes{1000}), ffi_tasks::spawn(Add{1,
//   2})); auto [primes, sum] = std::move(both).wait();             // std::tuple<uint64_t,
//   uint64_t>
//
//   std::vector<ffi_tasks::TaskHandle<std::uint64_t>> many = ...;
//   auto first = ffi_tasks::when_any(std::move(many));       //
//   TaskHandle<when_any_result<uint64_t>> auto [index, value] = std::move(first).wait();
//
// Each returns a real TaskHandle (wait, wait_for, poll, cancel, status,
// on_complete, to_future, co_await, and it can be an input of another
// when_all/when_any), over Rust tasks and C++ jobs alike. No thread waits:
// the inputs' completion callbacks drive a shared state.
//
//   when_all   the values of all inputs, in argument order: a std::tuple
//              (variadic) or a std::vector (from a vector). Fails fast: the
//              first input to fail (error, panic, cancellation) fails it
//              with that error and cancels the others.
//   when_any   the index and value of the first input to finish; the others
//              are cancelled. If that first input failed, it fails with its
//              error. Each completion costs O(1) (cancelling the others,
//              once, O(n)).
//
// The inputs are consumed (moved into the combined handle) and each one's
// completion callback is used. Cancelling or destroying the combined handle
// cancels the inputs still running. progress() is {inputs finished, inputs}
// for when_all and {0 or 1, 1} for when_any.
//
// Bad input (nothing is consumed unless said otherwise):
//   - an empty (moved-from) handle among the inputs: throws UsageError;
//   - the same handle twice (when_all(std::move(h), std::move(h))):
//     throws InvalidArgument;
//   - an input whose completion callback is already used (on_complete,
//     to_future): throws InvalidArgument, and the inputs are consumed
//     (destroyed, cancelling their tasks);
//   - when_all() / when_all(empty vector): a handle already completed with
//     an empty tuple / vector;
//   - when_any(empty vector): throws InvalidArgument (nothing can be first);
//     when_any() with no arguments does not compile.
#pragma once

#include <atomic>
#include <cstddef>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/state_handle.hpp"
#include "ffi_tasks/status.hpp"
#include "ffi_tasks/task_handle.hpp"

FFI_TASKS_BEGIN_NAMESPACE

// What when_any gives: which input finished first, and its value.
template <class V>
struct when_any_result {
  std::size_t index = 0;
  V value;
};

template <class... Ts>
[[nodiscard]] TaskHandle<std::tuple<Ts...>> when_all(TaskHandle<Ts> &&...handles);
template <class T>
[[nodiscard]] TaskHandle<std::vector<T>> when_all(std::vector<TaskHandle<T>> &&handles);

template <class T0, class... Ts>
[[nodiscard]] TaskHandle<when_any_result<std::variant<T0, Ts...>>> when_any(
    TaskHandle<T0> &&first, TaskHandle<Ts> &&...rest);
template <class T>
[[nodiscard]] TaskHandle<when_any_result<T>> when_any(std::vector<TaskHandle<T>> &&handles);

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

namespace detail {

// Runs f() (which takes an input's result); an exception it throws (a
// value's move constructor, bad_alloc) becomes an Error.
template <class F>
void contain_into(F &&f, Error &error, bool &failed) noexcept {
#if FFI_TASKS_USE_EXCEPTIONS
  try {
    std::forward<F>(f)();
  } catch (...) {
    failed = true;
    error = Error(ErrorKind::failed, "ffi_tasks: taking an input's result threw",
                  std::current_exception());
  }
#else
  static_cast<void>(error);
  static_cast<void>(failed);
  std::forward<F>(f)();
#endif
}

inline Error bad_input(ErrorKind kind, const char *operation, std::size_t index, const char *what) {
  return Error(kind, std::string("ffi_tasks: ") + operation + "(): input " + std::to_string(index) +
                         " " + what);
}

// Checks the inputs before anything is consumed.
template <class... Ts>
void check_inputs(const char *operation, const TaskHandle<Ts> &...handles) {
  const void *addresses[] = {static_cast<const void *>(&handles)..., nullptr};
  const bool valid[] = {handles.valid()..., true};
  constexpr std::size_t n = sizeof...(Ts);
  for (std::size_t i = 0; i < n; ++i) {
    if (!valid[i]) {
      throw_error(bad_input(ErrorKind::usage, operation, i,
                            "is an empty TaskHandle (moved from, consumed, or reset)"));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (addresses[i] == addresses[j]) {
        throw_error(bad_input(ErrorKind::invalid_argument, operation, i,
                              "is the same handle as an earlier one"));
      }
    }
  }
}

template <class T>
void check_inputs(const char *operation, const std::vector<TaskHandle<T>> &handles) {
  for (std::size_t i = 0; i < handles.size(); ++i) {
    if (!handles[i].valid()) {
      throw_error(bad_input(ErrorKind::usage, operation, i,
                            "is an empty TaskHandle (moved from, consumed, or reset)"));
    }
  }
}

// ----- when_all over a vector

template <class T>
class all_of_vector final : public completion_state<std::vector<T>> {
 public:
  explicit all_of_vector(std::vector<TaskHandle<T>> &&inputs)
      : inputs_(std::move(inputs)), slots_(inputs_.size()), remaining_(inputs_.size()) {}

  static TaskHandle<std::vector<T>> start(std::vector<TaskHandle<T>> &&inputs) {
    auto state = std::make_shared<all_of_vector>(std::move(inputs));
    TaskHandle<std::vector<T>> combined = state_handle<std::vector<T>>(state);
    if (state->inputs_.empty()) {
      state->complete(std::vector<T>());
      return combined;
    }
    for (std::size_t i = 0; i < state->inputs_.size(); ++i) {
      Result<void> registered =
          state->inputs_[i].try_on_complete([state, i]() noexcept { state->input_done(i); });
      if (!registered) {
        throw_error(bad_input(registered.error().kind(), "when_all", i,
                              "cannot take its completion callback (on_complete or "
                              "to_future used it)"));
      }
    }
    return combined;
  }

  Progress progress() const override {
    const std::size_t n = inputs_.size();
    return Progress{n - remaining_.load(std::memory_order_acquire), n};
  }

 private:
  void on_cancel() noexcept override {
    for (const auto &input : inputs_) {
      static_cast<void>(input.try_cancel());
    }
  }

  void input_done(std::size_t i) noexcept {
    if (failed_.load(std::memory_order_acquire)) {
      return;
    }
    Error error(ErrorKind::none, "");
    bool failed = false;
    contain_into(
        [&] {
          Result<std::optional<T>> result = inputs_[i].try_poll();
          if (!result) {
            failed = true;
            error = result.error();
          } else if (!*result) {
            failed = true;
            error = Error(ErrorKind::failed,
                          "ffi_tasks: completion callback ran before the task finished");
          } else {
            slots_[i].emplace(std::move(**result));
          }
        },
        error, failed);
    if (failed) {
      // The first failure only (the others may be the cancellations it
      // causes); the rest are cancelled before fail() runs the combined
      // handle's continuation, which may wait for them.
      if (!failed_.exchange(true, std::memory_order_acq_rel)) {
        on_cancel();
        this->fail(std::move(error));
      }
      return;
    }
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // Every slot is filled, and each filling happened before this.
      contain_into(
          [&] {
            std::vector<T> values;
            values.reserve(slots_.size());
            for (auto &slot : slots_) {
              values.push_back(std::move(*slot));
            }
            this->complete(std::move(values));
          },
          error, failed);
      if (failed) {
        this->fail(std::move(error));
      }
    }
  }

  std::vector<TaskHandle<T>> inputs_;
  std::vector<std::optional<T>> slots_;
  std::atomic<std::size_t> remaining_;
  std::atomic<bool> failed_{false};
};

// ----- when_any over a vector

template <class T>
class any_of_vector final : public completion_state<when_any_result<T>> {
 public:
  explicit any_of_vector(std::vector<TaskHandle<T>> &&inputs) : inputs_(std::move(inputs)) {}

  static TaskHandle<when_any_result<T>> start(std::vector<TaskHandle<T>> &&inputs) {
    auto state = std::make_shared<any_of_vector>(std::move(inputs));
    TaskHandle<when_any_result<T>> combined = state_handle<when_any_result<T>>(state);
    for (std::size_t i = 0; i < state->inputs_.size(); ++i) {
      Result<void> registered =
          state->inputs_[i].try_on_complete([state, i]() noexcept { state->input_done(i); });
      if (!registered) {
        throw_error(bad_input(registered.error().kind(), "when_any", i,
                              "cannot take its completion callback (on_complete or "
                              "to_future used it)"));
      }
    }
    return combined;
  }

 private:
  void on_cancel() noexcept override {
    for (const auto &input : inputs_) {
      static_cast<void>(input.try_cancel());
    }
  }

  // O(1) for every input but the first to finish.
  void input_done(std::size_t i) noexcept {
    if (won_.exchange(true, std::memory_order_acq_rel)) {
      return;
    }
    // The others first: complete() or fail() runs the combined handle's
    // continuation, which may wait for them (this input has finished).
    on_cancel();
    Error error(ErrorKind::none, "");
    bool failed = false;
    contain_into(
        [&] {
          Result<std::optional<T>> result = inputs_[i].try_poll();
          if (!result) {
            failed = true;
            error = result.error();
          } else if (!*result) {
            failed = true;
            error = Error(ErrorKind::failed,
                          "ffi_tasks: completion callback ran before the task finished");
          } else {
            this->complete(when_any_result<T>{i, std::move(**result)});
          }
        },
        error, failed);
    if (failed) {
      this->fail(std::move(error));
    }
  }

  std::vector<TaskHandle<T>> inputs_;
  std::atomic<bool> won_{false};
};

// ----- variadic forms

template <class... Ts>
class all_of_tuple final : public completion_state<std::tuple<Ts...>> {
  using indices = std::index_sequence_for<Ts...>;

 public:
  explicit all_of_tuple(TaskHandle<Ts> &&...inputs)
      : inputs_(std::move(inputs)...), remaining_(sizeof...(Ts)) {}

  static TaskHandle<std::tuple<Ts...>> start(std::shared_ptr<all_of_tuple> state) {
    TaskHandle<std::tuple<Ts...>> combined = state_handle<std::tuple<Ts...>>(state);
    if constexpr (sizeof...(Ts) == 0) {
      state->complete(std::tuple<>());
    } else {
      state->attach_all(state, indices{});
    }
    return combined;
  }

  Progress progress() const override {
    return Progress{sizeof...(Ts) - remaining_.load(std::memory_order_acquire), sizeof...(Ts)};
  }

 private:
  template <std::size_t... I>
  void attach_all(const std::shared_ptr<all_of_tuple> &self, std::index_sequence<I...>) {
    (attach<I>(self), ...);
  }
  template <std::size_t I>
  void attach(const std::shared_ptr<all_of_tuple> &self) {
    Result<void> registered =
        std::get<I>(inputs_).try_on_complete([self]() noexcept { self->template input_done<I>(); });
    if (!registered) {
      throw_error(bad_input(registered.error().kind(), "when_all", I,
                            "cannot take its completion callback (on_complete or "
                            "to_future used it)"));
    }
  }

  void on_cancel() noexcept override {
    std::apply([](const auto &...input) { (static_cast<void>(input.try_cancel()), ...); }, inputs_);
  }

  template <std::size_t I>
  void input_done() noexcept {
    if (failed_.load(std::memory_order_acquire)) {
      return;
    }
    Error error(ErrorKind::none, "");
    bool failed = false;
    contain_into(
        [&] {
          auto result = std::get<I>(inputs_).try_poll();
          if (!result) {
            failed = true;
            error = result.error();
          } else if (!*result) {
            failed = true;
            error = Error(ErrorKind::failed,
                          "ffi_tasks: completion callback ran before the task finished");
          } else {
            std::get<I>(slots_).emplace(std::move(**result));
          }
        },
        error, failed);
    if (failed) {
      // The first failure only (the others may be the cancellations it
      // causes); the rest are cancelled before fail() runs the combined
      // handle's continuation, which may wait for them.
      if (!failed_.exchange(true, std::memory_order_acq_rel)) {
        on_cancel();
        this->fail(std::move(error));
      }
      return;
    }
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      contain_into(
          [&] {
            this->complete(std::apply(
                [](auto &...slot) { return std::tuple<Ts...>(std::move(*slot)...); }, slots_));
          },
          error, failed);
      if (failed) {
        this->fail(std::move(error));
      }
    }
  }

  std::tuple<TaskHandle<Ts>...> inputs_;
  std::tuple<std::optional<Ts>...> slots_;
  std::atomic<std::size_t> remaining_;
  std::atomic<bool> failed_{false};
};

template <class... Ts>
class any_of_tuple final : public completion_state<when_any_result<std::variant<Ts...>>> {
  using result_type = when_any_result<std::variant<Ts...>>;

 public:
  explicit any_of_tuple(TaskHandle<Ts> &&...inputs) : inputs_(std::move(inputs)...) {}

  static TaskHandle<result_type> start(std::shared_ptr<any_of_tuple> state) {
    TaskHandle<result_type> combined = state_handle<result_type>(state);
    state->attach_all(state, std::index_sequence_for<Ts...>{});
    return combined;
  }

 private:
  template <std::size_t... I>
  void attach_all(const std::shared_ptr<any_of_tuple> &self, std::index_sequence<I...>) {
    (attach<I>(self), ...);
  }
  template <std::size_t I>
  void attach(const std::shared_ptr<any_of_tuple> &self) {
    Result<void> registered =
        std::get<I>(inputs_).try_on_complete([self]() noexcept { self->template input_done<I>(); });
    if (!registered) {
      throw_error(bad_input(registered.error().kind(), "when_any", I,
                            "cannot take its completion callback (on_complete or "
                            "to_future used it)"));
    }
  }

  void on_cancel() noexcept override {
    std::apply([](const auto &...input) { (static_cast<void>(input.try_cancel()), ...); }, inputs_);
  }

  template <std::size_t I>
  void input_done() noexcept {
    if (won_.exchange(true, std::memory_order_acq_rel)) {
      return;
    }
    // The others first: complete() or fail() runs the combined handle's
    // continuation, which may wait for them (this input has finished).
    on_cancel();
    Error error(ErrorKind::none, "");
    bool failed = false;
    contain_into(
        [&] {
          auto result = std::get<I>(inputs_).try_poll();
          if (!result) {
            failed = true;
            error = result.error();
          } else if (!*result) {
            failed = true;
            error = Error(ErrorKind::failed,
                          "ffi_tasks: completion callback ran before the task finished");
          } else {
            this->complete(
                result_type{I, std::variant<Ts...>(std::in_place_index<I>, std::move(**result))});
          }
        },
        error, failed);
    if (failed) {
      this->fail(std::move(error));
    }
  }

  std::tuple<TaskHandle<Ts>...> inputs_;
  std::atomic<bool> won_{false};
};

}  // namespace detail

template <class... Ts>
TaskHandle<std::tuple<Ts...>> when_all(TaskHandle<Ts> &&...handles) {
  detail::check_inputs("when_all", handles...);
  return detail::all_of_tuple<Ts...>::start(
      std::make_shared<detail::all_of_tuple<Ts...>>(std::move(handles)...));
}

template <class T>
TaskHandle<std::vector<T>> when_all(std::vector<TaskHandle<T>> &&handles) {
  detail::check_inputs("when_all", handles);
  return detail::all_of_vector<T>::start(std::move(handles));
}

template <class T0, class... Ts>
TaskHandle<when_any_result<std::variant<T0, Ts...>>> when_any(TaskHandle<T0> &&first,
                                                              TaskHandle<Ts> &&...rest) {
  detail::check_inputs("when_any", first, rest...);
  return detail::any_of_tuple<T0, Ts...>::start(
      std::make_shared<detail::any_of_tuple<T0, Ts...>>(std::move(first), std::move(rest)...));
}

template <class T>
TaskHandle<when_any_result<T>> when_any(std::vector<TaskHandle<T>> &&handles) {
  if (handles.empty()) {
    throw_error(Error(ErrorKind::invalid_argument,
                      "ffi_tasks: when_any() of no handles: nothing can finish first"));
  }
  detail::check_inputs("when_any", handles);
  return detail::any_of_vector<T>::start(std::move(handles));
}

FFI_TASKS_END_NAMESPACE
