// The consumer's C++ program: its own Rust task (rust/src/lib.rs) through the
// C++ API (TaskHandle<T>, exceptions) and the C API, plus the cxx bridge.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>

#include <ffi_tasks/ffi_tasks.h>
#include <ffi_tasks/ffi_tasks.hpp>

#include "ffi_tasks_bridge/bridge.h"  // generated from ffi_tasks' src/bridge.rs
#include "rust/cxx.h"

// The Rust task's type (#[repr(C)] struct SumTo) comes from the header the
// build generates for our crate; binding it to C++ takes one line.
#include "consumer_tasks.h"
FFI_TASKS_CPP_TASK(sum_to, SumTo, std::uint64_t);

namespace {

int fail(const char *what) {
  std::fprintf(stderr, "consumer_cpp: %s\n", what);
  return 1;
}

}  // namespace

int main() {
  // The cxx bridge and the C API come from the same staticlib.
  const std::string bridge_version(ffi_tasks::bridge::version());
  if (bridge_version != ffi_tasks_version()) {
    return fail("bridge and C API disagree on the version");
  }

  // C++ API: spawn, wait (consumes the handle), errors as exceptions.
  ffi_tasks::TaskHandle<std::uint64_t> handle = ffi_tasks::spawn(SumTo{1000000});
  const std::uint64_t sum = std::move(handle).wait();
  if (sum != 500000500000ull || handle.valid()) {
    return fail("wrong sum, or the handle was not consumed");
  }
  try {
    (void)ffi_tasks::spawn(SumTo{0}).wait();
    return fail("expected an exception");
  } catch (const ffi_tasks::Error &e) {
    if (e.kind() != ffi_tasks::ErrorKind::failed || std::strcmp(e.what(), "nothing to sum") != 0) {
      std::fprintf(stderr, "unexpected error: %s\n", e.what());
      return fail("wrong error");
    }
  }

  // C API on the same task.
  const SumTo task{10};
  std::uint64_t *result = sum_to_wait(sum_to_spawn(&task));
  if (result == nullptr || *result != 55) {
    return fail("C API: wrong sum");
  }
  sum_to_result_destroy(result);

  std::printf("consumer_cpp: ok (ffi_tasks %s)\n", bridge_version.c_str());
  return 0;
}
