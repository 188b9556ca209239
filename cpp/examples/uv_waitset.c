/*
 * uv_waitset.c — Rust tasks in a libuv event loop, through a wait set.
 *
 * Spawns a few tasks (three prime counts and one task that would run
 * forever but has a deadline), adds each to a wait set with its index as
 * the tag, and watches the set's descriptor with uv_poll. When the
 * descriptor is readable, the callback drains the set with
 * ffi_tasks_waitset_wait(ws, 0, &tag) and prints each finished task's
 * result, taken from its handle. The loop ends when the set is empty.
 *
 * Ownership: the descriptor from ffi_tasks_waitset_fd is ours; it is closed
 * after the uv_poll handle is closed, and the set is destroyed after that.
 */
#define _DEFAULT_SOURCE 1
#include <ffi_tasks/ffi_tasks.h>

#include <stdint.h>
#include <stdio.h>
#include <unistd.h>
#include <uv.h>

/* The example tasks' types and functions (CountPrimes, Spin), from the header
 * the build generates for cpp/example_tasks. */
#include "ffi_tasks_example_tasks.h"

FFI_TASKS_DECLARE_WAITSET_ADD(primes);
FFI_TASKS_DECLARE_WAITSET_ADD(spin);

enum { PRIMES = 3, TASKS = PRIMES + 1 };

typedef struct app {
  ffi_tasks_waitset *ws;
  int fd;
  uv_poll_t poll;
  primes_handle *primes[PRIMES];
  uint64_t limits[PRIMES];
  spin_handle *forever;
  int finished;
  int failed;
} app;

static void print_error(const char *what) {
  char buf[256];
  if (ffi_tasks_last_error_message(buf, (int)sizeof buf) <= 0) {
    buf[0] = '\0';
  }
  printf("%s: %s (%s)\n", what, buf, ffi_tasks_error_kind_name(ffi_tasks_last_error_kind()));
}

static void report(app *a, uint64_t tag) {
  a->finished++;
  if (tag < PRIMES) {
    uint64_t *count = primes_poll(a->primes[tag]);
    if (count == NULL) {
      print_error("primes failed");
      a->failed++;
      return;
    }
    printf("task %llu: %llu primes below %llu\n", (unsigned long long)tag,
           (unsigned long long)*count, (unsigned long long)a->limits[tag]);
    primes_result_destroy(count);
  } else {
    uint64_t *spins = spin_poll(a->forever);
    if (spins == NULL && ffi_tasks_last_error_kind() == FFI_TASKS_ERROR_CANCELLED) {
      printf("task %llu: cancelled by its deadline\n", (unsigned long long)tag);
    } else {
      print_error("the deadline did not cancel the task");
      if (spins != NULL) {
        spin_result_destroy(spins);
      }
      a->failed++;
    }
  }
}

static void on_closed(uv_handle_t *handle) { (void)handle; }

static void on_readable(uv_poll_t *poll, int status, int events) {
  app *a = poll->data;
  (void)events;
  if (status < 0) {
    printf("uv_poll error: %s\n", uv_strerror(status));
    a->failed++;
    uv_close((uv_handle_t *)poll, on_closed);
    return;
  }
  uint64_t tag;
  int rc;
  while ((rc = ffi_tasks_waitset_wait(a->ws, 0, &tag)) == FFI_TASKS_WAITSET_COMPLETED) {
    report(a, tag);
  }
  if (rc == FFI_TASKS_WAITSET_EMPTY) {
    uv_close((uv_handle_t *)poll, on_closed); /* nothing left to wait for */
  } else if (rc < 0) {
    print_error("ffi_tasks_waitset_wait");
    a->failed++;
    uv_close((uv_handle_t *)poll, on_closed);
  }
}

int main(void) {
  app a = {.limits = {20000, 100000, 300000}};
  a.ws = ffi_tasks_waitset_new();
  a.fd = ffi_tasks_waitset_fd(a.ws);
  if (a.ws == NULL || a.fd < 0) {
    print_error("cannot make the wait set");
    return 1;
  }
  for (int i = 0; i < PRIMES; i++) {
    CountPrimes t = {.limit = a.limits[i]};
    a.primes[i] = primes_spawn(&t);
    if (a.primes[i] == NULL || primes_waitset_add(a.ws, a.primes[i], (uint64_t)i) != 0) {
      print_error("cannot start a task");
      return 1;
    }
  }
  Spin forever = {.return_count = 0};
  a.forever = spin_spawn(&forever);
  if (a.forever == NULL || spin_waitset_add(a.ws, a.forever, PRIMES) != 0 ||
      ffi_tasks_handle_cancel_after(a.forever, 50) != 0) {
    print_error("cannot start the task with a deadline");
    return 1;
  }

  uv_loop_t *loop = uv_default_loop();
  a.poll.data = &a;
  int rc = uv_poll_init(loop, &a.poll, a.fd);
  if (rc == 0) {
    rc = uv_poll_start(&a.poll, UV_READABLE, on_readable);
  }
  if (rc != 0) {
    printf("uv_poll: %s\n", uv_strerror(rc));
    return 1;
  }
  uv_run(loop, UV_RUN_DEFAULT);
  uv_loop_close(loop);

  for (int i = 0; i < PRIMES; i++) {
    primes_handle_destroy(a.primes[i]);
  }
  spin_handle_destroy(a.forever);
  ffi_tasks_waitset_destroy(a.ws);
  close(a.fd);

  printf("all %d tasks finished, %d failed\n", a.finished, a.failed);
  return a.finished == TASKS && a.failed == 0 ? 0 : 1;
}
