// ffi_tasks/error.hpp — errors: the kinds, the exception hierarchy, the
// std::error_category, and the one helper every throw goes through.
//
// A Rust error reaches C++ as `ffi_tasks::Error` (or the subclass for its
// kind) whose what() is the Rust message, cause chain included, e.g.
// "task failed with code 7: while reading input: root cause".
#pragma once

#include <cstdio>
#include <cstdlib>
#include <exception>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <type_traits>
#include <utility>

#include "ffi_tasks/detail/c_api.hpp"
#include "ffi_tasks/detail/config.hpp"

FFI_TASKS_BEGIN_NAMESPACE

// What went wrong. The values 0-9 are the C ABI's ffi_tasks_error_kind;
// `usage` is C++-only (a call on an empty TaskHandle).
enum class ErrorKind : int {
  none = FFI_TASKS_ERROR_NONE,
  failed = FFI_TASKS_ERROR_FAILED,                // the task returned an error of its own
  cancelled = FFI_TASKS_ERROR_CANCELLED,          // the task stopped because it was cancelled
  panicked = FFI_TASKS_ERROR_PANICKED,            // the task (or a Rust hook) panicked
  null_pointer = FFI_TASKS_ERROR_NULL_POINTER,    // a required pointer was null
  already_taken = FFI_TASKS_ERROR_ALREADY_TAKEN,  // the result was taken by an earlier poll/wait
  invalid_argument = FFI_TASKS_ERROR_INVALID_ARGUMENT,  // bad argument or not allowed in this state
  timed_out = FFI_TASKS_ERROR_TIMED_OUT,        // a timed wait returned before the task finished
  spawn_failed = FFI_TASKS_ERROR_SPAWN_FAILED,  // the task could not be started
  invalid_handle = FFI_TASKS_ERROR_INVALID_HANDLE,  // a dead or forged handle (registry builds)
  usage = 100,                                      // C++ misuse: the TaskHandle is empty
};
// Every C kind has an enumerator (the last one is invalid_handle), and
// `usage` stays clear of them.
static_assert(static_cast<int>(ErrorKind::invalid_handle) + 1 == FFI_TASKS_ERROR_KINDS,
              "ErrorKind misses a C error kind");
static_assert(static_cast<int>(ErrorKind::usage) >= FFI_TASKS_ERROR_KINDS,
              "ErrorKind::usage collides with a C error kind");

// Stable lower-case name ("cancelled", "usage", ...), "unknown" otherwise.
constexpr std::string_view to_string(ErrorKind kind) noexcept;

// The category of std::error_codes holding an ErrorKind (name "ffi_tasks").
const std::error_category &error_category() noexcept;
std::error_code make_error_code(ErrorKind kind) noexcept;

// Base of every ffi_tasks exception; also the error held by Result<T>.
// Copyable (noexcept), what() is the message exactly as Rust wrote it.
class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string &message);
  Error(ErrorKind kind, const char *message);

  // An error standing for a C++ exception (a C++ job threw it, see
  // spawn.hpp): throw_error rethrows `original` itself, type and all.
  Error(ErrorKind kind, const std::string &message, std::exception_ptr original);

  ErrorKind kind() const noexcept { return kind_; }
  std::error_code code() const noexcept { return make_error_code(kind_); }
  // The C++ exception this error stands for; null for a Rust error.
  const std::exception_ptr &original() const noexcept { return original_; }

 private:
  ErrorKind kind_;
  std::exception_ptr original_;
};

// One exception type per kind; catch the base to handle them all.
#define FFI_TASKS_DEFINE_ERROR_(Name, Kind)                                        \
  class Name final : public Error {                                                \
   public:                                                                         \
    explicit Name(const std::string &message) : Error(ErrorKind::Kind, message) {} \
  }
FFI_TASKS_DEFINE_ERROR_(TaskFailed, failed);
FFI_TASKS_DEFINE_ERROR_(TaskCancelled, cancelled);
FFI_TASKS_DEFINE_ERROR_(TaskPanicked, panicked);
FFI_TASKS_DEFINE_ERROR_(NullPointer, null_pointer);
FFI_TASKS_DEFINE_ERROR_(AlreadyTaken, already_taken);
FFI_TASKS_DEFINE_ERROR_(InvalidArgument, invalid_argument);
FFI_TASKS_DEFINE_ERROR_(TimedOut, timed_out);
FFI_TASKS_DEFINE_ERROR_(SpawnFailed, spawn_failed);
FFI_TASKS_DEFINE_ERROR_(InvalidHandle, invalid_handle);
FFI_TASKS_DEFINE_ERROR_(UsageError, usage);
#undef FFI_TASKS_DEFINE_ERROR_

// The calling thread's last error from the C ABI (for code that mixes raw C
// calls with this library), or nullopt when the last call succeeded.
[[nodiscard]] std::optional<Error> last_error();

// Throws `error` as the exception type for its kind (TaskFailed for
// ErrorKind::failed, ...; Error itself for an unknown kind), or rethrows its
// original() when it has one. Without exceptions: prints it to stderr and
// aborts.
[[noreturn]] void throw_error(const Error &error);

// The Rust crate's version, e.g. "0.1.0".
std::string_view version() noexcept;

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

