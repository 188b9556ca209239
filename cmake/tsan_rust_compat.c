/* Linked next to the Rust staticlib when FFI_TASKS_TSAN_RUST is on.
 *
 * Rust nightly's LLVM instruments memory intrinsics as calls to
 * __tsan_memcpy/__tsan_memmove/__tsan_memset; the older TSan runtime of GCC
 * (libtsan) does not define them. Forward them to the C library functions,
 * which libtsan intercepts, so the accesses are still checked. */
#include <stddef.h>
#include <string.h>

void *__tsan_memcpy(void *dst, const void *src, size_t n);
void *__tsan_memmove(void *dst, const void *src, size_t n);
void *__tsan_memset(void *dst, int c, size_t n);

void *__tsan_memcpy(void *dst, const void *src, size_t n) { return memcpy(dst, src, n); }
void *__tsan_memmove(void *dst, const void *src, size_t n) { return memmove(dst, src, n); }
void *__tsan_memset(void *dst, int c, size_t n) { return memset(dst, c, n); }
