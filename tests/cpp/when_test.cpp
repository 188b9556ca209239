// when_all / when_any: values in order, fail fast, first to finish,
// cancellation both ways, over Rust tasks and C++ jobs, as real handles
// (wait, poll, wait_for, to_future, co_await, nesting), and bad input.
#include <gtest/gtest.h>

#include <chrono>
#include <coroutine>
#include <cstdint>
#include <exception>
#include <future>
#include <string>
#include <tuple>
#include <utility>
#include <variant>
#include <vector>

#include "bridge_tasks.hpp"
#include "coroutine_support.hpp"
#include "example_tasks.hpp"
#include "exec_support.hpp"
#include "ffi_tasks/bridge.hpp"
#include "ffi_tasks/when.hpp"

using ffi_tasks::TaskHandle;
using ffi_tasks::TaskStatus;
using test_support::fresh_id;
using test_support::wait_started;
using Token = const ffi_tasks::CancellationToken &;

namespace {

// A started probe that runs until cancelled, then fails as cancelled.
TaskHandle<ProbeOutput> blocked_probe(std::uint64_t id) {
  auto h = ffi_tasks::spawn(Probe{id, 0, probe_mode::cancel_when_cancelled});
  EXPECT_TRUE(wait_started(id));
  return h;
}

bool saw_cancel(std::uint64_t id) {
  return bridge_support::eventually([id] { return example_probe_saw_cancel(id) == 1; });
}

TEST(WhenAllTest, VariadicGivesTheValuesInOrder) {
  auto all = ffi_tasks::when_all(ffi_tasks::spawn(Add{1, 2}), ffi_tasks::spawn(Add{3, 4}),
                                 ffi_tasks::spawn(UnitTask{0}));
  auto [a, b, unit] = std::move(all).wait();
  EXPECT_EQ(a, 3u);
  EXPECT_EQ(b, 7u);
  EXPECT_EQ(unit, ffi_tasks::Unit{});
}

TEST(WhenAllTest, RustTasksAndCppJobsTogether) {
  auto all = ffi_tasks::when_all(ffi_tasks::spawn(Add{40, 2}),
                                 ffi_tasks::spawn([](Token) { return std::string("job"); }),
                                 ffi_tasks::spawn(Text{2}));
  auto [n, s, text] = std::move(all).wait();
  EXPECT_EQ(n, 42u);
  EXPECT_EQ(s, "job");
  EXPECT_EQ(std::string(text), "ffi_tasks ffi_tasks ");
}

TEST(WhenAllTest, VectorGivesTheValuesInOrder) {
  std::vector<TaskHandle<std::uint64_t>> handles;
  for (std::uint64_t i = 0; i < 200; ++i) {
    handles.push_back(ffi_tasks::spawn(Add{i, 1}));
  }
  std::vector<std::uint64_t> values = ffi_tasks::when_all(std::move(handles)).wait();
  ASSERT_EQ(values.size(), 200u);
  for (std::uint64_t i = 0; i < 200; ++i) {
    EXPECT_EQ(values[i], i + 1);
  }
}

TEST(WhenAllTest, FirstErrorFailsFastAndCancelsTheRest) {
  const std::uint64_t id = fresh_id();
  auto all = ffi_tasks::when_all(blocked_probe(id), ffi_tasks::spawn(Fail{3}));
  try {
    static_cast<void>(std::move(all).wait());
    FAIL() << "no error";
  } catch (const ffi_tasks::TaskFailed &e) {
    EXPECT_NE(std::string(e.what()).find("code 3"), std::string::npos) << e.what();
  }
  EXPECT_TRUE(saw_cancel(id));
}

TEST(WhenAllTest, CppJobErrorKeepsItsType) {
  const std::uint64_t id = fresh_id();
  std::vector<TaskHandle<ProbeOutput>> handles;
  handles.push_back(blocked_probe(id));
  handles.push_back(
      ffi_tasks::spawn([](Token) -> ProbeOutput { throw std::out_of_range("oops"); }));
  EXPECT_THROW(static_cast<void>(ffi_tasks::when_all(std::move(handles)).wait()),
               std::out_of_range);
  EXPECT_TRUE(saw_cancel(id));
}

TEST(WhenAllTest, CancellingTheCombinedHandleCancelsTheInputs) {
  const std::uint64_t a = fresh_id();
  const std::uint64_t b = fresh_id();
  auto all = ffi_tasks::when_all(blocked_probe(a), blocked_probe(b));
  EXPECT_EQ(all.status(), TaskStatus::running);
  EXPECT_FALSE(all.cancelled());
  all.cancel();
  EXPECT_TRUE(all.cancelled());
  EXPECT_THROW(static_cast<void>(std::move(all).wait()), ffi_tasks::TaskCancelled);
  EXPECT_TRUE(saw_cancel(a));
  EXPECT_TRUE(saw_cancel(b));
}

TEST(WhenAllTest, DestroyingTheCombinedHandleCancelsTheInputs) {
  const std::uint64_t a = fresh_id();
  { auto all = ffi_tasks::when_all(blocked_probe(a), ffi_tasks::spawn(Add{1, 1})); }
  EXPECT_TRUE(saw_cancel(a));
}

TEST(WhenAllTest, IsARealHandle) {
  const std::uint64_t a = fresh_id();
  auto all = ffi_tasks::when_all(blocked_probe(a), ffi_tasks::spawn(Add{1, 1}));
  EXPECT_EQ(all.poll(), std::nullopt);
  EXPECT_EQ(all.wait_for(std::chrono::milliseconds(1)), std::nullopt);
  EXPECT_TRUE(bridge_support::eventually([&] {
    return all.progress() == ffi_tasks::Progress{1, 2};
  }));
  example_probe_release(a);
  all.cancel();
  EXPECT_THROW(static_cast<void>(all.wait_for(std::chrono::hours(1))), ffi_tasks::TaskCancelled);
  EXPECT_THROW(static_cast<void>(all.poll()), ffi_tasks::AlreadyTaken);
  EXPECT_EQ(all.status(), TaskStatus::taken);
}

TEST(WhenAllTest, ToFutureAndNesting) {
  auto inner = ffi_tasks::when_any(ffi_tasks::spawn(Add{1, 1}), ffi_tasks::spawn(Add{1, 1}));
  auto outer = ffi_tasks::when_all(std::move(inner), ffi_tasks::spawn(Add{2, 3}));
  auto future = std::move(outer).to_future();
  auto [first, sum] = future.get();
  EXPECT_EQ(std::visit([](std::uint64_t v) { return v; }, first.value), 2u);
  EXPECT_EQ(sum, 5u);
}

TEST(WhenAllTest, OnCompleteThroughAnExecutor) {
  exec_support::QueueExecutor ex;
  auto all = ffi_tasks::when_all(ffi_tasks::spawn(Add{1, 1}));
  bool ran = false;
  all.on_complete(ex, [&ran] { ran = true; });
  ASSERT_TRUE(ex.queue->run_one());
  EXPECT_TRUE(ran);
  EXPECT_EQ(std::get<0>(std::move(all).wait()), 2u);
  // One completion callback, as for any handle.
}

TEST(WhenAllTest, SecondCompletionCallbackIsRefused) {
  auto all = ffi_tasks::when_all(ffi_tasks::spawn(Add{1, 1}));
  all.on_complete([] {});
  EXPECT_THROW(all.on_complete([] {}), ffi_tasks::InvalidArgument);
}

#if FFI_TASKS_HAS_COROUTINES  // (not with libc++ 14: no std::stop_token)
using test_support::Detached;

Detached await_all(bridge_support::Mailbox<std::uint64_t> &out) {
  auto [a, b] = co_await ffi_tasks::when_all(
      ffi_tasks::spawn(Add{1, 2}), ffi_tasks::spawn([](Token) { return std::uint64_t{4}; }));
  out.put(a + b);
}

TEST(WhenAllTest, CoAwait) {
  bridge_support::Mailbox<std::uint64_t> out;
  await_all(out);
  EXPECT_EQ(out.take(), std::optional<std::uint64_t>(7));
}
#endif

TEST(WhenAllTest, NoInputsIsAlreadyComplete) {
  auto none = ffi_tasks::when_all();
  EXPECT_EQ(none.status(), TaskStatus::completed);
  EXPECT_EQ(std::move(none).wait(), std::tuple<>());
  auto empty = ffi_tasks::when_all(std::vector<TaskHandle<std::uint64_t>>());
  EXPECT_TRUE(std::move(empty).wait().empty());
}

TEST(WhenAllTest, SameHandleTwiceIsRefusedAndConsumesNothing) {
  auto h = ffi_tasks::spawn(Add{1, 2});
  EXPECT_THROW(static_cast<void>(ffi_tasks::when_all(std::move(h), std::move(h))),
               ffi_tasks::InvalidArgument);
  ASSERT_TRUE(h.valid());
  EXPECT_EQ(std::move(h).wait(), 3u);
}

TEST(WhenAllTest, MovedFromHandleIsRefusedAndConsumesNothing) {
  auto h = ffi_tasks::spawn(Add{1, 2});
  auto taken = std::move(h);
  auto other = ffi_tasks::spawn(Add{2, 2});
  try {
    static_cast<void>(ffi_tasks::when_all(std::move(other), std::move(h)));
    FAIL() << "no error";
  } catch (const ffi_tasks::UsageError &e) {
    EXPECT_NE(std::string(e.what()).find("input 1"), std::string::npos) << e.what();
  }
  ASSERT_TRUE(other.valid());
  EXPECT_EQ(std::move(other).wait(), 4u);
  std::vector<TaskHandle<std::uint64_t>> handles(2);
  handles[0] = std::move(taken);
  EXPECT_THROW(static_cast<void>(ffi_tasks::when_all(std::move(handles))), ffi_tasks::UsageError);
  EXPECT_TRUE(handles[0].valid());
}

TEST(WhenAllTest, InputWhoseCallbackIsUsedIsRefused) {
  const std::uint64_t id = fresh_id();
  auto probe = blocked_probe(id);
  auto used = ffi_tasks::spawn(Add{1, 1});
  used.on_complete([] {});
  EXPECT_THROW(static_cast<void>(ffi_tasks::when_all(std::move(probe), std::move(used))),
               ffi_tasks::InvalidArgument);
  EXPECT_TRUE(saw_cancel(id));  // consumed, and cancelled
}

// ----- when_any

TEST(WhenAnyTest, GivesTheFirstAndCancelsTheOthers) {
  const std::uint64_t id = fresh_id();
  auto any = ffi_tasks::when_any(blocked_probe(id), ffi_tasks::spawn(Add{1, 2}));
  auto first = std::move(any).wait();
  EXPECT_EQ(first.index, 1u);
  EXPECT_EQ(std::get<1>(first.value), 3u);
  EXPECT_TRUE(saw_cancel(id));
}

TEST(WhenAnyTest, FirstToFinishFailing) {
  const std::uint64_t id = fresh_id();
  std::vector<TaskHandle<std::uint64_t>> handles;
  handles.push_back(ffi_tasks::spawn([id](Token token) {
    while (!token.cancelled()) {
      std::this_thread::yield();
    }
    return id;
  }));
  handles.push_back(ffi_tasks::spawn(Fail{5}));
  EXPECT_THROW(static_cast<void>(ffi_tasks::when_any(std::move(handles)).wait()),
               ffi_tasks::TaskFailed);
}

TEST(WhenAnyTest, TenThousandHandles) {
  std::vector<TaskHandle<std::uint64_t>> handles;
  for (std::uint64_t i = 0; i < 10000; ++i) {
    handles.push_back(ffi_tasks::spawn(Add{i, 1000000}));
  }
  auto first = ffi_tasks::when_any(std::move(handles)).wait();
  ASSERT_LT(first.index, 10000u);
  EXPECT_EQ(first.value, first.index + 1000000);
}

TEST(WhenAnyTest, TenThousandBlockedHandlesAllCancelled) {
  // Each C++ job waits for its token; the one released job wins.
  auto release = std::make_shared<std::promise<void>>();
  std::shared_future<void> released = release->get_future().share();
  std::vector<TaskHandle<std::uint64_t>> handles;
  handles.push_back(ffi_tasks::spawn([released](Token) {
    released.wait();
    return std::uint64_t{7};
  }));
  for (std::uint64_t i = 1; i < 10000; ++i) {
    handles.push_back(ffi_tasks::spawn(Add{i, 0}));
  }
  auto any = ffi_tasks::when_any(std::move(handles));
  auto first = std::move(any).wait();
  EXPECT_GE(first.index, 1u);  // an Add: the job is still held
  release->set_value();
}

TEST(WhenAnyTest, NoInputsIsRefused) {
  EXPECT_THROW(static_cast<void>(ffi_tasks::when_any(std::vector<TaskHandle<std::uint64_t>>())),
               ffi_tasks::InvalidArgument);
}

TEST(WhenAnyTest, CancellingTheCombinedHandle) {
  const std::uint64_t a = fresh_id();
  const std::uint64_t b = fresh_id();
  auto any = ffi_tasks::when_any(blocked_probe(a), blocked_probe(b));
  EXPECT_EQ(any.progress(), (ffi_tasks::Progress{0, 1}));
  any.cancel();
  EXPECT_THROW(static_cast<void>(std::move(any).wait()), ffi_tasks::TaskCancelled);
  EXPECT_TRUE(saw_cancel(a));
  EXPECT_TRUE(saw_cancel(b));
}

TEST(WhenAnyTest, SameHandleTwiceIsRefused) {
  auto h = ffi_tasks::spawn(Add{1, 2});
  EXPECT_THROW(static_cast<void>(ffi_tasks::when_any(std::move(h), std::move(h))),
               ffi_tasks::InvalidArgument);
  EXPECT_TRUE(h.valid());
}

}  // namespace
