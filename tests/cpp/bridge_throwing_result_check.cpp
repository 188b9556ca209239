// Must not compile (ctest bridge_throwing_result_refused): a C++ job whose
// result type's destructor may throw. A result nobody takes is destroyed on
// a path where no exception can go, so spawn refuses the type with a
// static_assert instead of ending the program at run time.
#include "ffi_tasks/bridge.hpp"

namespace {
struct ThrowsOnDestruction {
  ~ThrowsOnDestruction() noexcept(false) {}
};
}  // namespace

int main() {
  auto handle =
      ffi_tasks::spawn([](const ffi_tasks::CancellationToken &) { return ThrowsOnDestruction{}; });
  static_cast<void>(handle);
  return 0;
}
