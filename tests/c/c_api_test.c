/*
 * c_api_test.c — drives every function of ffi_tasks.h from C11, error paths
 * included, against the example tasks of cpp/example_tasks (add, spin,
 * primes, fail, boom). Exits non-zero on the first failed check of a test
 * and reports every failed test.
 *
 * No sleeps are used for synchronisation: tasks that must still be running
 * are `spin` tasks, which run until cancelled; completion is observed with
 * wait / wait_timeout, or with an on_complete callback that counts into a
 * latch (a mutex + condition variable) the test waits on.
 */
#include <ffi_tasks/ffi_tasks.h>

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "c11_threads.h"
#include "check.h"

/* The layout of every struct of the C ABI is the one Rust uses: the
 * FFI_TASKS_LAYOUT_* constants come from Rust's size_of/align_of/offset_of
 * (asserted in src/ffi/layout.rs), so a mismatch fails to compile here. */
#define LAYOUT(cond) _Static_assert(cond, #cond)
LAYOUT(_Alignof(uint64_t) == FFI_TASKS_LAYOUT_U64_ALIGN);
LAYOUT(sizeof(ffi_tasks_progress) == FFI_TASKS_LAYOUT_PROGRESS_SIZE);
LAYOUT(_Alignof(ffi_tasks_progress) == FFI_TASKS_LAYOUT_PROGRESS_ALIGN);
LAYOUT(offsetof(ffi_tasks_progress, done) == FFI_TASKS_LAYOUT_PROGRESS_DONE);
LAYOUT(offsetof(ffi_tasks_progress, total) == FFI_TASKS_LAYOUT_PROGRESS_TOTAL);
LAYOUT(sizeof(ffi_tasks_stats) == FFI_TASKS_LAYOUT_STATS_SIZE);
LAYOUT(_Alignof(ffi_tasks_stats) == FFI_TASKS_LAYOUT_STATS_ALIGN);
LAYOUT(offsetof(ffi_tasks_stats, threads) == FFI_TASKS_LAYOUT_STATS_THREADS);
LAYOUT(offsetof(ffi_tasks_stats, idle) == FFI_TASKS_LAYOUT_STATS_IDLE);
LAYOUT(offsetof(ffi_tasks_stats, running) == FFI_TASKS_LAYOUT_STATS_RUNNING);
LAYOUT(offsetof(ffi_tasks_stats, queued) == FFI_TASKS_LAYOUT_STATS_QUEUED);
LAYOUT(offsetof(ffi_tasks_stats, completed) == FFI_TASKS_LAYOUT_STATS_COMPLETED);
LAYOUT(offsetof(ffi_tasks_stats, failed) == FFI_TASKS_LAYOUT_STATS_FAILED);
LAYOUT(offsetof(ffi_tasks_stats, cancelled) == FFI_TASKS_LAYOUT_STATS_CANCELLED);
LAYOUT(offsetof(ffi_tasks_stats, peak_threads) == FFI_TASKS_LAYOUT_STATS_PEAK_THREADS);
/* Error kinds and statuses fit the C int the functions return them as. */
LAYOUT(sizeof(ffi_tasks_error_kind) == sizeof(int));
LAYOUT(sizeof(ffi_tasks_status) == sizeof(int));

/* The example tasks (add, spin, primes, fail, boom, ...): their types and
 * functions, from the header the build generates for cpp/example_tasks. */
#include "ffi_tasks_example_tasks.h"

/* Generous bound for waits on tasks that are known to finish. */
#define LONG_WAIT_MS 60000u
#define MAX_THREADS 8u

/* A completion latch: on_complete callbacks (latch_signal) count into it and
 * tests wait for a count. It has static storage and is never destroyed, so a
 * callback still returning from latch_signal on a worker thread never
 * touches freed memory. (A token that the callback cancels would not do:
 * ffi_tasks_token_wait_cancelled can return while the callback is still
 * inside ffi_tasks_token_cancel, and destroying the token then is a
 * use-after-free.) */
static mtx_t latch_mutex;
static cnd_t latch_cond;
static unsigned latch_count;

static int latch_init(void) {
  return mtx_init(&latch_mutex, mtx_plain) == thrd_success && cnd_init(&latch_cond) == thrd_success;
}

