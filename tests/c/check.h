/* check.h — the checks the C tests share. A test is a function returning
 * int: 0 when it passed; a failed check prints where and what (and the
 * calling thread's last error) to stderr and returns 1 from it. Test support
 * only, not part of the API; C11, also for mingw-w64. */
#ifndef FFI_TASKS_TEST_CHECK_H
#define FFI_TASKS_TEST_CHECK_H

#include <ffi_tasks/ffi_tasks.h>

#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

/* Fails the current test when `cond` is false. */
#define CHECK(cond)                                                            \
  do {                                                                         \
    if (!(cond)) {                                                             \
      fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #cond); \
      report_last_error();                                                     \
      return 1;                                                                \
    }                                                                          \
  } while (0)

/* Fails the current test unless the last error is of kind `kind`. */
#define CHECK_KIND(kind)                                                \
  do {                                                                  \
    if (ffi_tasks_last_error_kind() != (kind)) {                        \
      fprintf(stderr, "%s:%d: expected error %s\n", __FILE__, __LINE__, \
              ffi_tasks_error_kind_name(kind));                         \
      report_last_error();                                              \
      return 1;                                                         \
    }                                                                   \
  } while (0)

/* Fails the current test unless the last error is `kind` with a message
 * equal to `message` (or containing it, when `exact` is 0). */
#define CHECK_ERROR(kind, exact, message)                                      \
  do {                                                                         \
    if (!error_is((kind), (exact), (message))) {                               \
      fprintf(stderr, "%s:%d: expected error %s \"%s\"\n", __FILE__, __LINE__, \
              ffi_tasks_error_kind_name(kind), (message));                     \
      report_last_error();                                                     \
      return 1;                                                                \
    }                                                                          \
  } while (0)

/* Fails the current test unless there is no last error. */
#define CHECK_NO_ERROR() CHECK_ERROR(FFI_TASKS_ERROR_NONE, 1, "")

/* The calling thread's last error message ("" if none), into buf. */
static inline const char *last_message(char *buf, int size) {
  if (ffi_tasks_last_error_message(buf, size) <= 0) {
    buf[0] = '\0';
  }
  return buf;
}

static inline void report_last_error(void) {
  char buf[1024];
  int kind = ffi_tasks_last_error_kind();
  fprintf(stderr, "  last error: %s (%d) \"%s\"\n", ffi_tasks_error_kind_name(kind), kind,
          last_message(buf, (int)sizeof buf));
}

static inline int error_is(int kind, int exact, const char *message) {
  char buf[1024];
  const char *got = last_message(buf, (int)sizeof buf);
  if (ffi_tasks_last_error_kind() != kind) {
    return 0;
  }
  return exact ? strcmp(got, message) == 0 : strstr(got, message) != NULL;
}

/* A completion callback that counts its calls in the atomic_int passed as
 * user data. */
static inline void count_call(void *user_data) { atomic_fetch_add((atomic_int *)user_data, 1); }

#endif
