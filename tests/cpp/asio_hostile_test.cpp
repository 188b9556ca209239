// ffi_tasks/asio.hpp used as a hostile caller would: the io_context stopped
// or destroyed with async_waits pending, the cancellation slot's signal
// emitted after the operation ended, use_future with a failing task. Run
// under the asan preset.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <exception>
#include <future>
#include <memory>
#include <thread>
#include <utility>

#include "example_tasks.hpp"
#include "ffi_tasks/asio.hpp"

using ffi_tasks::TaskHandle;
using ffi_tasks::TaskStatus;

namespace {

// A handle on a task that has finished (so async_wait queues its
// completion at once, inside the call).
TaskHandle<std::uint64_t> finished_add(std::uint64_t a, std::uint64_t b) {
  auto h = ffi_tasks::spawn(Add{a, b});
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (h.status() == TaskStatus::running && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  EXPECT_NE(h.status(), TaskStatus::running);
  return h;
}

TEST(AsioHostileTest, SignalEmittedAfterTheIoContextDroppedTheCompletionTouchesNothing) {
  asio::cancellation_signal signal;  // outlives the io_context and the operation
  int calls = 0;
  {
    asio::io_context io;
    ffi_tasks::async_wait(
        finished_add(1, 2),
        asio::bind_cancellation_slot(
            signal.slot(),
            asio::bind_executor(io, [&](std::exception_ptr, std::uint64_t) { ++calls; })));
    // Destroyed without run(): the queued completion (and the operation,
    // with its handle) is destroyed, not called.
  }
  EXPECT_EQ(calls, 0);
  signal.emit(asio::cancellation_type::all);  // must not reach the freed operation
}

TEST(AsioHostileTest, SignalDestroyedBeforeTheIoContextDropsTheCompletion) {
  // The usual declaration order: the io_context first, so the signal goes
  // first; the operation, destroyed with the io_context, must not touch it.
  int calls = 0;
  asio::io_context io;
  {
    asio::cancellation_signal signal;
    ffi_tasks::async_wait(
        finished_add(3, 4),
        asio::bind_cancellation_slot(
            signal.slot(),
            asio::bind_executor(io, [&](std::exception_ptr, std::uint64_t) { ++calls; })));
  }
  EXPECT_EQ(calls, 0);
  // ~io_context destroys the queued completion here.
}

TEST(AsioHostileTest, SignalEmittedAfterTheHandlerRanTouchesNothing) {
  asio::cancellation_signal signal;
  asio::io_context io;
  std::uint64_t value = 0;
  ffi_tasks::async_wait(
      ffi_tasks::spawn(Add{20, 22}),
      asio::bind_cancellation_slot(
          signal.slot(),
          asio::bind_executor(io, [&](std::exception_ptr, std::uint64_t v) { value = v; })));
  io.run_for(std::chrono::seconds(60));
  EXPECT_EQ(value, 42u);
  EXPECT_FALSE(signal.slot().has_handler());
  signal.emit(asio::cancellation_type::all);
}

TEST(AsioHostileTest, StoppedIoContextRunsTheCompletionAfterRestart) {
  asio::io_context io;
  io.stop();
  std::uint64_t value = 0;
  ffi_tasks::async_wait(
      ffi_tasks::spawn(Add{2, 3}),
      asio::bind_executor(io, [&](std::exception_ptr, std::uint64_t v) { value = v; }));
  io.run();  // stopped: returns at once
  EXPECT_EQ(value, 0u);
  io.restart();
  io.run_for(std::chrono::seconds(60));
  EXPECT_EQ(value, 5u);
}

TEST(AsioHostileTest, UseFutureOfAFailedTaskThrowsItsError) {
  std::future<std::uint64_t> bad =
      ffi_tasks::async_wait(ffi_tasks::spawn(Fail{7}), asio::use_future);
  ASSERT_EQ(bad.wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_THROW(bad.get(), ffi_tasks::TaskFailed);
}

}  // namespace
