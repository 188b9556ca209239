// when_all / when_any (ffi_tasks/when.hpp) used as a hostile caller would:
// a continuation (the combined handle's completion callback, a resumed
// coroutine) that waits for the inputs the combinator cancels; a callback
// that destroys the combined handle it was called for.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <memory>
#include <optional>
#include <tuple>
#include <utility>
#include <vector>

#include "example_tasks.hpp"
#include "ffi_tasks/when.hpp"

using ffi_tasks::TaskHandle;

namespace {

// A probe that runs until it is cancelled, started.
TaskHandle<ProbeOutput> blocked_probe(std::uint64_t id) {
  auto h = ffi_tasks::spawn(Probe{id, 0, probe_mode::cancel_when_cancelled});
  EXPECT_TRUE(test_support::wait_started(id));
  return h;
}

// Registers a completion callback on `combined` that waits (bounded) until
// the probe `id` saw its cancellation; the future says whether it did.
template <class T>
std::future<bool> continuation_waits_for_cancel(TaskHandle<T> &combined, std::uint64_t id) {
  auto seen = std::make_shared<std::promise<bool>>();
  std::future<bool> result = seen->get_future();
  combined.on_complete([seen, id]() noexcept {
    seen->set_value(example_probe_wait_saw_cancel(id, 1, test_support::kWaitMs) == 1);
  });
  return result;
}

// An input finished by the test, when it wants (after the combined
// handle's callback is registered): its completion runs that callback.
struct manual_input {
  std::shared_ptr<ffi_tasks::detail::completion_state<ProbeOutput>> state =
      std::make_shared<ffi_tasks::detail::completion_state<ProbeOutput>>();
  TaskHandle<ProbeOutput> handle() { return ffi_tasks::detail::state_handle<ProbeOutput>(state); }
  void succeed() { state->complete(ProbeOutput{0, 7}); }
  void fail() { state->fail(ffi_tasks::Error(ffi_tasks::ErrorKind::failed, "input failed")); }
};

TEST(WhenHostileTest, WhenAnyCancelsTheOthersBeforeItsContinuationRuns) {
  const std::uint64_t id = test_support::fresh_id();
  manual_input winner;
  auto any = ffi_tasks::when_any(blocked_probe(id), winner.handle());
  std::future<bool> saw_cancel = continuation_waits_for_cancel(any, id);
  winner.succeed();  // runs the continuation, here
  EXPECT_TRUE(saw_cancel.get());
  EXPECT_EQ(std::move(any).wait().index, 1u);
}

TEST(WhenHostileTest, WhenAnyOfAVectorCancelsTheOthersBeforeItsContinuationRuns) {
  const std::uint64_t id = test_support::fresh_id();
  manual_input winner;
  std::vector<TaskHandle<ProbeOutput>> inputs;
  inputs.push_back(blocked_probe(id));
  inputs.push_back(winner.handle());
  auto any = ffi_tasks::when_any(std::move(inputs));
  std::future<bool> saw_cancel = continuation_waits_for_cancel(any, id);
  winner.succeed();
  EXPECT_TRUE(saw_cancel.get());
  EXPECT_EQ(std::move(any).wait().index, 1u);
}

TEST(WhenHostileTest, WhenAllFailingFastCancelsTheOthersBeforeItsContinuationRuns) {
  const std::uint64_t id = test_support::fresh_id();
  manual_input failing;
  auto all = ffi_tasks::when_all(blocked_probe(id), failing.handle());
  std::future<bool> saw_cancel = continuation_waits_for_cancel(all, id);
  failing.fail();
  EXPECT_TRUE(saw_cancel.get());
  // The first error, not the cancellation it caused.
  EXPECT_THROW(static_cast<void>(std::move(all).wait()), ffi_tasks::TaskFailed);
}

TEST(WhenHostileTest, WhenAllOfAVectorFailingFastCancelsTheOthersBeforeItsContinuationRuns) {
  const std::uint64_t id = test_support::fresh_id();
  manual_input failing;
  std::vector<TaskHandle<ProbeOutput>> inputs;
  inputs.push_back(blocked_probe(id));
  inputs.push_back(failing.handle());
  auto all = ffi_tasks::when_all(std::move(inputs));
  std::future<bool> saw_cancel = continuation_waits_for_cancel(all, id);
  failing.fail();
  EXPECT_TRUE(saw_cancel.get());
  EXPECT_THROW(static_cast<void>(std::move(all).wait()), ffi_tasks::TaskFailed);
}

TEST(WhenHostileTest, ACallbackThatDestroysTheCombinedHandleItWasCalledFor) {
  auto all = std::make_unique<TaskHandle<std::tuple<std::uint64_t, std::uint64_t>>>(
      ffi_tasks::when_all(ffi_tasks::spawn(Add{1, 2}), ffi_tasks::spawn(Add{3, 4})));
  std::promise<void> done;
  auto *owner = &all;
  (*all).on_complete([owner, &done]() noexcept {
    owner->reset();  // the handle it was called for, from inside the callback
    done.set_value();
  });
  ASSERT_EQ(done.get_future().wait_for(std::chrono::seconds(60)), std::future_status::ready);
  EXPECT_EQ(all, nullptr);
}

TEST(WhenHostileTest, MovedFromAndEmptyInputsAreRefusedEverywhere) {
  auto good = ffi_tasks::spawn(Add{1, 1});
  auto moved = std::move(good);
  EXPECT_THROW(static_cast<void>(ffi_tasks::when_any(std::move(good), std::move(moved))),
               ffi_tasks::UsageError);
  ASSERT_TRUE(moved.valid());  // nothing consumed
  std::vector<TaskHandle<std::uint64_t>> with_empty;
  with_empty.push_back(std::move(moved));
  with_empty.emplace_back();
  EXPECT_THROW(static_cast<void>(ffi_tasks::when_any(std::move(with_empty))),
               ffi_tasks::UsageError);
  EXPECT_TRUE(with_empty[0].valid());
}

}  // namespace
