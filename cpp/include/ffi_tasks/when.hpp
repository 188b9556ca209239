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

// ----- the two shapes of inputs
//
// An input's index is a std::size_t for a vector and a
// std::integral_constant<std::size_t, I> for a tuple (std::get needs it at
// compile time); both convert to std::size_t.

template <class T>
struct vector_inputs {
  using handles = std::vector<TaskHandle<T>>;
  using slots = std::vector<std::optional<T>>;
  using all_result = std::vector<T>;
  using any_result = when_any_result<T>;

  static std::size_t size(const handles &inputs) { return inputs.size(); }
  static slots make_slots(const handles &inputs) { return slots(inputs.size()); }
  template <class F>
  static void for_each_index(std::size_t n, F &&f) {
    for (std::size_t i = 0; i < n; ++i) {
      f(i);
    }
  }
  template <class Items>
  static auto &at(Items &items, std::size_t i) {
    return items[i];
  }
  static all_result collect(slots &filled) {
    std::vector<T> values;
    values.reserve(filled.size());
    for (auto &slot : filled) {
      values.push_back(std::move(*slot));
    }
    return values;
  }
  static any_result first(std::size_t i, T &&value) { return any_result{i, std::move(value)}; }
};

template <class... Ts>
struct tuple_inputs {
  using handles = std::tuple<TaskHandle<Ts>...>;
  using slots = std::tuple<std::optional<Ts>...>;
  using all_result = std::tuple<Ts...>;
  using any_result = when_any_result<std::variant<Ts...>>;

  static constexpr std::size_t size(const handles &) { return sizeof...(Ts); }
  static slots make_slots(const handles &) { return slots(); }
  template <class F>
  static void for_each_index(std::size_t, F &&f) {
    each(f, std::index_sequence_for<Ts...>{});
  }
  template <class Items, std::size_t I>
  static auto &at(Items &items, std::integral_constant<std::size_t, I>) {
    return std::get<I>(items);
  }
  static all_result collect(slots &filled) {
    return std::apply([](auto &...slot) { return all_result(std::move(*slot)...); }, filled);
  }
  template <std::size_t I, class V>
  static any_result first(std::integral_constant<std::size_t, I>, V &&value) {
    return any_result{I, std::variant<Ts...>(std::in_place_index<I>, std::forward<V>(value))};
  }

 private:
  template <class F, std::size_t... I>
  static void each(F &f, std::index_sequence<I...>) {
    (f(std::integral_constant<std::size_t, I>{}), ...);
  }
};

// ----- what when_all and when_any share
//
// A combined handle's state: it owns the inputs, takes each one's
// completion callback (which calls Derived::input_done(index)), and cancels
// them all when cancelled.
template <class Inputs, class R>
class combined_state : public completion_state<R> {
 protected:
  // The inputs: a vector of handles, or the handles of a tuple (taken
  // straight from the caller's arguments).
  template <class... Handles>
  explicit combined_state(Handles &&...inputs) : inputs_(std::forward<Handles>(inputs)...) {}

  std::size_t size() const { return Inputs::size(inputs_); }

  // Registers on every input; throws if one's completion callback is used.
  template <class Derived>
  static void attach_all(const std::shared_ptr<Derived> &self, const char *operation) {
    Inputs::for_each_index(self->size(), [&](auto index) {
      Result<void> registered =
          Inputs::at(self->inputs_, index).try_on_complete([self, index]() noexcept {
            self->input_done(index);
          });
      if (!registered) {
        throw_error(bad_input(registered.error().kind(), operation, index,
                              "cannot take its completion callback (on_complete or "
                              "to_future used it)"));
      }
    });
  }

  void on_cancel() noexcept override {
    Inputs::for_each_index(
        size(), [this](auto index) { static_cast<void>(Inputs::at(inputs_, index).try_cancel()); });
  }

  // Takes the value of the input at index (which has finished) and passes
  // it to use; if the input failed, or that threw, sets failed and error.
  template <class Index, class Use>
  void take(Index index, Error &error, bool &failed, Use &&use) noexcept {
    contain_into(
        [&] {
          auto result = Inputs::at(inputs_, index).try_poll();
          if (!result) {
            failed = true;
            error = result.error();
          } else if (!*result) {
            failed = true;
            error = Error(ErrorKind::failed,
                          "ffi_tasks: completion callback ran before the task finished");
          } else {
            use(std::move(**result));
          }
        },
        error, failed);
  }

  typename Inputs::handles inputs_;
};

// ----- when_all: fails fast, else the values in order

template <class Inputs>
class all_of final : public combined_state<Inputs, typename Inputs::all_result> {
  using result_type = typename Inputs::all_result;
  using base = combined_state<Inputs, result_type>;
  friend base;

