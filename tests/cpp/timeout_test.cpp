// Caller-supplied timeouts and deadlines of TaskHandle<T>: every duration
// and time point, whatever its clock, representation or size, becomes the C
// ABI's millisecond timeout without overflow: a deadline in the past or a
// negative duration polls, a huge one waits without limit, NaN is
// InvalidArgument (thrown, or an error Result in the try_* forms).
//
// Every wait runs on another thread and is bounded: one that blocks longer
// than kWaitMs fails the test, and the task is then cancelled so that the
// wait returns and the test ends instead of hanging.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <limits>
#include <optional>
#include <utility>

#include "example_tasks.hpp"
#include "ffi_tasks/detail/timeout.hpp"
#include "ffi_tasks/ffi_tasks.hpp"
#include "gtest_extra.hpp"

using ffi_tasks::TaskHandle;
using test_support::fresh_id;
using test_support::kWaitMs;
using test_support::wait_started;

namespace {

using std::chrono::duration;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::nanoseconds;
using std::chrono::steady_clock;
using std::chrono::system_clock;
using std::chrono::time_point;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Starts `wait(handle)` on another thread.
template <class T, class Wait>
auto start_wait(TaskHandle<T> &handle, Wait wait) {
  return std::async(std::launch::async, [&handle, wait]() { return wait(handle); });
}

// Whether the wait returned within kWaitMs. If not, the test fails and the
// task is cancelled, which ends the wait (the future's destructor joins it).
template <class R, class T>
bool returned(std::future<R> &waiting, TaskHandle<T> &handle) {
  if (waiting.wait_for(milliseconds(kWaitMs)) == std::future_status::ready) {
    return true;
  }
  ADD_FAILURE() << "the wait still blocks after " << kWaitMs << " ms";
  handle.cancel();
  waiting.wait();
  return false;
}

// A task that runs until cancelled, already started.
struct Running {
  std::uint64_t id = fresh_id();
  TaskHandle<ProbeOutput> handle = ffi_tasks::spawn(Probe{id, 7, probe_mode::return_when_released});
  Running() { EXPECT_TRUE(wait_started(id)); }
};

// `wait` on a running task returns at once with nothing (it polls).
template <class Wait>
void expect_poll(Wait wait) {
  Running task;
  auto waiting = start_wait(task.handle, wait);
  ASSERT_TRUE(returned(waiting, task.handle));
  EXPECT_EQ(waiting.get(), std::nullopt);
  EXPECT_TRUE(task.handle.valid());
}

// `wait` on a running task blocks until it finishes, then gives its value.
template <class Wait>
void expect_wait(Wait wait) {
  Running task;
  auto waiting = start_wait(task.handle, wait);
  example_probe_release(task.id);
  ASSERT_TRUE(returned(waiting, task.handle));
  const auto out = waiting.get();
  ASSERT_TRUE(out.has_value());
  EXPECT_EQ(out->value, 7u);
}

// `wait` throws InvalidArgument at once (the task keeps running).
template <class Wait>
void expect_invalid(Wait wait) {
  Running task;
  auto waiting = start_wait(task.handle, wait);
  ASSERT_TRUE(returned(waiting, task.handle));
  EXPECT_THROW(waiting.get(), ffi_tasks::InvalidArgument);
  EXPECT_EQ(task.handle.status(), ffi_tasks::TaskStatus::running);
}

// The try_ form on a running task: `poll` returns at once with an empty
// value; then `wait` blocks until the task is released and gives its value.
template <class Poll, class Wait>
void expect_try_poll_then_wait(Running &task, Poll poll, Wait wait) {
  auto polled = start_wait(task.handle, poll);
  ASSERT_TRUE(returned(polled, task.handle));
  const auto nothing = polled.get();
  ASSERT_TRUE(nothing);
  EXPECT_EQ(*nothing, std::nullopt);
  auto waiting = start_wait(task.handle, wait);
  example_probe_release(task.id);
  ASSERT_TRUE(returned(waiting, task.handle));
  const auto out = waiting.get();
  ASSERT_TRUE(out);
  ASSERT_TRUE(out->has_value());
  EXPECT_EQ((*out)->value, 7u);
}

// ----- durations: wait_for

TEST(TimeoutTest, WaitForZeroOrNegativePolls) {
  expect_poll([](auto &h) { return h.wait_for(milliseconds(0)); });
  expect_poll([](auto &h) { return h.wait_for(milliseconds(-5)); });
  expect_poll([](auto &h) { return h.wait_for(nanoseconds::min()); });
  expect_poll([](auto &h) { return h.wait_for(hours::min()); });
  expect_poll([](auto &h) { return h.wait_for(duration<double>(-1e300)); });
  expect_poll([](auto &h) { return h.wait_for(duration<double>(-kInf)); });
}

TEST(TimeoutTest, WaitForHugeWaits) {
  expect_wait([](auto &h) { return h.wait_for(hours::max()); });
  expect_wait([](auto &h) { return h.wait_for(nanoseconds::max()); });
  expect_wait([](auto &h) { return h.wait_for(duration<double>(1e300)); });
  expect_wait([](auto &h) { return h.wait_for(duration<double>(kInf)); });
  expect_wait(
      [](auto &h) { return h.wait_for(duration<std::uint64_t, std::ratio<86400>>::max()); });
}

TEST(TimeoutTest, WaitForNaNThrowsInvalidArgument) {
  expect_invalid([](auto &h) { return h.wait_for(duration<double>(kNaN)); });
  expect_invalid([](auto &h) {
    return h.wait_for(duration<float, std::milli>(std::numeric_limits<float>::quiet_NaN()));
  });
}

TEST(TimeoutTest, TryWaitForNaNIsAnError) {
  Running task;
  auto waiting =
      start_wait(task.handle, [](auto &h) { return h.try_wait_for(duration<double>(kNaN)); });
  ASSERT_TRUE(returned(waiting, task.handle));
  const auto result = waiting.get();
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind(), ffi_tasks::ErrorKind::invalid_argument);
}

