// ffi_tasks::Error (ffi_tasks/error.hpp) used as a hostile caller would: a
// null message, a kind that is not one, a message longer than any fixed
// buffer.
#include <gtest/gtest.h>

#include <cstring>
#include <string>

#include "ffi_tasks/error.hpp"

using ffi_tasks::Error;
using ffi_tasks::ErrorKind;

namespace {

TEST(ErrorHostileTest, ANullMessageIsEmpty) {
  const char *none = nullptr;  // what a C API may return for "no message"
  const Error error(ErrorKind::failed, none);
  EXPECT_STREQ(error.what(), "");
  EXPECT_EQ(error.kind(), ErrorKind::failed);
  EXPECT_THROW(ffi_tasks::throw_error(error), ffi_tasks::TaskFailed);
}

TEST(ErrorHostileTest, AKindThatIsNotOneThrowsTheBase) {
  const auto bogus = static_cast<ErrorKind>(9999);
  const Error error(bogus, "odd");
  EXPECT_EQ(to_string(bogus), "unknown");
  EXPECT_EQ(error.code().message(), "unknown");
  try {
    ffi_tasks::throw_error(error);
    ADD_FAILURE() << "nothing thrown";
  } catch (const Error &e) {
    EXPECT_EQ(e.kind(), bogus);
    EXPECT_STREQ(e.what(), "odd");
  }
}

TEST(ErrorHostileTest, AMessageOfEightMegabytesIsKeptWhole) {
  std::string message(8u << 20, 'x');
  message.back() = 'y';
  const Error error(ErrorKind::invalid_argument, message);
  EXPECT_EQ(std::strlen(error.what()), message.size());
  try {
    ffi_tasks::throw_error(error);
  } catch (const ffi_tasks::InvalidArgument &e) {
    EXPECT_EQ(std::string(e.what()), message);
  }
}

}  // namespace
