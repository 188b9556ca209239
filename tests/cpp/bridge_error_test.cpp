// The typed last error of the C calls through the bridge (kind and message
// as one rust::String, no buffer sizing), and the bridge's own failures:
// thrown once as rust::Error carrying the kind, typed by the C++ wrappers,
// without touching the C last error.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <string>

#include "bridge_tasks.hpp"
#include "example_tasks.hpp"
#include "ffi_tasks/bridge.hpp"
#include "gtest_extra.hpp"

#if !defined(FFI_TASKS_HAS_BRIDGE) || !FFI_TASKS_HAS_BRIDGE
#error "the ffi_tasks::bridge target must define FFI_TASKS_HAS_BRIDGE"
#endif

namespace {

TEST(BridgeErrorTest, LastErrorAfterAFailedCCall) {
  ffi_tasks::bridge::clear_last_error();
  add_cancel(nullptr);
  const ffi_tasks::bridge::LastError last = ffi_tasks::bridge::last_error();
  EXPECT_EQ(last.kind, FFI_TASKS_ERROR_NULL_POINTER);
  EXPECT_EQ(std::string(last.message), "null pointer passed as `handle`");
  // Reading does not clear it; clearing does.
  EXPECT_EQ(ffi_tasks::bridge::last_error().kind, FFI_TASKS_ERROR_NULL_POINTER);
  ffi_tasks::bridge::clear_last_error();
  EXPECT_EQ(ffi_tasks::bridge::last_error().kind, 0);
  EXPECT_TRUE(ffi_tasks::bridge::last_error().message.empty());
}

TEST(BridgeErrorTest, SameErrorAsTheCAbiSees) {
  fail_handle *handle = fail_spawn(nullptr);
  EXPECT_EQ(handle, nullptr);
  const ffi_tasks::bridge::LastError last = ffi_tasks::bridge::last_error();
  EXPECT_EQ(last.kind, ffi_tasks_last_error_kind());
  std::string via_buffer(static_cast<std::size_t>(ffi_tasks_last_error_length()), '\0');
  ASSERT_GT(ffi_tasks_last_error_message(&via_buffer[0], static_cast<int>(via_buffer.size())), 0);
  via_buffer.pop_back();  // the NUL
  EXPECT_EQ(std::string(last.message), via_buffer);
}

TEST(BridgeErrorTest, PublicLastErrorIsTyped) {
  add_cancel(nullptr);
  std::optional<ffi_tasks::Error> error = ffi_tasks::last_error();
  ASSERT_TRUE(error.has_value());
  EXPECT_EQ(error->kind(), ffi_tasks::ErrorKind::null_pointer);
  EXPECT_STREQ(error->what(), "null pointer passed as `handle`");
  EXPECT_FALSE(error->original());
}

TEST(BridgeErrorTest, TaskErrorKeepsItsCauseChain) {
  EXPECT_THROW_MSG(ffi_tasks::spawn(Fail{7}).wait(), ffi_tasks::TaskFailed,
                   "task failed with code 7: while reading input: root cause");
}

TEST(BridgeErrorTest, PanicIsTyped) {
  EXPECT_THROW_CONTAINS(ffi_tasks::spawn(Boom{0}).wait(), ffi_tasks::TaskPanicked, "boom");
}

TEST(BridgeErrorTest, LongMessageComesThroughWhole) {
  // 64 KiB of message: more than any fixed buffer a C caller would guess.
  const std::string message(std::size_t{64} << 10, 'm');
  auto result = ffi_tasks::spawn([message](const ffi_tasks::CancellationToken &) -> int {
                  throw std::runtime_error(message);
                }).try_wait();
  ASSERT_FALSE(result.has_value());
  EXPECT_EQ(std::string(result.error().what()), "C++ exception std::runtime_error: " + message);
  const ffi_tasks::bridge::LastError last = ffi_tasks::bridge::last_error();
  EXPECT_EQ(last.kind, FFI_TASKS_ERROR_FAILED);
  EXPECT_EQ(last.message.size(),
            message.size() + std::strlen("C++ exception std::runtime_error: "));
}

TEST(BridgeErrorTest, RawBridgeCallsThrowRustErrorCarryingTheKind) {
  // A fallible bridge function throws rust::Error (cxx's Result) whose
  // what() is "<kind name>: <message>"...
  ffi_tasks::PoolOptions zero = ffi_tasks::default_pool_options();
  zero.max_threads = 0;
  EXPECT_THROW_MSG(
      ffi_tasks::bridge::configure_pool(zero), rust::Error,
      "invalid_argument: cannot configure the global pool: invalid argument: invalid pool "
      "configuration: max_threads must be at least 1");
  // ...which the C++ wrappers turn into the typed exception, message unprefixed.
  EXPECT_THROW_MSG(ffi_tasks::configure_pool(zero), ffi_tasks::InvalidArgument,
                   "cannot configure the global pool: invalid argument: invalid pool "
                   "configuration: max_threads must be at least 1");
}

TEST(BridgeErrorTest, BridgeCallsLeaveTheCLastErrorAlone) {
  // A failed C call leaves its error...
  add_cancel(nullptr);
  ASSERT_EQ(ffi_tasks_last_error_kind(), FFI_TASKS_ERROR_NULL_POINTER);
  // ...a failing bridge call reports its own error once, through the exception...
  ffi_tasks::PoolOptions zero = ffi_tasks::default_pool_options();
  zero.max_threads = 0;
  EXPECT_THROW_MSG(ffi_tasks::configure_pool(zero), ffi_tasks::InvalidArgument,
                   "cannot configure the global pool: invalid argument: invalid pool "
                   "configuration: max_threads must be at least 1");
  EXPECT_THROW_CONTAINS(ffi_tasks::bridge::configure_pool(zero), rust::Error,
                        "max_threads must be at least 1");
  // ...and neither it nor a successful one touches the C last error.
  (void)ffi_tasks::pool_stats();
  const ffi_tasks::bridge::LastError last = ffi_tasks::bridge::last_error();
  EXPECT_EQ(last.kind, FFI_TASKS_ERROR_NULL_POINTER);
  EXPECT_EQ(std::string(last.message), "null pointer passed as `handle`");
  ffi_tasks::bridge::clear_last_error();
}

TEST(BridgeErrorTest, BridgeErrorTextSplitsIntoKindAndMessage) {
  using ffi_tasks::ErrorKind;
  using ffi_tasks::detail::bridge_error;
  for (int k = 1; k < FFI_TASKS_ERROR_KINDS; ++k) {
    const ffi_tasks::Error error =
        bridge_error(std::string(ffi_tasks_error_kind_name(k)) + ": outer: inner: root");
    EXPECT_EQ(static_cast<int>(error.kind()), k);
    EXPECT_STREQ(error.what(), "outer: inner: root");
  }
  // An empty message after a known name.
  EXPECT_EQ(bridge_error("timed_out: ").kind(), ErrorKind::timed_out);
  EXPECT_STREQ(bridge_error("timed_out: ").what(), "");
  // No known name first: failed, with the whole text.
  for (const char *text : {"no kind here", "bogus: message", "none: message", "failed:x",
                           "invalid_argument", "", ": message", "Failed: message"}) {
    const ffi_tasks::Error error = bridge_error(text);
    EXPECT_EQ(error.kind(), ErrorKind::failed) << text;
    EXPECT_STREQ(error.what(), text);
  }
}

TEST(BridgeErrorTest, VersionsAgree) {
  EXPECT_EQ(std::string(ffi_tasks::bridge::version()), std::string(ffi_tasks_version()));
  EXPECT_EQ(std::string(ffi_tasks::bridge::version()), std::string(ffi_tasks::version()));
}

}  // namespace
