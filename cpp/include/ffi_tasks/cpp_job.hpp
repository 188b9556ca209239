// ffi_tasks/cpp_job.hpp — the C++ side of a job run on the Rust pool: the
// interface the cxx bridge (src/bridge.rs, `extern "C++" { type CppJob; }`)
// calls. Included by the generated bridge header; users call
// ffi_tasks::spawn (ffi_tasks/spawn.hpp) instead of touching this.
//
// Kept free of the other ffi_tasks headers on purpose: the generated bridge
// header includes this file, and they may include the bridge header.
#pragma once

#include <cstdint>

#include "rust/cxx.h"

namespace ffi_tasks {
namespace bridge {

// The crate's CancellationToken, defined by the generated bridge header.
struct CancellationToken;

// A job Rust runs once on a worker thread and then destroys there.
class CppJob {
 public:
  // What run() returns: the C ABI's task status numbers.
  static constexpr std::uint8_t completed = 1;
  static constexpr std::uint8_t failed = 2;
  static constexpr std::uint8_t cancelled = 3;

  CppJob() = default;
  CppJob(const CppJob &) = delete;
  CppJob &operator=(const CppJob &) = delete;
  virtual ~CppJob() = default;

  // Runs the job. Must not throw: a failure is reported by returning
  // `failed` (or `cancelled`) with a description in `error`, which becomes
  // the Rust task's error message.
  virtual std::uint8_t run(const CancellationToken &token, rust::String &error) noexcept = 0;
};

}  // namespace bridge
}  // namespace ffi_tasks