TEST(TimeoutTest, TryWaitForSaturates) {
  Running task;
  expect_try_poll_then_wait(
      task, [](auto &h) { return h.try_wait_for(hours::min()); },
      [](auto &h) { return h.try_wait_for(duration<double>(kInf)); });
}

// ----- deadlines: wait_until, any clock

TEST(TimeoutTest, WaitUntilMinOrPastPolls) {
  expect_poll([](auto &h) { return h.wait_until(steady_clock::time_point::min()); });
  expect_poll([](auto &h) { return h.wait_until(system_clock::time_point::min()); });
  expect_poll([](auto &h) { return h.wait_until(steady_clock::now() - hours(1)); });
  expect_poll([](auto &h) { return h.wait_until(system_clock::now() - hours(1)); });
  expect_poll([](auto &h) { return h.wait_until(steady_clock::now()); });
  expect_poll([](auto &h) { return h.wait_until(time_point<steady_clock, hours>::min()); });
  expect_poll([](auto &h) {
    return h.wait_until(time_point<system_clock, duration<double>>(duration<double>(-kInf)));
  });
  expect_poll([](auto &h) {
    return h.wait_until(time_point<steady_clock, duration<double>>(duration<double>(-1e300)));
  });
}

TEST(TimeoutTest, WaitUntilMaxOrFutureWaits) {
  expect_wait([](auto &h) { return h.wait_until(steady_clock::time_point::max()); });
  expect_wait([](auto &h) { return h.wait_until(system_clock::time_point::max()); });
  expect_wait([](auto &h) { return h.wait_until(time_point<steady_clock, hours>::max()); });
  expect_wait([](auto &h) { return h.wait_until(time_point<system_clock, hours>::max()); });
  expect_wait([](auto &h) { return h.wait_until(steady_clock::now() + hours(1)); });
  expect_wait([](auto &h) {
    return h.wait_until(std::chrono::time_point_cast<hours>(system_clock::now()) +
                        hours(24 * 365 * 1000));
  });
  expect_wait([](auto &h) {
    return h.wait_until(time_point<steady_clock, duration<double>>(duration<double>(kInf)));
  });
  expect_wait([](auto &h) {
    return h.wait_until(time_point<system_clock, duration<double>>(duration<double>(1e300)));
  });
}