static void latch_signal(void *user_data) {
  (void)user_data;
  mtx_lock(&latch_mutex);
  ++latch_count;
  cnd_broadcast(&latch_cond);
  mtx_unlock(&latch_mutex);
}

static unsigned latch_value(void) {
  unsigned value;
  mtx_lock(&latch_mutex);
  value = latch_count;
  mtx_unlock(&latch_mutex);
  return value;
}

/* Waits (at most LONG_WAIT_MS) until the latch reaches `target`: 1 if it did. */
static int latch_wait(unsigned target) {
  struct timespec deadline;
  int reached;
  timespec_get(&deadline, TIME_UTC);
  deadline.tv_sec += LONG_WAIT_MS / 1000u;
  mtx_lock(&latch_mutex);
  while (latch_count < target) {
    if (cnd_timedwait(&latch_cond, &latch_mutex, &deadline) != thrd_success) {
      break;
    }
  }
  reached = latch_count >= target;
  mtx_unlock(&latch_mutex);
  return reached;
}

/* ---- tests ----------------------------------------------------------------- */

/* Must run first: the pool can only be configured before the first spawn. */
static int test_pool_configure(void) {
  CHECK(ffi_tasks_pool_configure(0, 100) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_INVALID_ARGUMENT, 0, "invalid argument");
  CHECK(ffi_tasks_pool_configure(MAX_THREADS, 1000) == 0);
  CHECK_NO_ERROR();
  CHECK(ffi_tasks_pool_configure(MAX_THREADS, 1000) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_INVALID_ARGUMENT, 0, "invalid argument");
  return 0;
}

static int test_names_and_version(void) {
  static const char *const kinds[] = {
      "none",          "failed",           "cancelled", "panicked",     "null_pointer",
      "already_taken", "invalid_argument", "timed_out", "spawn_failed", "invalid_handle"};
  static const char *const statuses[] = {"running",   "completed", "failed",
                                         "cancelled", "panicked",  "taken"};
  for (int i = 0; i < (int)(sizeof kinds / sizeof kinds[0]); ++i) {
    CHECK(strcmp(ffi_tasks_error_kind_name(i), kinds[i]) == 0);
  }
  CHECK((int)(sizeof kinds / sizeof kinds[0]) == FFI_TASKS_ERROR_KINDS);
  CHECK(strcmp(ffi_tasks_error_kind_name(FFI_TASKS_ERROR_KINDS), "unknown") == 0);
  CHECK(strcmp(ffi_tasks_error_kind_name(-1), "unknown") == 0);
  for (int i = 0; i < (int)(sizeof statuses / sizeof statuses[0]); ++i) {
    CHECK(strcmp(ffi_tasks_status_name(i), statuses[i]) == 0);
  }
  CHECK((int)(sizeof statuses / sizeof statuses[0]) == FFI_TASKS_STATUSES);
  CHECK(strcmp(ffi_tasks_status_name(FFI_TASKS_STATUSES), "unknown") == 0);
  CHECK(strcmp(ffi_tasks_status_name(-1), "unknown") == 0);
  CHECK(strcmp(ffi_tasks_version(), FFI_TASKS_EXPECTED_VERSION) == 0);
  CHECK(ffi_tasks_handle_registry_enabled() == FFI_TASKS_EXPECTED_REGISTRY);
  /* Opt-in and idempotent: links, sets no error, can be called again. */
  ffi_tasks_quiet_task_panics();
  ffi_tasks_quiet_task_panics();
  CHECK(ffi_tasks_last_error_length() == 0);
  return 0;
}

