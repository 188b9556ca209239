/* Force-included into every C++ file of a FFI_TASKS_HELGRIND build (the
 * helgrind preset), before any standard header.
 *
 * libstdc++ brackets the reference-count updates of shared_ptr (and so of the
 * shared state behind std::promise / std::future) with these two macros, and
 * leaves them empty for race detectors to define. Without them Helgrind sees
 * the state destroyed by one thread after another thread's last use, with no
 * ordering between the two.
 *
 * libstdc++ 12's shared_ptr release also has a fast path for the last owner
 * that zeroes the counts before its HAPPENS_AFTER annotation; it is compiled
 * out when _GLIBCXX_TSAN says a race detector is in use (as under
 * -fsanitize=thread), which is the case here. */
#ifndef FFI_TASKS_HELGRIND_ANNOTATIONS_H
#define FFI_TASKS_HELGRIND_ANNOTATIONS_H

#include <valgrind/helgrind.h>

#define _GLIBCXX_SYNCHRONIZATION_HAPPENS_BEFORE(addr) ANNOTATE_HAPPENS_BEFORE(addr)
#define _GLIBCXX_SYNCHRONIZATION_HAPPENS_AFTER(addr) ANNOTATE_HAPPENS_AFTER(addr)
#define _GLIBCXX_TSAN 1

/* And the ffi_tasks headers' own annotations (ffi_tasks/detail/annotate.hpp). */
#define FFI_TASKS_HELGRIND 1

#endif
