/* What differs between platforms, checked on each (ctest c_platform):
 *   - a wait set's descriptor (ffi_tasks_waitset_fd): a new descriptor on
 *     Unix; on Windows, which has no such descriptor, -1 with an error of
 *     kind FFI_TASKS_ERROR_FAILED whose message says why, and the set keeps
 *     working without it (the documented behaviour, docs/platforms.md).
 */
#include <ffi_tasks/ffi_tasks.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#if !defined(_WIN32)
#include <unistd.h>
#endif

#include "check.h"

static int test_waitset_fd(void) {
  ffi_tasks_waitset *ws = ffi_tasks_waitset_new();
  uint64_t tag = 0;
  int fd;
  CHECK(ws != NULL);
  fd = ffi_tasks_waitset_fd(ws);
#if defined(_WIN32)
  {
    char message[256];
    CHECK(fd == -1);
    CHECK(ffi_tasks_last_error_kind() == FFI_TASKS_ERROR_FAILED);
    CHECK(ffi_tasks_last_error_message(message, (int)sizeof message) > 0);
    CHECK(strstr(message, "Unix") != NULL);
    printf("waitset fd: unsupported here: %s\n", message);
  }
#else
  CHECK(fd >= 0);
  CHECK(ffi_tasks_last_error_kind() == FFI_TASKS_ERROR_NONE);
  if (fd >= 0) {
    CHECK(close(fd) == 0);
  }
#endif
  /* The set itself works either way. */
  CHECK(ffi_tasks_waitset_len(ws) == 0);
  CHECK(ffi_tasks_waitset_wait(ws, 0, &tag) == FFI_TASKS_WAITSET_EMPTY);
  ffi_tasks_waitset_destroy(ws);
  return 0;
}

int main(void) {
  printf("pointer size %u, uint64_t alignment %u\n", (unsigned)sizeof(void *),
         (unsigned)_Alignof(uint64_t));
  int failures = test_waitset_fd();
  if (failures != 0) {
    printf("%d platform check(s) failed\n", failures);
    return 1;
  }
  printf("platform checks passed\n");
  return 0;
}
