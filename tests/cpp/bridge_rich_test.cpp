// Rich outputs through the ordinary TaskHandle<T>: Rust's String, Vec<T>
// and Box<Blob> arrive as rust::String, rust::Vec<T>, rust::Box<Blob>, with
// no copy of the payload (the C++ value points at the very buffer the Rust
// task filled) and exactly one free (Blob counts its drops; ASan/LSan and
// valgrind catch a double free or a leak of the String/Vec buffers).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <cstring>
#include <future>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "bridge_tasks.hpp"
#include "example_tasks.hpp"
#include "ffi_tasks/bridge.hpp"
#include "gtest_extra.hpp"

using ffi_tasks::TaskHandle;
using ffi_tasks::TaskStatus;
using ffi_tasks_example::Blob;

namespace {

static_assert(std::is_same<decltype(ffi_tasks::spawn(Text{})), TaskHandle<rust::String>>::value,
              "");
static_assert(
    std::is_same<decltype(ffi_tasks::spawn(Bytes{})), TaskHandle<rust::Vec<std::uint8_t>>>::value,
    "");
static_assert(
    std::is_same<decltype(ffi_tasks::spawn(MakeBlob{})), TaskHandle<rust::Box<Blob>>>::value, "");
static_assert(sizeof(rust::String) == 3 * sizeof(void *), "the layout the in-place move relies on");
static_assert(sizeof(rust::Vec<std::uint8_t>) == 3 * sizeof(void *), "");
static_assert(sizeof(rust::Box<Blob>) == sizeof(void *), "");

std::uintptr_t address_of(const void *p) { return reinterpret_cast<std::uintptr_t>(p); }

constexpr std::uint64_t k64MiB = std::uint64_t{64} << 20;

TEST(RichOutputTest, StringArrivesWithoutCopy) {
  rust::String text = ffi_tasks::spawn(Text{3}).wait();
  EXPECT_EQ(std::string(text), "ffi_tasks ffi_tasks ffi_tasks ");
  EXPECT_EQ(address_of(text.data()), ffi_tasks_example::last_payload_address());
}

TEST(RichOutputTest, EmptyStringIsFine) {
  rust::String text = ffi_tasks::spawn(Text{0}).wait();
  EXPECT_TRUE(text.empty());
}

TEST(RichOutputTest, LargeStringThroughPoll) {
  auto handle = ffi_tasks::spawn(Text{1 << 20});  // 10 MiB
  ASSERT_TRUE(bridge_support::wait_finished(handle));
  std::optional<rust::String> text = handle.poll();
  ASSERT_TRUE(text.has_value());
  EXPECT_EQ(text->size(), std::size_t{10} << 20);
  EXPECT_EQ(address_of(text->data()), ffi_tasks_example::last_payload_address());
  EXPECT_THROW((void)handle.poll(), ffi_tasks::AlreadyTaken);
}

TEST(RichOutputTest, VecOfU64) {
  rust::Vec<std::uint64_t> squares = ffi_tasks::spawn(Squares{1000}).wait();
  ASSERT_EQ(squares.size(), 1000u);
  EXPECT_EQ(address_of(squares.data()), ffi_tasks_example::last_payload_address());
  for (std::uint64_t i = 0; i < squares.size(); ++i) {
    ASSERT_EQ(squares[i], i * i);
  }
}

TEST(RichOutputTest, SixtyFourMebibytePayloadIsNotCopied) {
  rust::Vec<std::uint8_t> bytes = ffi_tasks::spawn(Bytes{k64MiB, 0x5a}).wait();
  ASSERT_EQ(bytes.size(), k64MiB);
  // The C++ vector owns the buffer the Rust task wrote: nothing was copied.
  EXPECT_EQ(address_of(bytes.data()), ffi_tasks_example::last_payload_address());
  for (std::uint64_t i = 0; i < bytes.size(); i += 4093) {
    ASSERT_EQ(bytes[i], static_cast<std::uint8_t>(static_cast<std::uint8_t>(i) ^ 0x5a)) << i;
  }
  EXPECT_EQ(bytes[k64MiB - 1], static_cast<std::uint8_t>(0xff ^ 0x5a));
}

TEST(RichOutputTest, SixtyFourMebibytePayloadMovesAroundInCpp) {
  auto handle = ffi_tasks::spawn(Bytes{k64MiB, 1});
  std::optional<rust::Vec<std::uint8_t>> bytes =
      handle.wait_for(std::chrono::milliseconds(bridge_support::kWaitMs));
  ASSERT_TRUE(bytes.has_value());
  const std::uintptr_t buffer = address_of(bytes->data());
  rust::Vec<std::uint8_t> moved = std::move(*bytes);
  EXPECT_EQ(address_of(moved.data()), buffer);
  EXPECT_TRUE(bytes->empty());  // the moved-from vector is empty and valid
}

TEST(RichOutputTest, PayloadNeverTakenIsFreedByRust) {
  // Destroying the handle after the task finished leaves the 64 MiB to Rust,
  // which frees it once (a leak or double free fails the ASan/valgrind runs).
  auto handle = ffi_tasks::spawn(Bytes{k64MiB, 2});
  ASSERT_TRUE(bridge_support::wait_finished(handle));
  handle.reset();
  EXPECT_FALSE(handle.valid());
}

TEST(RichOutputTest, FailingRichTaskThrowsItsError) {
  EXPECT_THROW_CONTAINS(ffi_tasks::spawn(Bytes{std::uint64_t{1} << 40, 0}).wait(),
                        ffi_tasks::TaskFailed, "refusing to allocate");
}

TEST(RichOutputTest, CancelledRichTask) {
  auto group = ffi_tasks::make_token();
  group->cancel();
  EXPECT_THROW(ffi_tasks::spawn(Bytes{k64MiB, 3}, *group).wait(), ffi_tasks::TaskCancelled);
}

TEST(RichOutputTest, BoxOfOpaqueRustTypeIsDroppedExactlyOnce) {
  const std::uint64_t created = ffi_tasks_example::blobs_created();
  const std::uint64_t dropped = ffi_tasks_example::blobs_dropped();
  {
    rust::Box<Blob> blob = ffi_tasks::spawn(MakeBlob{300}).wait();
    EXPECT_EQ(address_of(&*blob), ffi_tasks_example::last_payload_address());
    EXPECT_EQ(std::string(blob->label()), "blob-300");
    ASSERT_EQ(blob->size(), 300u);
    rust::Slice<const std::uint8_t> bytes = blob->bytes();
    EXPECT_EQ(bytes[299], 299 % 256);
    EXPECT_EQ(ffi_tasks_example::blobs_dropped(), dropped) << "not dropped while C++ owns it";
  }
  EXPECT_EQ(ffi_tasks_example::blobs_created(), created + 1);
  EXPECT_EQ(ffi_tasks_example::blobs_dropped(), dropped + 1);
}

TEST(RichOutputTest, BoxThroughPollAndMove) {
  const std::uint64_t dropped = ffi_tasks_example::blobs_dropped();
  auto handle = ffi_tasks::spawn(MakeBlob{8});
  ASSERT_TRUE(bridge_support::wait_finished(handle));
  std::optional<rust::Box<Blob>> blob = handle.poll();
  ASSERT_TRUE(blob.has_value());
  rust::Box<Blob> moved = std::move(*blob);
  blob.reset();  // a moved-from (null) Box is destroyed without a drop
  EXPECT_EQ(ffi_tasks_example::blobs_dropped(), dropped);
  EXPECT_EQ(moved->size(), 8u);
  { rust::Box<Blob> gone = std::move(moved); }
  EXPECT_EQ(ffi_tasks_example::blobs_dropped(), dropped + 1);
}

TEST(RichOutputTest, BoxNeverTakenIsDroppedByRust) {
  const std::uint64_t dropped = ffi_tasks_example::blobs_dropped();
  auto handle = ffi_tasks::spawn(MakeBlob{8});
  ASSERT_TRUE(bridge_support::wait_finished(handle));
  handle.reset();
  // The worker may still hold the result for a moment after the handle saw
  // the task finish; once the pool is idle, the last reference is gone.
  bridge_support::settled_stats();
  EXPECT_EQ(ffi_tasks_example::blobs_dropped(), dropped + 1);
}

TEST(RichOutputTest, BoxThroughFuture) {
  const std::uint64_t dropped = ffi_tasks_example::blobs_dropped();
  std::future<rust::Box<Blob>> future = ffi_tasks::spawn(MakeBlob{4}).to_future();
  rust::Box<Blob> blob = future.get();
  EXPECT_EQ(blob->size(), 4u);
  { rust::Box<Blob> gone = std::move(blob); }
  EXPECT_EQ(ffi_tasks_example::blobs_dropped(), dropped + 1);
}

TEST(RichOutputTest, ManyStringsFromManyTasks) {
  std::vector<TaskHandle<rust::String>> handles;
  for (std::uint64_t i = 0; i < 200; ++i) {
    handles.push_back(ffi_tasks::spawn(Text{i % 7}));
  }
  for (std::uint64_t i = 0; i < handles.size(); ++i) {
    rust::String text = std::move(handles[i]).wait();
    ASSERT_EQ(text.size(), 10 * (i % 7));
  }
}

}  // namespace
