/* The consumer's C program: its own task (rust/src/lib.rs) through the C API. */
#include <ffi_tasks/ffi_tasks.h>

#include <stdio.h>
#include <string.h>

typedef struct sum_to_task {
  uint64_t n;
} sum_to_task;

FFI_TASKS_DECLARE_TASK(sum_to, sum_to_task, uint64_t);

int main(void) {
  sum_to_task task = {1000000};
  sum_to_task empty = {0};
  char message[256];
  uint64_t *sum;
  sum_to_handle *h = sum_to_spawn(&task);

  if (h == NULL || (sum = sum_to_wait(h)) == NULL) {
    fprintf(stderr, "sum_to failed: %s\n", ffi_tasks_error_kind_name(ffi_tasks_last_error_kind()));
    return 1;
  }
  printf("sum of 1..=%llu = %llu (ffi_tasks %s)\n", (unsigned long long)task.n,
         (unsigned long long)*sum, ffi_tasks_version());
  if (*sum != 500000500000ull) {
    return 1;
  }
  sum_to_result_destroy(sum);

  if (sum_to_wait(sum_to_spawn(&empty)) != NULL ||
      ffi_tasks_last_error_kind() != FFI_TASKS_ERROR_FAILED ||
      ffi_tasks_last_error_message(message, (int)sizeof message) <= 0 ||
      strcmp(message, "nothing to sum") != 0) {
    fprintf(stderr, "expected the error \"nothing to sum\"\n");
    return 1;
  }
  return 0;
}
