// ffi_tasks/detail/annotate.hpp — happens-before annotations for Valgrind's
// Helgrind. Not public API.
//
// Some hand-offs in these headers go through standard-library machinery that
// Helgrind cannot see (std::stop_callback's destructor waiting for a running
// callback uses atomics and a futex). With FFI_TASKS_HELGRIND defined to 1
// (CMake: -DFFI_TASKS_HELGRIND=ON, the helgrind preset) they are annotated
// with <valgrind/helgrind.h>; otherwise the macros expand to nothing.
#pragma once

#if defined(FFI_TASKS_HELGRIND) && FFI_TASKS_HELGRIND
#include <valgrind/helgrind.h>
#define FFI_TASKS_HAPPENS_BEFORE(addr) ANNOTATE_HAPPENS_BEFORE(addr)
#define FFI_TASKS_HAPPENS_AFTER(addr) ANNOTATE_HAPPENS_AFTER(addr)
// The object at addr is dead: forget which threads touched its bytes.
#define FFI_TASKS_NEW_MEMORY(addr, size) VALGRIND_HG_CLEAN_MEMORY(addr, size)
#else
#define FFI_TASKS_HAPPENS_BEFORE(addr) static_cast<void>(addr)
#define FFI_TASKS_HAPPENS_AFTER(addr) static_cast<void>(addr)
#define FFI_TASKS_NEW_MEMORY(addr, size) static_cast<void>((static_cast<void>(addr), size))
#endif
