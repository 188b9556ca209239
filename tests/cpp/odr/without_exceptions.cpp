// Built with -fno-exceptions: the errors through the try_* forms, and the
// throwing forms (which abort on an error) only on a task that succeeds.
// Linked before with_exceptions.cpp, so that the linker meets its inline
// functions first.
#include <cstdint>
#include <string>
#include <utility>

#include "example_tasks.hpp"
#include "exceptions.hpp"

#if FFI_TASKS_USE_EXCEPTIONS
#error "this translation unit must be built without exceptions"
#endif

std::string odr_without_exceptions() {
  std::string seen;
  ffi_tasks::TaskHandle<std::uint64_t> failing = ffi_tasks::spawn(Fail{7});
  ffi_tasks::Result<std::uint64_t> failed = std::move(failing).try_wait();
  if (failed) {
    return "Fail{7} succeeded";
  }
  seen += std::string(ffi_tasks::to_string(failed.error().kind())) + "|" + failed.error().what();
  ffi_tasks::TaskHandle<std::uint64_t> adding = ffi_tasks::spawn(Add{2, 3});
  seen += "|" + std::to_string(std::move(adding).wait());
  return seen;
}
