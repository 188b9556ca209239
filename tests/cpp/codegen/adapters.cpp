// Built at -O2 for check_adapters.py: the function table of a task bound
// with FFI_TASKS_CPP_TASK, whose entries must each be one jump to the
// exported C function (no frame of their own: see detail/backend.hpp).
#include "example_tasks.hpp"

// Uses the table, so that it and its entries are emitted.
const void *ffi_tasks_codegen_add_table() {
  return &ffi_tasks::detail::vtable_for<ffi_tasks::task_traits<Add>>;
}
