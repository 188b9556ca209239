// Built with exceptions: a failing wait() must throw TaskFailed here, even
// though the program also holds a translation unit built without exceptions
// (where the same call aborts instead). Were the throwing forms one inline
// function with two bodies, the linker would keep one of them for both.
#include <cstdint>
#include <string>
#include <utility>

#include "example_tasks.hpp"
#include "exceptions.hpp"

#if !FFI_TASKS_USE_EXCEPTIONS
#error "this translation unit must be built with exceptions"
#endif

std::string odr_with_exceptions() {
  std::string seen;
  ffi_tasks::TaskHandle<std::uint64_t> failing = ffi_tasks::spawn(Fail{7});
  try {
    std::move(failing).wait();
    return "Fail{7} succeeded";
  } catch (const ffi_tasks::TaskFailed &e) {
    seen += std::string(ffi_tasks::to_string(e.kind())) + "|" + e.what();
  }
  ffi_tasks::TaskHandle<std::uint64_t> adding = ffi_tasks::spawn(Add{2, 3});
  seen += "|" + std::to_string(std::move(adding).wait());
  return seen;
}
