/* Valgrind client requests for the `helgrind` feature (src/sync/helgrind.rs).
 *
 * The requests are macros in <valgrind/helgrind.h>; these functions give Rust
 * something to call. Outside Valgrind each one is a handful of no-op
 * instructions. */
#include <stddef.h>
#include <valgrind/helgrind.h>

void ffi_tasks_hg_happens_before(const void *key) { ANNOTATE_HAPPENS_BEFORE(key); }

void ffi_tasks_hg_happens_after(const void *key) { ANNOTATE_HAPPENS_AFTER(key); }

void ffi_tasks_hg_forget(const void *key) { ANNOTATE_HAPPENS_BEFORE_FORGET_ALL(key); }

void ffi_tasks_hg_untrack(const void *start, size_t len) { VALGRIND_HG_DISABLE_CHECKING(start, len); }
