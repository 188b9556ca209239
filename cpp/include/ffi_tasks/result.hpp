// ffi_tasks/result.hpp — Result<T>: a value or an ffi_tasks::Error, returned
// by the non-throwing try_* forms (the only way to handle errors when the
// program is built with -fno-exceptions).
#pragma once

#include <optional>
#include <type_traits>
#include <utility>
#include <variant>

#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"

FFI_TASKS_BEGIN_NAMESPACE

// Holds either a T or an Error (never both, never neither).
template <class T>
class [[nodiscard]] Result {
 public:
  using value_type = T;

  Result(T value) : state_(std::in_place_index<0>, std::move(value)) {}
  Result(Error error) : state_(std::in_place_index<1>, std::move(error)) {}

  bool has_value() const noexcept { return state_.index() == 0; }
  explicit operator bool() const noexcept { return has_value(); }

  // The value; throws the error (as its typed exception) when there is none.
  T &value() &;
  const T &value() const &;
  T &&value() &&;

  // Unchecked access: only when has_value().
  T &operator*() &noexcept { return *std::get_if<0>(&state_); }
  const T &operator*() const &noexcept { return *std::get_if<0>(&state_); }
  T &&operator*() &&noexcept { return std::move(*std::get_if<0>(&state_)); }
  T *operator->() noexcept { return std::get_if<0>(&state_); }
  const T *operator->() const noexcept { return std::get_if<0>(&state_); }

  // The error: only when !has_value().
  const Error &error() const &noexcept { return *std::get_if<1>(&state_); }

 private:
  void check() const;
  std::variant<T, Error> state_;
};

// Success without a value, or an Error.
template <>
class [[nodiscard]] Result<void> {
 public:
  using value_type = void;

  Result() noexcept = default;
  Result(Error error) : error_(std::move(error)) {}

  bool has_value() const noexcept { return !error_.has_value(); }
  explicit operator bool() const noexcept { return has_value(); }

  // Throws the error (as its typed exception) if there is one.
  void value() const {
    if (error_) {
      throw_error(*error_);
    }
  }

  // The error: only when !has_value().
  const Error &error() const &noexcept { return *error_; }

 private:
  std::optional<Error> error_;
};

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

template <class T>
void Result<T>::check() const {
  if (const Error *error = std::get_if<1>(&state_)) {
    throw_error(*error);
  }
}

template <class T>
T &Result<T>::value() & {
  check();
  return **this;
}

template <class T>
const T &Result<T>::value() const & {
  check();
  return **this;
}

template <class T>
T &&Result<T>::value() && {
  check();
  return std::move(**this);
}

FFI_TASKS_END_NAMESPACE