constexpr std::string_view to_string(ErrorKind kind) noexcept {
  switch (kind) {
    case ErrorKind::none: return "none";
    case ErrorKind::failed: return "failed";
    case ErrorKind::cancelled: return "cancelled";
    case ErrorKind::panicked: return "panicked";
    case ErrorKind::null_pointer: return "null_pointer";
    case ErrorKind::already_taken: return "already_taken";
    case ErrorKind::invalid_argument: return "invalid_argument";
    case ErrorKind::timed_out: return "timed_out";
    case ErrorKind::spawn_failed: return "spawn_failed";
    case ErrorKind::invalid_handle: return "invalid_handle";
    case ErrorKind::usage: return "usage";
  }
  return "unknown";
}

namespace detail {

class error_category_impl final : public std::error_category {
 public:
  const char *name() const noexcept override { return "ffi_tasks"; }
  std::string message(int value) const override {
    return std::string(to_string(static_cast<ErrorKind>(value)));
  }
};

// Calls f(TypedException) with the exception type for error.kind(): the one
// place that maps kinds to types (used to throw, and to fill futures).
template <class F>
decltype(auto) with_typed_error(const Error &error, F &&f) {
  const std::string message = error.what();
  switch (error.kind()) {
    case ErrorKind::failed: return std::forward<F>(f)(TaskFailed(message));
    case ErrorKind::cancelled: return std::forward<F>(f)(TaskCancelled(message));
    case ErrorKind::panicked: return std::forward<F>(f)(TaskPanicked(message));
    case ErrorKind::null_pointer: return std::forward<F>(f)(NullPointer(message));
    case ErrorKind::already_taken: return std::forward<F>(f)(AlreadyTaken(message));
    case ErrorKind::invalid_argument: return std::forward<F>(f)(InvalidArgument(message));
    case ErrorKind::timed_out: return std::forward<F>(f)(TimedOut(message));
    case ErrorKind::spawn_failed: return std::forward<F>(f)(SpawnFailed(message));
    case ErrorKind::invalid_handle: return std::forward<F>(f)(InvalidHandle(message));
    case ErrorKind::usage: return std::forward<F>(f)(UsageError(message));
    case ErrorKind::none: break;
  }
  return std::forward<F>(f)(error);
}

// The error a C call that just failed left in LAST_ERROR. A failure value
// without an error (a backend bug) becomes ErrorKind::failed. The one place
// the C++ layer reads an error message (through the C ABI, with or without
// the cxx bridge: one definition for every translation unit).
inline Error c_take_error(const char *operation) {
  const int kind = c_last_error_kind();
  if (kind == 0) {
    return Error(ErrorKind::failed, std::string(operation) + " failed without reporting an error");
  }
  return Error(static_cast<ErrorKind>(kind), c_last_error_message());
}

#if FFI_TASKS_USE_EXCEPTIONS
// What throw_error(error) throws, as an exception_ptr (for promises).
inline std::exception_ptr to_exception_ptr(const Error &error) {
  if (error.original()) {
    return error.original();
  }
  return with_typed_error(error, [](auto &&typed) { return std::make_exception_ptr(typed); });
}
#endif

// The UsageError for calling `operation` on an empty handle.
inline Error empty_handle_error(const char *operation) {
  return Error(ErrorKind::usage, std::string("ffi_tasks: ") + operation +
                                     "() called on an empty TaskHandle (moved from, "
                                     "consumed by wait(), to_future() or co_await, or reset)");
}

}  // namespace detail

inline const std::error_category &error_category() noexcept {
  static const detail::error_category_impl instance;
  return instance;
}

inline std::error_code make_error_code(ErrorKind kind) noexcept {
  return std::error_code(static_cast<int>(kind), error_category());
}

inline Error::Error(ErrorKind kind, const std::string &message)
    : std::runtime_error(message), kind_(kind) {}

// A null message (a C API's "none") is empty, not a std::logic_error.
inline Error::Error(ErrorKind kind, const char *message)
    : std::runtime_error(message != nullptr ? message : ""), kind_(kind) {}

inline Error::Error(ErrorKind kind, const std::string &message, std::exception_ptr original)
    : std::runtime_error(message), kind_(kind), original_(std::move(original)) {}

inline std::optional<Error> last_error() {
  if (detail::c_last_error_kind() == 0) {
    return std::nullopt;
  }
  return detail::c_take_error("the last call");
}

inline void throw_error(const Error &error) {
#if FFI_TASKS_USE_EXCEPTIONS
  if (error.original()) {
    std::rethrow_exception(error.original());
  }
  // Moved explicitly: C++20 would move `typed` here where C++17 copies it,
  // one more body that differs between translation units.
  detail::with_typed_error(
      error, [](auto &&typed) -> void { throw std::forward<decltype(typed)>(typed); });
  throw error;  // not reached: every branch above throws
#else
  const std::string_view kind = to_string(error.kind());
  std::fprintf(stderr, "ffi_tasks: %.*s error (exceptions are disabled): %s\n",
               static_cast<int>(kind.size()), kind.data(), error.what());
  std::abort();
#endif
}

inline std::string_view version() noexcept { return detail::c_version(); }

FFI_TASKS_END_NAMESPACE

namespace std {
template <>
struct is_error_code_enum<ffi_tasks::ErrorKind> : true_type {};
}  // namespace std