static int test_last_error_buffer(void) {
  static const char expected[] = "null pointer passed as `handle`";
  char buf[64];
  int length;

  ffi_tasks_clear_last_error();
  CHECK(ffi_tasks_last_error_length() == 0);
  CHECK(ffi_tasks_last_error_kind() == FFI_TASKS_ERROR_NONE);
  CHECK(ffi_tasks_last_error_message(buf, (int)sizeof buf) == 0);

  CHECK(add_poll(NULL) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, expected);
  length = ffi_tasks_last_error_length();
  CHECK(length == (int)sizeof expected);
  memset(buf, 'x', sizeof buf);
  CHECK(ffi_tasks_last_error_message(buf, length) == length);
  CHECK(strcmp(buf, expected) == 0);
  CHECK(ffi_tasks_last_error_message(buf, length - 1) == FFI_TASKS_BUFFER_TOO_SMALL);
  CHECK(ffi_tasks_last_error_message(buf, 0) == FFI_TASKS_BUFFER_TOO_SMALL);
  CHECK(ffi_tasks_last_error_message(NULL, length) == FFI_TASKS_INVALID_BUFFER);
  CHECK(ffi_tasks_last_error_message(buf, -1) == FFI_TASKS_INVALID_BUFFER);
  /* Reading the message never changes the last error. */
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, expected);

  ffi_tasks_clear_last_error();
  CHECK(ffi_tasks_last_error_length() == 0);
  CHECK(ffi_tasks_last_error_kind() == FFI_TASKS_ERROR_NONE);
  return 0;
}

static int test_add(void) {
  Add task = {2, 3};
  Add overflow = {UINT64_MAX, 1};
  add_handle *h;
  uint64_t *result;

  CHECK(add_spawn(NULL) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, "null pointer passed as `task`");

  /* A successful call clears the previous error. */
  h = add_spawn(&task);
  CHECK(h != NULL);
  CHECK_NO_ERROR();
  result = add_wait(h); /* consumes h */
  CHECK(result != NULL);
  CHECK_NO_ERROR();
  CHECK(*result == 5);
  add_result_destroy(result);
  CHECK_NO_ERROR();

  h = add_spawn(&overflow);
  CHECK(h != NULL);
  CHECK(add_wait(h) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_FAILED, 1, "overflow adding 18446744073709551615 and 1");
  return 0;
}

static int test_result_taken_once(void) {
  Add task = {40, 2};
  add_handle *h = add_spawn(&task);
  uint64_t *result;

  CHECK(h != NULL);
  result = add_wait_timeout(h, LONG_WAIT_MS);
  CHECK(result != NULL);
  CHECK(*result == 42);
  add_result_destroy(result);
  CHECK(add_status(h) == FFI_TASKS_STATUS_TAKEN);
  CHECK(add_cancelled(h) == 0);

  CHECK(add_poll(h) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_ALREADY_TAKEN, 0, "already taken");
  CHECK(add_wait_timeout(h, 0) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_ALREADY_TAKEN, 0, "already taken");
  CHECK(add_wait(h) == NULL); /* consumes h even though it fails */
  CHECK_ERROR(FFI_TASKS_ERROR_ALREADY_TAKEN, 0, "already taken");
  return 0;
}

static int test_running_task(void) {
  Spin task = {0};
  spin_handle *h = spin_spawn(&task);
  unsigned done = latch_value() + 1;
  ffi_tasks_progress progress = {99, 99};

  CHECK(h != NULL);
  /* spin runs until cancelled: every query below sees it running. */
  CHECK(spin_poll(h) == NULL);
  CHECK_NO_ERROR();
  CHECK(spin_status(h) == FFI_TASKS_STATUS_RUNNING);
  CHECK(spin_cancelled(h) == 0);
  CHECK(spin_progress(h, &progress) == 0);
  CHECK(progress.total == 0); /* spin reports an unknown total */
  CHECK(spin_wait_timeout(h, 20) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_TIMED_OUT, 1, "timed out: the task is still running");
  CHECK(spin_on_complete(h, latch_signal, NULL) == 0);

  spin_cancel(h);
  CHECK_NO_ERROR();
  spin_cancel(h); /* idempotent */
  CHECK_NO_ERROR();
  CHECK(spin_cancelled(h) == 1);
  CHECK(latch_wait(done));
  /* Finished, outcome not taken yet. */
  CHECK(spin_status(h) == FFI_TASKS_STATUS_CANCELLED);
  CHECK(spin_wait_timeout(h, 0) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_CANCELLED, 0, "cancelled");
  /* An error outcome is taken like a value. */
  CHECK(spin_status(h) == FFI_TASKS_STATUS_TAKEN);
  CHECK(spin_poll(h) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_ALREADY_TAKEN, 0, "already taken");
  spin_handle_destroy(h);
  CHECK_NO_ERROR();
  return 0;
}

