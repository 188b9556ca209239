// Assertions on exceptions that check the type AND what(), in the spirit of
// {fmt}'s test/gtest-extra.h.
#pragma once

#include <gtest/gtest.h>

#include <string>

// `statement` throws `type` (exactly, or a subclass), caught as `e`, and then
// `check` passes; another exception, or none, fails. (Implementation of the
// two below.)
#define FFI_TASKS_EXPECT_THROW_THAT_(statement, type, check)                       \
  do {                                                                             \
    bool ffi_tasks_caught_ = false;                                                \
    try {                                                                          \
      statement;                                                                   \
    } catch (const type &e) {                                                      \
      ffi_tasks_caught_ = true;                                                    \
      check;                                                                       \
    } catch (const std::exception &e) {                                            \
      ffi_tasks_caught_ = true;                                                    \
      ADD_FAILURE() << "expected " #type ", got another exception: " << e.what();  \
    }                                                                              \
    if (!ffi_tasks_caught_) ADD_FAILURE() << "expected " #type ", nothing thrown"; \
  } while (false)

// `statement` throws `type` (exactly, or a subclass) whose what() == message.
#define EXPECT_THROW_MSG(statement, type, message) \
  FFI_TASKS_EXPECT_THROW_THAT_(statement, type,    \
                               EXPECT_EQ(std::string(message), std::string(e.what())))

// `statement` throws `type` whose what() contains `part`.
#define EXPECT_THROW_CONTAINS(statement, type, part) \
  FFI_TASKS_EXPECT_THROW_THAT_(                      \
      statement, type, EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what())
