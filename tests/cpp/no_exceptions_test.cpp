// Built with -fno-exceptions: the API still compiles, and the try_* forms
// report every error as a Result. A plain program (GoogleTest needs
// exceptions); exit code 0 = all checks passed.
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>

#include "example_tasks.hpp"
#include "ffi_tasks/ffi_tasks.hpp"

#if FFI_TASKS_USE_EXCEPTIONS
#error "this test must be compiled with -fno-exceptions"
#endif

namespace {

int failures = 0;

void check(bool ok, const char *what) {
  if (!ok) {
    ++failures;
    std::fprintf(stderr, "FAILED: %s\n", what);
  }
}

#define CHECK(expr) check((expr), #expr)

void spawn_and_wait() {
  auto spawned = ffi_tasks::try_spawn(Add{2, 3});
  CHECK(spawned.has_value());
  auto result = std::move(*spawned).try_wait();
  CHECK(result.has_value());
  CHECK(*result == 5);
}

void task_error_is_reported() {
  auto result = ffi_tasks::spawn(Fail{7}).try_wait();
  CHECK(!result);
  CHECK(result.error().kind() == ffi_tasks::ErrorKind::failed);
  CHECK(result.error().code() == ffi_tasks::ErrorKind::failed);
  CHECK(std::strcmp(result.error().what(),
                    "task failed with code 7: while reading input: root cause") == 0);
}

void panic_is_reported() {
  auto result = ffi_tasks::spawn(Boom{0}).try_wait();
  CHECK(!result);
  CHECK(result.error().kind() == ffi_tasks::ErrorKind::panicked);
  CHECK(std::string(result.error().what()).find("boom") != std::string::npos);
}

void poll_cancel_status_progress() {
  const std::uint64_t id = test_support::fresh_id();
  auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::cancel_when_cancelled});
  CHECK(test_support::wait_started(id));
  auto polled = handle.try_poll();
  CHECK(polled.has_value() && !polled->has_value());
  CHECK(handle.try_status().has_value() && *handle.try_status() == ffi_tasks::TaskStatus::running);
  auto progress = handle.try_progress();
  CHECK(progress.has_value() && progress->done == 3 && progress->total == 10);
  CHECK(handle.try_cancel().has_value());
  CHECK(handle.try_cancelled().has_value() && *handle.try_cancelled());
  auto result = std::move(handle).try_wait();
  CHECK(!result && result.error().kind() == ffi_tasks::ErrorKind::cancelled);
  CHECK(!handle.valid());
}

void empty_handle_reports_usage() {
  ffi_tasks::TaskHandle<std::uint64_t> empty;
  CHECK(empty.try_poll().error().kind() == ffi_tasks::ErrorKind::usage);
  CHECK(empty.try_status().error().kind() == ffi_tasks::ErrorKind::usage);
  CHECK(std::move(empty).try_wait().error().kind() == ffi_tasks::ErrorKind::usage);
}

void result_freed_once() {
  const std::uint64_t id = test_support::fresh_id();
  auto out = ffi_tasks::spawn(Probe{id, 4, probe_mode::return_now}).try_wait();
  CHECK(out.has_value() && out->value == 4);
  CHECK(example_probe_drops(id) == 1);
}

void destructor_cancels() {
  const std::uint64_t id = test_support::fresh_id();
  {
    auto handle = ffi_tasks::spawn(Probe{id, 0, probe_mode::return_when_cancelled});
    CHECK(test_support::wait_started(id));
  }
  CHECK(test_support::wait_drops(id, 1));
  CHECK(example_probe_saw_cancel(id) == 1);
}

}  // namespace

int main() {
  spawn_and_wait();
  task_error_is_reported();
  panic_is_reported();
  poll_cancel_status_progress();
  empty_handle_reports_usage();
  result_freed_once();
  destructor_cancels();
  if (failures != 0) {
    std::fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  std::printf("no-exceptions API: all checks passed\n");
  return 0;
}
