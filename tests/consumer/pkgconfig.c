/* Built by run_consumer.cmake against the installed prefix with
 * `cc pkgconfig.c $(pkg-config --cflags --libs ffi_tasks)`: the prebuilt
 * ffi_tasks staticlib through the C ABI, no CMake involved. */
#include <ffi_tasks/ffi_tasks.h>

#include <stdio.h>

int main(void) {
  ffi_tasks_token *token = ffi_tasks_token_new();
  ffi_tasks_stats stats;
  int cancelled;

  if (token == NULL) {
    return 1;
  }
  ffi_tasks_token_cancel(token);
  cancelled = ffi_tasks_token_cancelled(token);
  ffi_tasks_token_destroy(token);
  if (cancelled != 1 || ffi_tasks_pool_stats(&stats) != 0) {
    return 1;
  }
  printf("pkg-config: ffi_tasks %s, token cancelled\n", ffi_tasks_version());
  return 0;
}