static int test_cancelled_task_returning_a_value(void) {
  Spin task = {1};
  spin_handle *h = spin_spawn(&task);
  uint64_t *result;

  CHECK(h != NULL);
  spin_cancel(h);
  result = spin_wait_timeout(h, LONG_WAIT_MS);
  CHECK(result != NULL); /* the task chose to return Ok after cancellation */
  CHECK(spin_status(h) == FFI_TASKS_STATUS_TAKEN);
  CHECK(spin_cancelled(h) == 1);
  spin_result_destroy(result);
  spin_handle_destroy(h);
  CHECK_NO_ERROR();
  return 0;
}

static int test_handle_destroy_cancels(void) {
  Spin task = {0};
  unsigned done = latch_value() + 1;
  spin_handle *h = spin_spawn(&task);

  CHECK(h != NULL);
  CHECK(spin_on_complete(h, latch_signal, NULL) == 0);
  /* Destroying a running task's handle cancels it; the callback still runs. */
  spin_handle_destroy(h);
  CHECK_NO_ERROR();
  CHECK(latch_wait(done));
  return 0;
}

static int test_fail_message(void) {
  static const char expected[] = "task failed with code 7: while reading input: root cause";
  Fail task = {7};
  unsigned done = latch_value() + 1;
  fail_handle *h = fail_spawn(&task);

  CHECK(h != NULL);
  CHECK(fail_on_complete(h, latch_signal, NULL) == 0);
  CHECK(latch_wait(done));
  CHECK(fail_status(h) == FFI_TASKS_STATUS_FAILED);
  CHECK(fail_cancelled(h) == 0);
  CHECK(fail_wait(h) == NULL); /* consumes h */
  CHECK_ERROR(FFI_TASKS_ERROR_FAILED, 1, expected);
  CHECK(ffi_tasks_last_error_length() == (int)sizeof expected);
  return 0;
}

static int test_boom_panics(void) {
  Boom task = {0};
  unsigned done = latch_value() + 1;
  boom_handle *h = boom_spawn(&task);

  CHECK(h != NULL);
  CHECK(boom_on_complete(h, latch_signal, NULL) == 0);
  CHECK(latch_wait(done));
  CHECK(boom_status(h) == FFI_TASKS_STATUS_PANICKED);
  CHECK(boom_wait_timeout(h, LONG_WAIT_MS) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_PANICKED, 1, "panicked: boom");
  CHECK(boom_status(h) == FFI_TASKS_STATUS_TAKEN);
  boom_handle_destroy(h);
  CHECK_NO_ERROR();
  return 0;
}

static int test_progress(void) {
  CountPrimes task = {200000};
  primes_handle *h = primes_spawn(&task);
  ffi_tasks_progress progress = {0, 0};
  uint64_t *result;

  CHECK(h != NULL);
  CHECK(primes_progress(h, &progress) == 0);
  CHECK(progress.total == 0 || progress.total == task.limit);
  CHECK(progress.done <= task.limit);
  result = primes_wait_timeout(h, LONG_WAIT_MS);
  CHECK(result != NULL);
  CHECK(*result == 17984); /* primes below 200000 */
  primes_result_destroy(result);
  CHECK(primes_progress(h, &progress) == 0);
  CHECK(progress.done == task.limit);
  CHECK(progress.total == task.limit);

  CHECK(primes_progress(h, NULL) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, "null pointer passed as `out`");
  primes_handle_destroy(h);
  CHECK_NO_ERROR();
  return 0;
}

