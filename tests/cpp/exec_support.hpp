// Executors for the executor, combinator and progress tests: a queue the
// test thread drains (so it decides when and where a function runs), and
// hostile ones (throwing, dropping, inline).
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <utility>

namespace exec_support {

constexpr std::chrono::milliseconds kWait{60000};

// Functions posted from any thread, run by the test thread.
class Queue {
 public:
  void push(std::function<void()> f) {
    std::lock_guard<std::mutex> lock(mutex_);
    items_.push_back(std::move(f));
    ++pushed_;
    ready_.notify_all();
  }

  // The next function, waiting (bounded) for one; nullopt after kWait.
  std::optional<std::function<void()>> take() {
    std::unique_lock<std::mutex> lock(mutex_);
    if (!ready_.wait_for(lock, kWait, [this] { return !items_.empty(); })) {
      return std::nullopt;
    }
    std::function<void()> f = std::move(items_.front());
    items_.pop_front();
    return f;
  }

  // Takes and runs the next function; false if none came within kWait.
  bool run_one() {
    auto f = take();
    if (!f) {
      return false;
    }
    (*f)();
    return true;
  }

  std::size_t pending() {
    std::lock_guard<std::mutex> lock(mutex_);
    return items_.size();
  }
  std::size_t pushed() {
    std::lock_guard<std::mutex> lock(mutex_);
    return pushed_;
  }

 private:
  std::mutex mutex_;
  std::condition_variable ready_;
  std::deque<std::function<void()>> items_;
  std::size_t pushed_ = 0;
};

// execute(f): onto a Queue.
struct QueueExecutor {
  std::shared_ptr<Queue> queue = std::make_shared<Queue>();
  void execute(std::function<void()> f) const { queue->push(std::move(f)); }
};

// post(f) only (the other spelling).
struct PostExecutor {
  std::shared_ptr<Queue> queue = std::make_shared<Queue>();
  void post(std::function<void()> f) const { queue->push(std::move(f)); }
};

// Cannot be copied: held by reference.
struct PinnedExecutor {
  Queue queue;
  PinnedExecutor() = default;
  PinnedExecutor(const PinnedExecutor &) = delete;
  PinnedExecutor &operator=(const PinnedExecutor &) = delete;
  void execute(std::function<void()> f) { queue.push(std::move(f)); }
};

// Runs f at once, on the calling thread.
struct InlineExecutor {
  template <class F>
  void execute(F &&f) const {
    std::forward<F>(f)();
  }
};

// Throws instead of queueing; counts the calls.
struct ThrowingExecutor {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  template <class F>
  void execute(F &&) const {
    calls->fetch_add(1);
    throw std::runtime_error("executor refuses");
  }
};

// Accepts f and destroys it without running it (a stopped event loop).
struct DroppingExecutor {
  std::shared_ptr<std::atomic<int>> calls = std::make_shared<std::atomic<int>>(0);
  template <class F>
  void execute(F &&f) const {
    calls->fetch_add(1);
    auto dropped = std::forward<F>(f);
    static_cast<void>(dropped);
  }
};

// Fulfils a promise when destroyed: shows that a function holding it was
// destroyed (run or not), without polling.
class DestroyedSignal {
 public:
  DestroyedSignal() : promise_(std::make_shared<std::promise<void>>()) {}
  std::future<void> future() { return promise_->get_future(); }

  // A token to capture: the promise is fulfilled when the last copy goes.
  std::shared_ptr<void> token() {
    auto promise = promise_;
    return std::shared_ptr<void>(nullptr, [promise](void *) { promise->set_value(); });
  }

 private:
  std::shared_ptr<std::promise<void>> promise_;
};

}  // namespace exec_support