TEST(TimeoutTest, WaitUntilNaNThrowsInvalidArgument) {
  expect_invalid([](auto &h) {
    return h.wait_until(time_point<steady_clock, duration<double>>(duration<double>(kNaN)));
  });
  expect_invalid([](auto &h) {
    return h.wait_until(time_point<system_clock, duration<double>>(duration<double>(kNaN)));
  });
}

TEST(TimeoutTest, TryWaitUntilSaturatesAndReportsNaN) {
  Running task;
  auto invalid = start_wait(task.handle, [](auto &h) {
    return h.try_wait_until(time_point<steady_clock, duration<double>>(duration<double>(kNaN)));
  });
  ASSERT_TRUE(returned(invalid, task.handle));
  const auto error = invalid.get();
  ASSERT_FALSE(error);
  EXPECT_EQ(error.error().kind(), ffi_tasks::ErrorKind::invalid_argument);
  EXPECT_STREQ(error.error().what(), "ffi_tasks: wait_until() called with a NaN deadline");
  expect_try_poll_then_wait(
      task, [](auto &h) { return h.try_wait_until(steady_clock::time_point::min()); },
      [](auto &h) { return h.try_wait_until(time_point<system_clock, hours>::max()); });
}

TEST(TimeoutTest, NaNOnAnEmptyHandleIsAUsageError) {
  TaskHandle<std::uint64_t> empty;
  EXPECT_THROW((void)empty.wait_for(duration<double>(kNaN)), ffi_tasks::UsageError);
  EXPECT_THROW(
      (void)empty.wait_until(time_point<steady_clock, duration<double>>(duration<double>(kNaN))),
      ffi_tasks::UsageError);
}

// ----- the conversion itself (ffi_tasks/detail/timeout.hpp)

using ffi_tasks::detail::deadline_ms;
using ffi_tasks::detail::timeout_ms;

// The converted timeout; fails the test on an error.
template <class D>
std::uint64_t ms(const D &timeout) {
  const auto result = timeout_ms(timeout, "test");
  EXPECT_TRUE(result) << (result ? "" : result.error().what());
  return result ? *result : 0;
}

template <class Deadline, class Now>
std::uint64_t ms_until(const Deadline &deadline, const Now &now) {
  const auto result = deadline_ms(deadline, now, "test");
  EXPECT_TRUE(result) << (result ? "" : result.error().what());
  return result ? *result : 0;
}

TEST(TimeoutConversionTest, DurationsRoundUpToWholeMilliseconds) {
  EXPECT_EQ(ms(milliseconds(1500)), 1500u);
  EXPECT_EQ(ms(std::chrono::seconds(2)), 2000u);
  EXPECT_EQ(ms(nanoseconds(1)), 1u);
  EXPECT_EQ(ms(std::chrono::microseconds(1001)), 2u);
  EXPECT_EQ(ms(hours(1)), 3600000u);
  EXPECT_EQ(ms(duration<double>(0.0015)), 2u);
  EXPECT_EQ(ms(duration<double>(1e-300)), 1u);
  EXPECT_EQ(ms(duration<std::uint8_t, std::milli>(200)), 200u);
  EXPECT_EQ(ms(duration<std::int64_t, std::ratio<1, 3>>(3)), 1000u);  // a third of a second
  EXPECT_EQ(ms(duration<std::int64_t, std::ratio<1, 3>>(1)), 334u);
}