static int test_tokens(void) {
  ffi_tasks_token *parent = ffi_tasks_token_new();
  ffi_tasks_token *child;

  CHECK(parent != NULL);
  child = ffi_tasks_token_child(parent);
  CHECK(child != NULL);
  CHECK(ffi_tasks_token_cancelled(parent) == 0);
  CHECK(ffi_tasks_token_wait_cancelled(child, 1) == 0);
  /* Cancelling a child leaves its parent alone. */
  ffi_tasks_token_cancel(child);
  CHECK_NO_ERROR();
  CHECK(ffi_tasks_token_cancelled(child) == 1);
  CHECK(ffi_tasks_token_cancelled(parent) == 0);
  ffi_tasks_token_destroy(child);
  CHECK_NO_ERROR();
  /* Cancelling a parent cancels its children, including later ones. */
  child = ffi_tasks_token_child(parent);
  ffi_tasks_token_cancel(parent);
  CHECK(ffi_tasks_token_cancelled(child) == 1);
  CHECK(ffi_tasks_token_wait_cancelled(child, LONG_WAIT_MS) == 1);
  ffi_tasks_token_destroy(child);
  child = ffi_tasks_token_child(parent);
  CHECK(ffi_tasks_token_cancelled(child) == 1);
  ffi_tasks_token_destroy(child);
  ffi_tasks_token_destroy(parent);
  CHECK_NO_ERROR();

  CHECK(ffi_tasks_token_child(NULL) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, "null pointer passed as `token`");
  ffi_tasks_token_cancel(NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, "null pointer passed as `token`");
  CHECK(ffi_tasks_token_cancelled(NULL) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, "null pointer passed as `token`");
  CHECK(ffi_tasks_token_wait_cancelled(NULL, 0) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, "null pointer passed as `token`");
  ffi_tasks_token_destroy(NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, "null pointer passed as `token`");
  return 0;
}

static int test_group_cancel(void) {
  enum { N = 3 };
  Spin task = {0};
  ffi_tasks_token *group = ffi_tasks_token_new();
  spin_handle *handles[N];
  spin_handle *other;

  CHECK(group != NULL);
  for (int i = 0; i < N; ++i) {
    handles[i] = spin_spawn_with_token(&task, group);
    CHECK(handles[i] != NULL);
  }
  /* Cancelling one task does not cancel the group (it runs under a child). */
  other = spin_spawn_with_token(&task, group);
  CHECK(other != NULL);
  spin_cancel(other);
  CHECK(spin_wait(other) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_CANCELLED, 0, "cancelled");
  CHECK(ffi_tasks_token_cancelled(group) == 0);
  for (int i = 0; i < N; ++i) {
    CHECK(spin_status(handles[i]) == FFI_TASKS_STATUS_RUNNING);
  }

  ffi_tasks_token_cancel(group);
  for (int i = 0; i < N; ++i) {
    CHECK(spin_wait(handles[i]) == NULL);
    CHECK_ERROR(FFI_TASKS_ERROR_CANCELLED, 0, "cancelled");
  }
  /* A task spawned under a cancelled token starts cancelled. */
  other = spin_spawn_with_token(&task, group);
  CHECK(other != NULL);
  CHECK(spin_wait(other) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_CANCELLED, 0, "cancelled");

  CHECK(spin_spawn_with_token(NULL, group) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, "null pointer passed as `task`");
  CHECK(spin_spawn_with_token(&task, NULL) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, "null pointer passed as `token`");
  ffi_tasks_token_destroy(group);
  return 0;
}

static int test_on_complete(void) {
  Spin spin = {0};
  Add add = {1, 1};
  unsigned before = latch_value();
  spin_handle *h = spin_spawn(&spin);
  add_handle *finished = add_spawn(&add);
  atomic_int calls = 0;
  uint64_t *result;

  CHECK(h != NULL && finished != NULL);
  CHECK(spin_on_complete(h, latch_signal, NULL) == 0);
  CHECK_NO_ERROR();
  CHECK(latch_value() == before); /* spin is still running */
  CHECK(spin_on_complete(h, latch_signal, NULL) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_INVALID_ARGUMENT, 0, "invalid argument");
  CHECK(spin_on_complete(h, NULL, NULL) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, "null pointer passed as `callback`");
  spin_cancel(h);
  CHECK(latch_wait(before + 1));
  CHECK(spin_status(h) == FFI_TASKS_STATUS_CANCELLED);
  spin_handle_destroy(h);
  /* Exactly once: the rejected registrations never run. */
  CHECK(latch_value() == before + 1);

  /* On a finished task the callback runs before on_complete returns. */
  result = add_wait_timeout(finished, LONG_WAIT_MS);
  CHECK(result != NULL && *result == 2);
  add_result_destroy(result);
  CHECK(add_on_complete(finished, count_call, &calls) == 0);
  CHECK(atomic_load(&calls) == 1);
  add_handle_destroy(finished);
  CHECK(atomic_load(&calls) == 1);
  return 0;
}

