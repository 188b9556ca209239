// Compile-only: each NODISCARD_CASE ignores one result that must not be
// ignored, and must then fail to compile under -Werror=unused-result
// (ctest cpp_nodiscard.<case>, WILL_FAIL); case 0 ignores nothing and must
// compile, so that a failure means the [[nodiscard]] worked.
#include <cstdint>
#include <utility>

#include "ffi_tasks/ffi_tasks.hpp"

namespace nodiscard_check {
struct Task {
  std::uint64_t n;
};
}  // namespace nodiscard_check

FFI_TASKS_CPP_TASK(nodiscard_u64, nodiscard_check::Task, std::uint64_t);

namespace nodiscard_check {

// Any function returning a Result: the class itself is [[nodiscard]].
ffi_tasks::Result<int> compute() { return 1; }

void check(ffi_tasks::TaskHandle<std::uint64_t> &h) {
#if NODISCARD_CASE == 0
  (void)compute();
  (void)h.try_poll();
  (void)ffi_tasks::spawn(Task{1});
  (void)ffi_tasks::try_spawn(Task{1});
  (void)std::move(h).to_future();
#elif NODISCARD_CASE == 1
  compute();
#elif NODISCARD_CASE == 2
  h.try_poll();
#elif NODISCARD_CASE == 3
  h.try_cancel();
#elif NODISCARD_CASE == 4
  ffi_tasks::spawn(Task{1});
#elif NODISCARD_CASE == 5
  ffi_tasks::try_spawn(Task{1});
#elif NODISCARD_CASE == 6
  std::move(h).to_future();
#elif NODISCARD_CASE == 7
  h.poll();
#endif
}

}  // namespace nodiscard_check