TEST(TimeoutConversionTest, ZeroAndNegativeDurationsPoll) {
  EXPECT_EQ(ms(milliseconds(0)), 0u);
  EXPECT_EQ(ms(nanoseconds(-1)), 0u);
  EXPECT_EQ(ms(nanoseconds::min()), 0u);
  EXPECT_EQ(ms(hours::min()), 0u);
  EXPECT_EQ(ms(duration<double>(-0.0)), 0u);
  EXPECT_EQ(ms(duration<double>(-1e300)), 0u);
  EXPECT_EQ(ms(duration<double>(-kInf)), 0u);
}

TEST(TimeoutConversionTest, HugeDurationsWaitWithoutLimit) {
  EXPECT_EQ(ms(hours::max()), UINT64_MAX);
  EXPECT_EQ(ms(duration<std::uint64_t, std::ratio<86400>>::max()), UINT64_MAX);
  EXPECT_EQ(ms(duration<double>(1e300)), UINT64_MAX);
  EXPECT_EQ(ms(duration<double>(kInf)), UINT64_MAX);
  EXPECT_EQ(ms(duration<float>(std::numeric_limits<float>::max())), UINT64_MAX);
  // nanoseconds::max() is about 292 years: a long but finite wait.
  EXPECT_EQ(ms(nanoseconds::max()), 9223372036855u);
}

TEST(TimeoutConversionTest, NaNIsInvalidArgument) {
  const auto result = timeout_ms(duration<double>(kNaN), "wait_for");
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().kind(), ffi_tasks::ErrorKind::invalid_argument);
  EXPECT_STREQ(result.error().what(), "ffi_tasks: wait_for() called with a NaN timeout");
  EXPECT_FALSE(
      timeout_ms(duration<float, std::milli>(std::numeric_limits<float>::quiet_NaN()), ""));
}

TEST(TimeoutConversionTest, DeadlinesAgainstAFixedNow) {
  const time_point<steady_clock, nanoseconds> now(hours(5));
  EXPECT_EQ(ms_until(now, now), 0u);
  EXPECT_EQ(ms_until(now - nanoseconds(1), now), 0u);
  EXPECT_EQ(ms_until(now + nanoseconds(1), now), 1u);
  EXPECT_EQ(ms_until(now + milliseconds(250), now), 250u);
  EXPECT_EQ(ms_until(time_point<steady_clock, hours>(hours(6)), now), 3600000u);
  EXPECT_EQ(ms_until(steady_clock::time_point::min(), now), 0u);
  // (2^63 - 1) ns less 5 h, rounded up: about 292 years, finite.
  EXPECT_EQ(ms_until(steady_clock::time_point::max(), now), 9223354036855u);
  EXPECT_EQ(ms_until(time_point<steady_clock, hours>::min(), now), 0u);
  EXPECT_EQ(ms_until(time_point<steady_clock, hours>::max(), now), UINT64_MAX);
  EXPECT_EQ(ms_until(time_point<steady_clock, duration<double>>(duration<double>(kInf)), now),
            UINT64_MAX);
  EXPECT_EQ(ms_until(time_point<steady_clock, duration<double>>(duration<double>(-kInf)), now), 0u);
  // Now at the ends of the clock's range: the difference (2^64 ns) does not
  // fit the clock's own type, but is computed without overflow.
  EXPECT_EQ(ms_until(steady_clock::time_point::max(), steady_clock::time_point::min()),
            18446744073710u);
  EXPECT_EQ(ms_until(steady_clock::time_point::min(), steady_clock::time_point::max()), 0u);
  // An unsigned representation never wraps round.
  using unsigned_ns = duration<std::uint64_t, std::nano>;
  EXPECT_EQ(ms_until(time_point<steady_clock, unsigned_ns>(unsigned_ns(5)), now), 0u);
  EXPECT_EQ(ms_until(time_point<steady_clock, unsigned_ns>::max(), now), 18446726073710u);
  const auto nan = deadline_ms(time_point<system_clock, duration<double>>(duration<double>(kNaN)),
                               system_clock::now(), "wait_until");
  ASSERT_FALSE(nan);
  EXPECT_EQ(nan.error().kind(), ffi_tasks::ErrorKind::invalid_argument);
}

}  // namespace