 public:
  template <class... Handles>
  explicit all_of(Handles &&...inputs)
      : base(std::forward<Handles>(inputs)...),
        slots_(Inputs::make_slots(this->inputs_)),
        remaining_(this->size()) {}

  template <class... Handles>
  static TaskHandle<result_type> start(Handles &&...inputs) {
    auto state = std::make_shared<all_of>(std::forward<Handles>(inputs)...);
    TaskHandle<result_type> combined = state_handle<result_type>(state);
    if (state->size() == 0) {
      state->complete(Inputs::collect(state->slots_));
      return combined;
    }
    base::attach_all(state, "when_all");
    return combined;
  }

  Progress progress() const override {
    const std::size_t n = this->size();
    return Progress{n - remaining_.load(std::memory_order_acquire), n};
  }

 private:
  template <class Index>
  void input_done(Index index) noexcept {
    if (failed_.load(std::memory_order_acquire)) {
      return;
    }
    Error error(ErrorKind::none, "");
    bool failed = false;
    this->take(index, error, failed,
               [&](auto &&value) { Inputs::at(slots_, index).emplace(std::move(value)); });
    if (failed) {
      // The first failure only (the others may be the cancellations it
      // causes); the rest are cancelled before fail() runs the combined
      // handle's continuation, which may wait for them.
      if (!failed_.exchange(true, std::memory_order_acq_rel)) {
        this->on_cancel();
        this->fail(std::move(error));
      }
      return;
    }
    if (remaining_.fetch_sub(1, std::memory_order_acq_rel) == 1) {
      // Every slot is filled, and each filling happened before this.
      contain_into([&] { this->complete(Inputs::collect(slots_)); }, error, failed);
      if (failed) {
        this->fail(std::move(error));
      }
    }
  }

  typename Inputs::slots slots_;
  std::atomic<std::size_t> remaining_;
  std::atomic<bool> failed_{false};
};

// ----- when_any: the first to finish wins, the others are cancelled

template <class Inputs>
class any_of final : public combined_state<Inputs, typename Inputs::any_result> {
  using result_type = typename Inputs::any_result;
  using base = combined_state<Inputs, result_type>;
  friend base;

 public:
  template <class... Handles>
  explicit any_of(Handles &&...inputs) : base(std::forward<Handles>(inputs)...) {}

  template <class... Handles>
  static TaskHandle<result_type> start(Handles &&...inputs) {
    auto state = std::make_shared<any_of>(std::forward<Handles>(inputs)...);
    TaskHandle<result_type> combined = state_handle<result_type>(state);
    base::attach_all(state, "when_any");
    return combined;
  }

 private:
  // O(1) for every input but the first to finish.
  template <class Index>
  void input_done(Index index) noexcept {
    if (won_.exchange(true, std::memory_order_acq_rel)) {
      return;
    }
    // The others first: complete() or fail() runs the combined handle's
    // continuation, which may wait for them (this input has finished).
    this->on_cancel();
    Error error(ErrorKind::none, "");
    bool failed = false;
    this->take(index, error, failed,
               [&](auto &&value) { this->complete(Inputs::first(index, std::move(value))); });
    if (failed) {
      this->fail(std::move(error));
    }
  }

  std::atomic<bool> won_{false};
};

}  // namespace detail

template <class... Ts>
TaskHandle<std::tuple<Ts...>> when_all(TaskHandle<Ts> &&...handles) {
  detail::check_inputs("when_all", handles...);
  return detail::all_of<detail::tuple_inputs<Ts...>>::start(std::move(handles)...);
}

template <class T>
TaskHandle<std::vector<T>> when_all(std::vector<TaskHandle<T>> &&handles) {
  detail::check_inputs("when_all", handles);
  return detail::all_of<detail::vector_inputs<T>>::start(std::move(handles));
}

template <class T0, class... Ts>
TaskHandle<when_any_result<std::variant<T0, Ts...>>> when_any(TaskHandle<T0> &&first,
                                                              TaskHandle<Ts> &&...rest) {
  detail::check_inputs("when_any", first, rest...);
  return detail::any_of<detail::tuple_inputs<T0, Ts...>>::start(std::move(first),
                                                                std::move(rest)...);
}

template <class T>
TaskHandle<when_any_result<T>> when_any(std::vector<TaskHandle<T>> &&handles) {
  if (handles.empty()) {
    throw_error(Error(ErrorKind::invalid_argument,
                      "ffi_tasks: when_any() of no handles: nothing can finish first"));
  }
  detail::check_inputs("when_any", handles);
  return detail::any_of<detail::vector_inputs<T>>::start(std::move(handles));
}

FFI_TASKS_END_NAMESPACE
