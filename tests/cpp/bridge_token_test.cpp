// CancellationToken shared between C++ and Rust: C++ owns tokens
// (rust::Box), makes children, spawns Rust tasks and C++ jobs under them,
// cancels whole groups with one call, and links std::stop_token to them.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <future>
#include <limits>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "bridge_tasks.hpp"
#include "example_tasks.hpp"
#include "ffi_tasks/bridge.hpp"
#include "gtest_extra.hpp"

using ffi_tasks::CancellationToken;
using ffi_tasks::TaskHandle;
using ffi_tasks::TaskStatus;
using test_support::fresh_id;
using test_support::wait_started;

namespace {

static_assert(std::is_same<decltype(ffi_tasks::make_token()), rust::Box<CancellationToken>>::value,
              "C++ owns tokens through rust::Box");
static_assert(
    std::is_same<decltype(ffi_tasks::spawn(Spin{}, std::declval<const CancellationToken &>())),
                 TaskHandle<std::uint64_t>>::value,
    "spawning under a token gives the usual handle");

TEST(TokenTest, NewTokenIsNotCancelled) {
  auto token = ffi_tasks::make_token();
  EXPECT_FALSE(token->cancelled());
  EXPECT_FALSE(token->wait_cancelled(0));
  EXPECT_FALSE(ffi_tasks::wait_cancelled(*token, std::chrono::milliseconds(1)));
}

constexpr double kInf = std::numeric_limits<double>::infinity();

TEST(TokenTest, WaitCancelledTimeoutsSaturate) {
  auto token = ffi_tasks::make_token();
  // Zero, negative or -inf: only a check.
  EXPECT_FALSE(ffi_tasks::wait_cancelled(*token, std::chrono::nanoseconds::min()));
  EXPECT_FALSE(ffi_tasks::wait_cancelled(*token, std::chrono::hours::min()));
  EXPECT_FALSE(ffi_tasks::wait_cancelled(*token, std::chrono::duration<double>(-kInf)));
  EXPECT_THROW(ffi_tasks::wait_cancelled(
                   *token, std::chrono::duration<double>(std::numeric_limits<double>::quiet_NaN())),
               ffi_tasks::InvalidArgument);
  // Huge: waits until cancelled (bounded: the test cancels after kWaitMs).
  auto waiting = std::async(std::launch::async, [&token] {
    return ffi_tasks::wait_cancelled(*token, std::chrono::hours::max()) &&
           ffi_tasks::wait_cancelled(*token, std::chrono::duration<double>(kInf));
  });
  EXPECT_EQ(waiting.wait_for(std::chrono::milliseconds(0)), std::future_status::timeout);
  token->cancel();
  ASSERT_EQ(waiting.wait_for(std::chrono::milliseconds(bridge_support::kWaitMs)),
            std::future_status::ready);
  EXPECT_TRUE(waiting.get());
}

TEST(TokenTest, CancelIsIdempotentAndSeenByClones) {
  auto token = ffi_tasks::make_token();
  auto clone = token->clone();
  EXPECT_TRUE(clone->same_as(*token));
  clone->cancel();
  clone->cancel();
  EXPECT_TRUE(token->cancelled());
  EXPECT_TRUE(token->wait_cancelled(UINT64_MAX));
  EXPECT_TRUE(ffi_tasks::wait_cancelled(*token, std::chrono::hours(1)));
}

TEST(TokenTest, ChildFollowsParentButNotTheOtherWayRound) {
  auto parent = ffi_tasks::make_token();
  auto child = parent->child();
  auto grandchild = child->child();
  EXPECT_FALSE(child->same_as(*parent));
  child->cancel();
  EXPECT_FALSE(parent->cancelled());
  EXPECT_TRUE(grandchild->cancelled());
  auto other_child = parent->child();
  parent->cancel();
  EXPECT_TRUE(other_child->cancelled());
  EXPECT_TRUE(parent->child()->cancelled()) << "a child of a cancelled token starts cancelled";
}

TEST(TokenTest, ChildOutlivesDroppedParentBox) {
  auto parent = ffi_tasks::make_token();
  auto keep = parent->clone();
  auto child = parent->child();
  parent = ffi_tasks::make_token();  // drops one reference to the old token
  keep->cancel();
  EXPECT_TRUE(child->cancelled());
}

TEST(TokenTest, WaitCancelledWakesWhenAnotherThreadCancels) {
  auto token = ffi_tasks::make_token();
  auto job = ffi_tasks::spawn(
      [](const CancellationToken &t) { return t.wait_cancelled(UINT64_MAX); }, *token);
  token->cancel();
  EXPECT_TRUE(std::move(job).wait());
}

TEST(TokenTest, ProgressThroughTheToken) {
  auto token = ffi_tasks::make_token();
  token->set_progress(3, 8);
  const ffi_tasks::TaskProgress p = token->clone()->progress();
  EXPECT_EQ(p.done, 3u);
  EXPECT_EQ(p.total, 8u);
}

TEST(TokenTest, SameTokenForTheCApi) {
  auto token = ffi_tasks::make_token();
  const ffi_tasks_token *c = ffi_tasks::c_token(*token);
  EXPECT_EQ(ffi_tasks_token_cancelled(c), 0);
  ffi_tasks_token_cancel(c);
  EXPECT_TRUE(token->cancelled());
  EXPECT_EQ(ffi_tasks_token_wait_cancelled(c, 0), 1);
}

TEST(TokenTest, RustTaskUnderCppTokenIsCancelledWithIt) {
  auto token = ffi_tasks::make_token();
  auto spin = ffi_tasks::spawn(Spin{0}, *token);
  EXPECT_FALSE(spin.cancelled());
  token->cancel();
  EXPECT_THROW(std::move(spin).wait(), ffi_tasks::TaskCancelled);
}

TEST(TokenTest, CancellingTheTaskDoesNotCancelTheGroup) {
  auto group = ffi_tasks::make_token();
  auto spin = ffi_tasks::spawn(Spin{1}, *group);  // returns its count when cancelled
  spin.cancel();
  EXPECT_NO_THROW(std::move(spin).wait());
  EXPECT_FALSE(group->cancelled()) << "each task gets a child of the group token";
}

TEST(TokenTest, OneCancelStopsAGroupWhileSomeTasksAreDone) {
  auto group = ffi_tasks::make_token();
  const ffi_tasks::PoolStats before = bridge_support::settled_stats();
  // Finished before the cancel: their values survive it.
  std::vector<TaskHandle<std::uint64_t>> done;
  for (std::uint64_t i = 0; i < 5; ++i) {
    done.push_back(ffi_tasks::spawn(Add{i, 100}, *group));
  }
  done.push_back(
      ffi_tasks::spawn([](const CancellationToken &) { return std::uint64_t{7}; }, *group));
  for (auto &h : done) {
    ASSERT_TRUE(bridge_support::wait_finished(h));
  }
  // Blocked until cancelled: Rust tasks and C++ jobs under the same token,
  // and a grandchild group.
  auto subgroup = group->child();
  std::vector<TaskHandle<std::uint64_t>> blocked;
  for (int i = 0; i < 3; ++i) {
    blocked.push_back(ffi_tasks::spawn(Spin{0}, *group));
    blocked.push_back(ffi_tasks::spawn(Spin{0}, *subgroup));
    blocked.push_back(ffi_tasks::spawn(
        [](const CancellationToken &t) -> std::uint64_t {
          t.wait_cancelled(UINT64_MAX);
          ffi_tasks::throw_if_cancelled(t);
          return 0;
        },
        *group));
  }
  // Not in the group: must keep running.
  auto outsider = ffi_tasks::spawn(Spin{1});

  group->cancel();

  for (auto &h : blocked) {
    EXPECT_THROW(std::move(h).wait(), ffi_tasks::TaskCancelled);
  }
  for (std::uint64_t i = 0; i < 5; ++i) {
    EXPECT_EQ(std::move(done[i]).wait(), i + 100) << "a finished task keeps its value";
  }
  EXPECT_EQ(std::move(done[5]).wait(), 7u);
  EXPECT_EQ(outsider.status(), TaskStatus::running);
  EXPECT_FALSE(outsider.cancelled());
  outsider.cancel();
  EXPECT_NO_THROW(std::move(outsider).wait());

  // The pool counted the group exactly: 6 completed + 1 outsider, 9 cancelled.
  const ffi_tasks::PoolStats after = bridge_support::settled_stats();
  EXPECT_EQ(after.completed - before.completed, 7u);
  EXPECT_EQ(after.cancelled - before.cancelled, 9u);
  EXPECT_EQ(after.failed - before.failed, 0u);
}

TEST(TokenTest, CancelledGroupStartsNewTasksCancelled) {
  auto group = ffi_tasks::make_token();
  group->cancel();
  auto spin = ffi_tasks::spawn(Spin{0}, *group);
  EXPECT_TRUE(spin.cancelled());
  EXPECT_THROW(std::move(spin).wait(), ffi_tasks::TaskCancelled);
  // A task that ignores its token still completes.
  EXPECT_EQ(ffi_tasks::spawn(Add{1, 2}, *group).wait(), 3u);
}

TEST(TokenTest, TrySpawnUnderTokenGivesResult) {
  auto group = ffi_tasks::make_token();
  auto spawned = ffi_tasks::try_spawn(Add{2, 2}, *group);
  ASSERT_TRUE(spawned.has_value());
  EXPECT_EQ(std::move(*spawned).wait(), 4u);
}

#if FFI_TASKS_HAS_STOP_TOKEN
TEST(StopTokenLinkTest, StopRequestCancelsTheTokenAndItsTasks) {
  auto group = ffi_tasks::make_token();
  auto spin = ffi_tasks::spawn(Spin{0}, *group);
  std::stop_source source;
  ffi_tasks::StopCallback link = ffi_tasks::cancel_on_stop(source.get_token(), *group);
  EXPECT_FALSE(group->cancelled());
  EXPECT_TRUE(source.request_stop());
  EXPECT_TRUE(group->cancelled());
  EXPECT_THROW(std::move(spin).wait(), ffi_tasks::TaskCancelled);
}

TEST(StopTokenLinkTest, AlreadyStoppedCancelsAtOnce) {
  auto token = ffi_tasks::make_token();
  std::stop_source source;
  source.request_stop();
  auto link = ffi_tasks::cancel_on_stop(source.get_token(), *token);
  EXPECT_TRUE(token->cancelled());
}

TEST(StopTokenLinkTest, DestroyedLinkNoLongerCancels) {
  auto token = ffi_tasks::make_token();
  std::stop_source source;
  { auto link = ffi_tasks::cancel_on_stop(source.get_token(), *token); }
  source.request_stop();
  EXPECT_FALSE(token->cancelled());
}

TEST(StopTokenLinkTest, LinkKeepsItsOwnReference) {
  std::stop_source source;
  auto token = ffi_tasks::make_token();
  auto child = token->child();
  auto link = ffi_tasks::cancel_on_stop(source.get_token(), *token);
  token = ffi_tasks::make_token();  // the caller's box is gone; the link's is not
  source.request_stop();
  EXPECT_TRUE(child->cancelled());
}

TEST(StopTokenLinkTest, JthreadStopCancelsACppJob) {
  auto group = ffi_tasks::make_token();
  auto job = ffi_tasks::spawn(
      [](const CancellationToken &t) {
        t.wait_cancelled(UINT64_MAX);
        ffi_tasks::throw_if_cancelled(t);
      },
      *group);
  {
    std::jthread owner([&group](std::stop_token stop) {
      auto link = ffi_tasks::cancel_on_stop(stop, *group);
      group->wait_cancelled(UINT64_MAX);  // until the jthread is stopped
    });
  }  // ~jthread: request_stop, then join
  EXPECT_THROW(std::move(job).wait(), ffi_tasks::TaskCancelled);
}
#endif

}  // namespace
