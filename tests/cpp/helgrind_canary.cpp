// A deliberate data race through the library, for scripts/helgrind.sh to
// check that Helgrind, with the annotations of the helgrind preset, still
// reports real races: a clean Helgrind run means something only if this one
// is not clean.
//
// A completion callback runs on the worker *after* the task's status is
// published, so a thread that sees the status change and then reads what the
// callback writes, without waiting for the callback, races with it. (Correct
// code hands the value over through the callback itself: on_complete +
// a mutex, or to_future.)
#include <cstdio>
#include <thread>

#include "example_tasks.hpp"

namespace {
int written_by_callback = 0;  // deliberately unsynchronised
}  // namespace

int main() {
  auto handle = ffi_tasks::spawn(Spin{0});  // runs until cancelled
  handle.on_complete([]() noexcept { written_by_callback = 1; });
  handle.cancel();
  while (handle.status() == ffi_tasks::TaskStatus::running) {
    std::this_thread::yield();
  }
  const int seen = written_by_callback;  // the race
  std::printf("helgrind_canary: read %d (0 or 1); Helgrind must report a race\n", seen);
  return 0;
}
