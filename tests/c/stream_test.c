/*
 * stream_test.c — a stream task's functions from C11 (the example crate's
 * Counter, PrimeStream and Tracked, declared by its generated header with
 * FFI_TASKS_DECLARE_STREAM): items in order, then NULL with no error at a
 * clean end and NULL with the task's error at a failed one (both repeated),
 * next_timeout's TIMED_OUT, cancel, on_ready (once, also from
 * handle_destroy), items freed exactly once when the stream is destroyed
 * with items buffered, and null pointers.
 */
#include <ffi_tasks/ffi_tasks.h>

#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "c11_threads.h"
#include "check.h"

#include "ffi_tasks_example_tasks.h"

#define PATIENCE_MS 60000

static int clean_end(void) {
  Counter task = {10, 4, 0, 0};
  counter_handle *h = counter_spawn(&task);
  CHECK(h != NULL);
  for (uint64_t i = 0; i < 10; ++i) {
    uint64_t *item = counter_next(h);
    CHECK(item != NULL);
    CHECK(*item == i);
    counter_item_destroy(item);
    CHECK_KIND(FFI_TASKS_ERROR_NONE);
  }
  for (int again = 0; again < 2; ++again) {
    CHECK(counter_next(h) == NULL);
    CHECK_KIND(FFI_TASKS_ERROR_NONE);
    CHECK(counter_status(h) == FFI_TASKS_STATUS_COMPLETED);
  }
  counter_handle_destroy(h);
  CHECK_KIND(FFI_TASKS_ERROR_NONE);
  return 0;
}

static int failed_end(void) {
  Counter task = {2, 4, 1, 0};
  counter_handle *h = counter_spawn(&task);
  CHECK(h != NULL);
  for (int i = 0; i < 2; ++i) {
    uint64_t *item = counter_next(h);
    CHECK(item != NULL);
    counter_item_destroy(item);
  }
  for (int again = 0; again < 2; ++again) {
    CHECK(counter_next(h) == NULL);
    CHECK_KIND(FFI_TASKS_ERROR_FAILED);
    char message[128];
    CHECK(ffi_tasks_last_error_message(message, (int)sizeof message) > 0);
    CHECK(strcmp(message, "counter failed after 2 items") == 0);
    CHECK(counter_status(h) == FFI_TASKS_STATUS_FAILED);
  }
  counter_handle_destroy(h);
  return 0;
}

static int timeout_then_cancel(void) {
  Counter task = {0, 4, 0, 1}; /* lingers until cancelled */
  counter_handle *h = counter_spawn(&task);
  CHECK(h != NULL);
  CHECK(counter_next_timeout(h, 1) == NULL);
  CHECK_KIND(FFI_TASKS_ERROR_TIMED_OUT);
  CHECK(counter_status(h) == FFI_TASKS_STATUS_RUNNING);
  atomic_int calls = 0;
  CHECK(counter_on_ready(h, count_call, &calls) == 0);
  CHECK(counter_on_ready(h, count_call, &calls) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_INVALID_ARGUMENT);
  counter_cancel(h);
  CHECK(counter_cancelled(h) == 1);
  CHECK(counter_next_timeout(h, PATIENCE_MS) == NULL);
  CHECK_KIND(FFI_TASKS_ERROR_CANCELLED);
  /* The end wakes the reader, then runs the callback (on the task's thread). */
  for (int i = 0; i < PATIENCE_MS && atomic_load(&calls) == 0; ++i) {
    thrd_sleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
  }
  CHECK(calls == 1);
  CHECK(counter_status(h) == FFI_TASKS_STATUS_CANCELLED);
  counter_handle_destroy(h);
  CHECK(calls == 1);
  return 0;
}

static int ready_callback_runs_on_destroy(void) {
  Counter task = {0, 4, 0, 1};
  counter_handle *h = counter_spawn(&task);
  CHECK(h != NULL);
  atomic_int calls = 0;
  CHECK(counter_on_ready(h, count_call, &calls) == 0);
  CHECK(calls == 0);
  counter_handle_destroy(h);
  CHECK(calls == 1);
  return 0;
}

static int buffered_items_freed_once(void) {
  uint64_t before = example_stream_live_items();
  Tracked task = {1000, 8, 0};
  tracked_handle *h = tracked_spawn(&task);
  CHECK(h != NULL);
  TrackedItem *first = tracked_next(h);
  CHECK(first != NULL);
  CHECK(first->value == 0);
  /* Wait until the buffer is full again, without sleeping blindly. */
  for (int i = 0; i < PATIENCE_MS && example_stream_live_items() < before + 9; ++i) {
    thrd_sleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
  }
  CHECK(example_stream_live_items() >= before + 9); /* 8 buffered + the one taken */
  tracked_handle_destroy(h);
  CHECK_KIND(FFI_TASKS_ERROR_NONE);
  /* The taken item is still ours. */
  CHECK(first->value == 0);
  tracked_item_destroy(first);
  for (int i = 0; i < PATIENCE_MS && example_stream_live_items() != before; ++i) {
    thrd_sleep(&(struct timespec){.tv_nsec = 1000000}, NULL);
  }
  CHECK(example_stream_live_items() == before);
  return 0;
}

static int primes_arrive(void) {
  PrimeStream task = {30};
  prime_stream_handle *h = prime_stream_spawn(&task);
  CHECK(h != NULL);
  const uint64_t expected[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29};
  for (size_t i = 0; i < sizeof expected / sizeof expected[0]; ++i) {
    uint64_t *p = prime_stream_next(h);
    CHECK(p != NULL && *p == expected[i]);
    prime_stream_item_destroy(p);
  }
  CHECK(prime_stream_next(h) == NULL);
  CHECK_KIND(FFI_TASKS_ERROR_NONE);
  ffi_tasks_progress progress;
  CHECK(prime_stream_progress(h, &progress) == 0);
  CHECK(progress.done == 30 && progress.total == 30);
  prime_stream_handle_destroy(h);
  return 0;
}

static int null_pointers(void) {
  CHECK(counter_spawn(NULL) == NULL);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(counter_next(NULL) == NULL);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(counter_next_timeout(NULL, 0) == NULL);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(counter_status(NULL) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(counter_on_ready(NULL, count_call, NULL) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  counter_item_destroy(NULL);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  counter_handle_destroy(NULL);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  Counter task = {1, 1, 0, 1};
  counter_handle *h = counter_spawn(&task);
  CHECK(h != NULL);
  CHECK(counter_on_ready(h, NULL, NULL) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(counter_progress(h, NULL) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  counter_handle_destroy(h);
  return 0;
}

int main(void) {
  int failures = 0;
  failures += clean_end();
  failures += failed_end();
  failures += timeout_then_cancel();
  failures += ready_callback_runs_on_destroy();
  failures += buffered_items_freed_once();
  failures += primes_arrive();
  failures += null_pointers();
  if (failures != 0) {
    fprintf(stderr, "%d check(s) failed\n", failures);
    return 1;
  }
  printf("stream checks passed\n");
  return 0;
}
