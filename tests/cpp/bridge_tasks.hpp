// The rich-output example tasks (cpp/example_tasks/src/rich.rs) bound to
// C++, and small helpers shared by the bridge tests.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include <gtest/gtest.h>

#include "ffi_tasks/bridge.hpp"
#include "ffi_tasks_example_tasks_bridge/rich.h"

// The task types Text (output String: "ffi_tasks " repeated `repeat`
// times), Bytes (Vec<u8>: byte i is (i as u8) ^ seed; fails above 1 GiB),
// Squares (Vec<u64>: 0, 1, 4, ..., (n-1)^2) and MakeBlob (Box<Blob> of
// `size` bytes, byte i is i as u8) come from the header the build generates
// for the example crate (included, with the rest of the example tasks, by
// example_tasks.hpp).
#include "example_tasks.hpp"

FFI_TASKS_CPP_TASK(text, Text, rust::String);
FFI_TASKS_CPP_TASK(bytes, Bytes, rust::Vec<std::uint8_t>);
FFI_TASKS_CPP_TASK(squares, Squares, rust::Vec<std::uint64_t>);
FFI_TASKS_CPP_TASK(blob, MakeBlob, rust::Box<ffi_tasks_example::Blob>);

namespace bridge_support {

// Bound for every blocking wait: never hit on a loaded machine, but a bug
// fails instead of hanging.
constexpr std::uint64_t kWaitMs = 60000;

// Repeats `done()` (yielding in between) until it holds or kWaitMs passes;
// returns whether it held. For counters updated just after a task's handle
// sees it finish (pool statistics), where there is nothing to block on.
template <class F>
bool eventually(F &&done) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kWaitMs);
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) {
      return false;
    }
    std::this_thread::yield();
  }
  return true;
}

// Blocks (bounded) until the task has finished, without taking its result:
// through its one completion callback, so no CPU is spent waiting (which
// matters under valgrind, where threads take turns).
template <class T>
bool wait_finished(ffi_tasks::TaskHandle<T> &handle) {
  auto done = std::make_shared<std::promise<void>>();
  std::future<void> finished = done->get_future();
  handle.on_complete([done]() noexcept { done->set_value(); });
  return finished.wait_for(std::chrono::milliseconds(kWaitMs)) == std::future_status::ready;
}

// The pool's counters once nothing runs or waits: every task finished
// before the call is counted (a worker counts a task just after its handle
// sees it finish). Fails the test if the pool does not settle.
inline ffi_tasks::PoolStats settled_stats() {
  ffi_tasks::PoolStats stats{};
  const bool settled = eventually([&] {
    stats = ffi_tasks::pool_stats();
    return stats.running == 0 && stats.queued == 0;
  });
  EXPECT_TRUE(settled) << "the pool still runs tasks after " << kWaitMs << " ms";
  return stats;
}

// The total of the pool's finished-task counters.
inline std::uint64_t finished_total(const ffi_tasks::PoolStats &s) {
  return s.completed + s.failed + s.cancelled;
}

// One value handed from a callback or coroutine (on a worker) to the test
// thread: what it did before put() happens before what the test does after
// take(), and take() gives up after kWaitMs, so a bug fails the test
// instead of hanging it.
template <class T>
class Mailbox {
 public:
  void put(T value) {
    std::lock_guard<std::mutex> lock(mutex_);
    value_ = std::move(value);
    ready_.notify_all();
  }

  // The value, or nullopt after kWaitMs.
  std::optional<T> take() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!ready_.wait_for(lock, std::chrono::milliseconds(kWaitMs),
                         [this] { return value_.has_value(); })) {
      return std::nullopt;
    }
    return std::exchange(value_, std::nullopt);
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::optional<T> value_;
};

}  // namespace bridge_support
