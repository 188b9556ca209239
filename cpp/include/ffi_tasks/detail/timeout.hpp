// ffi_tasks/detail/timeout.hpp — the one conversion of a caller's duration
// or deadline into the C ABI's timeout (whole milliseconds; UINT64_MAX waits
// without limit). Every timed call of the headers goes through timeout_ms.
// Not public API.
#pragma once

#include <chrono>
#include <cmath>
#include <cstdint>
#include <ratio>
#include <string>
#include <type_traits>

#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/result.hpp"

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

// From 2^62 ms (about 146 million years) on, a timeout waits without limit.
inline constexpr double unlimited_timeout_ms = 4611686018427387904.0;

// The InvalidArgument error of a NaN timeout or deadline.
inline Error nan_timeout_error(const char *operation, const char *argument) {
  return Error(ErrorKind::invalid_argument,
               std::string("ffi_tasks: ") + operation + "() called with a NaN " + argument);
}

// `timeout` as the C ABI's timeout, rounded up to whole milliseconds (so a
// positive timeout never becomes a poll). Saturating, for any arithmetic
// representation and period: zero or negative (-inf included) gives 0, a
// poll; 2^62 ms or more (+inf included) gives UINT64_MAX, no limit; NaN is
// an InvalidArgument error naming `operation` and `argument`.
template <class Rep, class Period>
Result<std::uint64_t> timeout_ms(const std::chrono::duration<Rep, Period> &timeout,
                                 const char *operation, const char *argument = "timeout") {
  static_assert(std::is_arithmetic<Rep>::value,
                "ffi_tasks: a timeout needs an arithmetic representation");
  // An estimate that cannot overflow (a huge count becomes +inf): enough to
  // classify the timeout, and the value itself for floating-point ones.
  const double estimate = std::chrono::duration<double, std::milli>(timeout).count();
  if (std::isnan(estimate)) {
    return nan_timeout_error(operation, argument);
  }
  if (estimate <= 0.0) {
    return std::uint64_t{0};
  }
  if (estimate >= unlimited_timeout_ms) {
    return UINT64_MAX;
  }
  // Here the result is below 2^62, so the integer arithmetic below cannot
  // overflow: an exact ceiling for whole multiples or fractions of a
  // millisecond, the estimate for other periods and for floating point.
  using to_ms = std::ratio_divide<Period, std::milli>;
  if constexpr (std::is_integral<Rep>::value && to_ms::den == 1) {
    return static_cast<std::uint64_t>(timeout.count()) * static_cast<std::uint64_t>(to_ms::num);
  } else if constexpr (std::is_integral<Rep>::value && to_ms::num == 1) {
    using wide = std::common_type_t<Rep, std::intmax_t>;
    const wide count = static_cast<wide>(timeout.count());
    const wide den = static_cast<wide>(to_ms::den);
    return static_cast<std::uint64_t>(count / den + (count % den != 0 ? 1 : 0));
  } else {
    return static_cast<std::uint64_t>(std::ceil(estimate));
  }
}

// The time from `now` until `deadline`, as timeout_ms gives it: a deadline
// at or before `now` (time_point::min() included) polls, a very distant one
// (time_point::max(), +inf) waits without limit, NaN is InvalidArgument.
// Exact for integer time points within 2^62 ticks of the epoch; beyond
// that, or in floating point, computed in double, which cannot overflow.
template <class Clock, class Duration, class NowDuration>
Result<std::uint64_t> deadline_ms(const std::chrono::time_point<Clock, Duration> &deadline,
                                  const std::chrono::time_point<Clock, NowDuration> &now,
                                  const char *operation) {
  using common = std::common_type_t<Duration, NowDuration>;
  if constexpr (std::is_integral<typename common::rep>::value) {
    using ticks = std::chrono::duration<double, typename common::period>;
    const double deadline_ticks = ticks(deadline.time_since_epoch()).count();
    const double now_ticks = ticks(now.time_since_epoch()).count();
    if (std::fabs(deadline_ticks) < unlimited_timeout_ms &&
        std::fabs(now_ticks) < unlimited_timeout_ms &&
        (std::is_signed<typename common::rep>::value || now_ticks >= 0.0)) {
      // Both convert to `common` without overflow, and their difference
      // fits too; compared first, so that an unsigned one cannot wrap.
      const common deadline_since_epoch = deadline.time_since_epoch();
      const common now_since_epoch = now.time_since_epoch();
      if (deadline_since_epoch <= now_since_epoch) {
        return std::uint64_t{0};
      }
      return timeout_ms(deadline_since_epoch - now_since_epoch, operation, "deadline");
    }
  }
  using ms = std::chrono::duration<double, std::milli>;
  const double left = ms(deadline.time_since_epoch()).count() - ms(now.time_since_epoch()).count();
  return timeout_ms(ms(left), operation, "deadline");
}

// The same against the deadline's own clock, read now (any clock: steady,
// system, ...; a later change of the system time does not move the wait).
template <class Clock, class Duration>
Result<std::uint64_t> deadline_ms(const std::chrono::time_point<Clock, Duration> &deadline,
                                  const char *operation) {
  return deadline_ms(deadline, Clock::now(), operation);
}

}  // namespace detail
FFI_TASKS_END_NAMESPACE