static int test_null_handles(void) {
  static const char expected[] = "null pointer passed as `handle`";
  ffi_tasks_progress progress;
  atomic_int calls = 0;

  CHECK(add_poll(NULL) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, expected);
  CHECK(add_wait(NULL) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, expected);
  CHECK(add_wait_timeout(NULL, 0) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, expected);
  add_cancel(NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, expected);
  CHECK(add_cancelled(NULL) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, expected);
  CHECK(add_status(NULL) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, expected);
  CHECK(add_progress(NULL, &progress) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, expected);
  CHECK(add_on_complete(NULL, count_call, &calls) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, expected);
  CHECK(atomic_load(&calls) == 0);
  add_handle_destroy(NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, expected);
  add_result_destroy(NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, "null pointer passed as `result`");
  return 0;
}

/* Only meaningful in builds with the handle-registry feature; without it,
 * using a dead handle is undefined behaviour and is not attempted. */
static int test_dead_handles(void) {
  Add task = {1, 2};
  add_handle *h;

  if (!ffi_tasks_handle_registry_enabled()) {
    return 0;
  }
  h = add_spawn(&task);
  CHECK(h != NULL);
  add_handle_destroy(h);
  CHECK_NO_ERROR();
  CHECK(add_status(h) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_INVALID_HANDLE, 0, "invalid handle");
  add_handle_destroy(h);
  CHECK_ERROR(FFI_TASKS_ERROR_INVALID_HANDLE, 0, "invalid handle");
  CHECK(add_wait(h) == NULL);
  CHECK_ERROR(FFI_TASKS_ERROR_INVALID_HANDLE, 0, "invalid handle");
  return 0;
}

static int test_pool_stats(void) {
  ffi_tasks_stats stats;
  ffi_tasks_token *never = ffi_tasks_token_new();
  int i;

  CHECK(never != NULL);
  CHECK(ffi_tasks_pool_stats(NULL) == -1);
  CHECK_ERROR(FFI_TASKS_ERROR_NULL_POINTER, 1, "null pointer passed as `out`");
  /* The pool counts a job after the job has published its result, so the
   * counters may trail the waits above: poll them, for at most ~60 s. */
  for (i = 0; i < 6000; ++i) {
    CHECK(ffi_tasks_pool_stats(&stats) == 0);
    CHECK_NO_ERROR();
    if (stats.completed >= 1 && stats.failed >= 2 && stats.cancelled >= 1) {
      break;
    }
    CHECK(ffi_tasks_token_wait_cancelled(never, 10) == 0);
  }
  CHECK(i < 6000);
  CHECK(stats.peak_threads >= 1 && stats.peak_threads <= MAX_THREADS);
  CHECK(stats.threads <= MAX_THREADS);
  CHECK(stats.idle <= stats.threads);
  ffi_tasks_token_destroy(never);
  return 0;
}

typedef int (*test_fn)(void);

int main(void) {
  static const struct {
    const char *name;
    test_fn run;
  } tests[] = {
      {"pool_configure", test_pool_configure},
      {"names_and_version", test_names_and_version},
      {"last_error_buffer", test_last_error_buffer},
      {"add", test_add},
      {"result_taken_once", test_result_taken_once},
      {"running_task", test_running_task},
      {"cancelled_task_returning_a_value", test_cancelled_task_returning_a_value},
      {"handle_destroy_cancels", test_handle_destroy_cancels},
      {"fail_message", test_fail_message},
      {"boom_panics", test_boom_panics},
      {"progress", test_progress},
      {"tokens", test_tokens},
      {"group_cancel", test_group_cancel},
      {"on_complete", test_on_complete},
      {"null_handles", test_null_handles},
      {"dead_handles", test_dead_handles},
      {"pool_stats", test_pool_stats},
  };
  int failed = 0;
  if (!latch_init()) {
    fprintf(stderr, "cannot create the latch\n");
    return 1;
  }
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; ++i) {
    int rc = tests[i].run();
    printf("[%s] %s\n", rc == 0 ? "  OK  " : "FAILED", tests[i].name);
    failed += rc != 0;
  }
  printf("%d of %d tests failed\n", failed, (int)(sizeof tests / sizeof tests[0]));
  return failed == 0 ? 0 : 1;
}
