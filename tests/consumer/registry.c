/* Whether the handle-registry feature reached the consumer's own crate
 * (ffi_tasks_add_crate passes FFI_TASKS_HANDLE_REGISTRY on as the cargo
 * feature ffi_tasks/handle-registry). Argument: "on" or "off", what the
 * build asked for. With the registry, a call on a destroyed handle fails
 * with INVALID_HANDLE (without it, that call would be undefined behaviour,
 * so it is only made when the registry is on). */
#include <ffi_tasks/ffi_tasks.h>

#include <stdio.h>
#include <string.h>

typedef struct sum_to_task {
  uint64_t n;
} sum_to_task;

FFI_TASKS_DECLARE_TASK(sum_to, sum_to_task, uint64_t);

int main(int argc, char **argv) {
  const int expected = argc > 1 && strcmp(argv[1], "on") == 0;
  const int enabled = ffi_tasks_handle_registry_enabled();
  sum_to_task task = {10};
  sum_to_handle *h;

  printf("handle registry: %s (expected %s)\n", enabled ? "on" : "off", expected ? "on" : "off");
  if (enabled != expected) {
    return 1;
  }
  if (!enabled) {
    return 0;
  }
  h = sum_to_spawn(&task);
  if (h == NULL) {
    return 1;
  }
  sum_to_handle_destroy(h);
  if (sum_to_status(h) != -1 || ffi_tasks_last_error_kind() != FFI_TASKS_ERROR_INVALID_HANDLE) {
    fprintf(stderr, "a destroyed handle was not reported as INVALID_HANDLE (kind %s)\n",
            ffi_tasks_error_kind_name(ffi_tasks_last_error_kind()));
    return 1;
  }
  printf("destroyed handle: %s\n", ffi_tasks_error_kind_name(ffi_tasks_last_error_kind()));
  return 0;
}
