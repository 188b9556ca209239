/*
 * waitset_test.c — the wait set and deadline functions of ffi_tasks.h from
 * C11: wait-any in release order, wait-all, empty and timed-out outcomes,
 * the descriptor under poll(2) and epoll (level-triggered, drained by
 * ffi_tasks_waitset_wait), a set destroyed while members run, a handle added
 * twice or destroyed while in the set, 10,000 members, four threads waiting,
 * deadlines on tokens and handles, and null pointers.
 *
 * Tasks are `spin` tasks spawned under a token of their own: cancelling the
 * token releases the task (return_count = 1 makes it return a value), so the
 * order of completions is the test's. No sleeps.
 */
#define _DEFAULT_SOURCE 1
#include <ffi_tasks/ffi_tasks.h>

#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
/* POSIX threads, not C11 <threads.h>: ThreadSanitizer (the tsan preset) does
 * not intercept glibc's thrd_create, whose threads then crash under it. */
#include <pthread.h>
#include <unistd.h>
#ifdef __linux__
#include <sys/epoll.h>
#endif

/* The example tasks' types and functions (Spin, Add), from the header the
 * build generates for cpp/example_tasks. */
#include "ffi_tasks_example_tasks.h"

#include "check.h"

FFI_TASKS_DECLARE_WAITSET_ADD(spin);
FFI_TASKS_DECLARE_WAITSET_ADD(add);

#define PATIENCE_MS 60000

static int readable(int fd) {
  struct pollfd pfd = {.fd = fd, .events = POLLIN, .revents = 0};
  return poll(&pfd, 1, 0) == 1 && (pfd.revents & POLLIN) != 0;
}

/* A spin task released by cancelling *token. */
static spin_handle *held(ffi_tasks_token **token) {
  Spin task = {.return_count = 1};
  *token = ffi_tasks_token_new();
  return spin_spawn_with_token(&task, *token);
}

static int test_wait_any_in_release_order(void) {
  ffi_tasks_waitset *ws = ffi_tasks_waitset_new();
  ffi_tasks_token *tokens[3];
  spin_handle *handles[3];
  for (int i = 0; i < 3; i++) {
    handles[i] = held(&tokens[i]);
    CHECK(spin_waitset_add(ws, handles[i], 100u + (uint64_t)i) == 0);
  }
  CHECK(ffi_tasks_waitset_len(ws) == 3);
  uint64_t tag = 0;
  CHECK(ffi_tasks_waitset_wait(ws, 0, &tag) == FFI_TASKS_WAITSET_TIMED_OUT);
  CHECK(ffi_tasks_waitset_wait(ws, 5, &tag) == FFI_TASKS_WAITSET_TIMED_OUT);
  const int order[3] = {1, 2, 0};
  for (int k = 0; k < 3; k++) {
    ffi_tasks_token_cancel(tokens[order[k]]);
    CHECK(ffi_tasks_waitset_wait(ws, -1, &tag) == FFI_TASKS_WAITSET_COMPLETED);
    CHECK(tag == 100u + (uint64_t)order[k]);
  }
  CHECK(ffi_tasks_waitset_wait(ws, -1, &tag) == FFI_TASKS_WAITSET_EMPTY);
  for (int i = 0; i < 3; i++) {
    uint64_t *r = spin_wait(handles[i]);
    CHECK(r != NULL); /* the result stays in the handle */
    spin_result_destroy(r);
    ffi_tasks_token_destroy(tokens[i]);
  }
  ffi_tasks_waitset_destroy(ws);
  return 0;
}

static int test_wait_all_and_fd_with_poll(void) {
  ffi_tasks_waitset *ws = ffi_tasks_waitset_new();
  int fd = ffi_tasks_waitset_fd(ws);
  CHECK(fd >= 0);
  CHECK(ffi_tasks_waitset_wait_all(ws, 0) == FFI_TASKS_WAITSET_COMPLETED); /* empty */
  ffi_tasks_token *token;
  spin_handle *h = held(&token);
  Add a = {.a = 2, .b = 3};
  add_handle *quick = add_spawn(&a);
  CHECK(spin_waitset_add(ws, h, 1) == 0);
  CHECK(add_waitset_add(ws, quick, 2) == 0);
  CHECK(ffi_tasks_waitset_wait_all(ws, 0) == FFI_TASKS_WAITSET_TIMED_OUT);
  ffi_tasks_token_cancel(token);
  CHECK(ffi_tasks_waitset_wait_all(ws, PATIENCE_MS) == FFI_TASKS_WAITSET_COMPLETED);
  CHECK(readable(fd));
  uint64_t tag = 0, sum = 0;
  CHECK(ffi_tasks_waitset_wait(ws, 0, &tag) == FFI_TASKS_WAITSET_COMPLETED);
  sum += tag;
  CHECK(readable(fd)); /* level-triggered: one tag left */
  CHECK(ffi_tasks_waitset_wait(ws, 0, &tag) == FFI_TASKS_WAITSET_COMPLETED);
  sum += tag;
  CHECK(sum == 3);
  CHECK(!readable(fd));
  spin_handle_destroy(h);
  add_handle_destroy(quick);
  ffi_tasks_token_destroy(token);
  ffi_tasks_waitset_destroy(ws);
  CHECK(!readable(fd)); /* ours to close, never readable again */
  CHECK(close(fd) == 0);
  return 0;
}

#ifdef __linux__
static int test_fd_with_epoll(void) {
  ffi_tasks_waitset *ws = ffi_tasks_waitset_new();
  int fd = ffi_tasks_waitset_fd(ws);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  CHECK(fd >= 0 && ep >= 0);
  struct epoll_event ev = {.events = EPOLLIN, .data = {.u64 = 77}};
  CHECK(epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0);
  enum { N = 8 };
  ffi_tasks_token *tokens[N];
  spin_handle *handles[N];
  for (int i = 0; i < N; i++) {
    handles[i] = held(&tokens[i]);
    CHECK(spin_waitset_add(ws, handles[i], (uint64_t)i) == 0);
  }
  unsigned seen = 0;
  int released = 0;
  while (seen != (1u << N) - 1) {
    if (released < N) {
      ffi_tasks_token_cancel(tokens[released++]);
    }
    struct epoll_event out[2];
    CHECK(epoll_wait(ep, out, 2, PATIENCE_MS) == 1);
    CHECK(out[0].data.u64 == 77);
    uint64_t tag;
    while (ffi_tasks_waitset_wait(ws, 0, &tag) == FFI_TASKS_WAITSET_COMPLETED) {
      CHECK(tag < N && !(seen & (1u << tag)));
      seen |= 1u << tag;
    }
  }
  struct epoll_event out[1];
  CHECK(epoll_wait(ep, out, 1, 0) == 0);
  for (int i = 0; i < N; i++) {
    spin_handle_destroy(handles[i]);
    ffi_tasks_token_destroy(tokens[i]);
  }
  ffi_tasks_waitset_destroy(ws);
  CHECK(close(ep) == 0 && close(fd) == 0);
  return 0;
}
#endif

static int test_destroy_while_pending_and_handle_destroyed(void) {
  ffi_tasks_waitset *ws = ffi_tasks_waitset_new();
  ffi_tasks_token *token;
  spin_handle *h = held(&token);
  CHECK(spin_waitset_add(ws, h, 1) == 0);
  CHECK(spin_waitset_add(ws, h, 2) == -1); /* added twice */
  CHECK_KIND(FFI_TASKS_ERROR_INVALID_ARGUMENT);
  CHECK(ffi_tasks_waitset_len(ws) == 1);
  ffi_tasks_waitset_destroy(ws); /* the task still runs */
  ffi_tasks_token_cancel(token);
  uint64_t *r = spin_wait(h);
  CHECK(r != NULL);
  spin_result_destroy(r);

  /* A handle destroyed while in the set: cancelled, its tag still arrives. */
  ws = ffi_tasks_waitset_new();
  Spin forever = {.return_count = 0};
  spin_handle *doomed = spin_spawn(&forever);
  CHECK(spin_waitset_add(ws, doomed, 9) == 0);
  spin_handle_destroy(doomed);
  uint64_t tag = 0;
  CHECK(ffi_tasks_waitset_wait(ws, PATIENCE_MS, &tag) == FFI_TASKS_WAITSET_COMPLETED);
  CHECK(tag == 9);
  ffi_tasks_waitset_destroy(ws);
  ffi_tasks_token_destroy(token);
  return 0;
}

static int test_ten_thousand_members(void) {
  enum { N = 10000 };
  static add_handle *handles[N];
  static unsigned char seen[N];
  ffi_tasks_waitset *ws = ffi_tasks_waitset_new();
  for (uint64_t i = 0; i < N; i++) {
    Add a = {.a = i, .b = 1};
    handles[i] = add_spawn(&a);
    CHECK(add_waitset_add(ws, handles[i], i) == 0);
  }
  CHECK(ffi_tasks_waitset_wait_all(ws, PATIENCE_MS) == FFI_TASKS_WAITSET_COMPLETED);
  uint64_t tag;
  for (int i = 0; i < N; i++) {
    CHECK(ffi_tasks_waitset_wait(ws, 0, &tag) == FFI_TASKS_WAITSET_COMPLETED);
    CHECK(tag < N && !seen[tag]);
    seen[tag] = 1;
  }
  CHECK(ffi_tasks_waitset_wait(ws, 0, &tag) == FFI_TASKS_WAITSET_EMPTY);
  for (int i = 0; i < N; i++) {
    add_handle_destroy(handles[i]);
  }
  ffi_tasks_waitset_destroy(ws);
  return 0;
}

enum { MEMBERS = 64, WAITERS = 4 };
static ffi_tasks_waitset *shared_set;
static unsigned char taken[MEMBERS];
static pthread_mutex_t taken_mutex = PTHREAD_MUTEX_INITIALIZER;

/* Returns NULL when every wait went right, a non-NULL pointer otherwise. */
static void *waiter(void *arg) {
  uint64_t tag;
  for (;;) {
    int rc = ffi_tasks_waitset_wait(shared_set, PATIENCE_MS, &tag);
    if (rc == FFI_TASKS_WAITSET_EMPTY) {
      return NULL;
    }
    if (rc != FFI_TASKS_WAITSET_COMPLETED || tag >= MEMBERS) {
      return arg;
    }
    pthread_mutex_lock(&taken_mutex);
    int twice = taken[tag]++;
    pthread_mutex_unlock(&taken_mutex);
    if (twice) {
      return arg;
    }
  }
}

static int test_several_threads_waiting(void) {
  shared_set = ffi_tasks_waitset_new();
  ffi_tasks_token *group = ffi_tasks_token_new();
  spin_handle *handles[MEMBERS];
  Spin task = {.return_count = 1};
  for (int i = 0; i < MEMBERS; i++) {
    handles[i] = spin_spawn_with_token(&task, group);
    CHECK(spin_waitset_add(shared_set, handles[i], (uint64_t)i) == 0);
  }
  static int failure_marker;
  pthread_t threads[WAITERS];
  for (int i = 0; i < WAITERS; i++) {
    CHECK(pthread_create(&threads[i], NULL, waiter, &failure_marker) == 0);
  }
  ffi_tasks_token_cancel(group);
  for (int i = 0; i < WAITERS; i++) {
    void *res = &failure_marker;
    CHECK(pthread_join(threads[i], &res) == 0);
    CHECK(res == NULL);
  }
  for (int i = 0; i < MEMBERS; i++) {
    CHECK(taken[i] == 1);
    spin_handle_destroy(handles[i]);
  }
  ffi_tasks_waitset_destroy(shared_set);
  ffi_tasks_token_destroy(group);
  return 0;
}

static int test_deadlines(void) {
  /* A token deadline fires; a later one has not when it does. */
  ffi_tasks_token *soon = ffi_tasks_token_new();
  ffi_tasks_token *late = ffi_tasks_token_new();
  CHECK(ffi_tasks_token_cancel_after(late, 3600u * 1000u) == 0);
  CHECK(ffi_tasks_token_cancel_after(late, UINT64_MAX) == 0);
  CHECK(ffi_tasks_token_cancel_after(soon, 10) == 0);
  CHECK(ffi_tasks_token_wait_cancelled(soon, PATIENCE_MS) == 1);
  CHECK(ffi_tasks_token_cancelled(late) == 0);
  ffi_tasks_token *now = ffi_tasks_token_new();
  CHECK(ffi_tasks_token_cancel_after(now, 0) == 0);
  CHECK(ffi_tasks_token_cancelled(now) == 1);

  /* A handle deadline cancels a running task, seen through a wait set. */
  ffi_tasks_waitset *ws = ffi_tasks_waitset_new();
  Spin forever = {.return_count = 0};
  spin_handle *h = spin_spawn(&forever);
  CHECK(spin_waitset_add(ws, h, 5) == 0);
  CHECK(ffi_tasks_handle_cancel_after(h, 10) == 0);
  uint64_t tag;
  CHECK(ffi_tasks_waitset_wait(ws, PATIENCE_MS, &tag) == FFI_TASKS_WAITSET_COMPLETED);
  CHECK(spin_status(h) == FFI_TASKS_STATUS_CANCELLED);
  spin_handle_destroy(h);

  /* On a finished task: left as it ended. */
  Add a = {.a = 1, .b = 1};
  add_handle *done = add_spawn(&a);
  CHECK(add_waitset_add(ws, done, 6) == 0);
  CHECK(ffi_tasks_waitset_wait(ws, PATIENCE_MS, &tag) == FFI_TASKS_WAITSET_COMPLETED);
  CHECK(ffi_tasks_handle_cancel_after(done, 1) == 0);
  CHECK(ffi_tasks_handle_cancel_after(done, 0) == 0);
  ffi_tasks_token *probe = ffi_tasks_token_new();
  CHECK(ffi_tasks_token_cancel_after(probe, 5) == 0);
  CHECK(ffi_tasks_token_wait_cancelled(probe, PATIENCE_MS) == 1);
  CHECK(add_status(done) == FFI_TASKS_STATUS_COMPLETED);
  uint64_t *r = add_wait(done);
  CHECK(r != NULL && *r == 2);
  add_result_destroy(r);

  ffi_tasks_waitset_destroy(ws);
  ffi_tasks_token_destroy(soon);
  ffi_tasks_token_destroy(late);
  ffi_tasks_token_destroy(now);
  ffi_tasks_token_destroy(probe);
  return 0;
}

static int test_null_pointers(void) {
  uint64_t tag = 0;
  CHECK(ffi_tasks_waitset_wait(NULL, 0, &tag) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(ffi_tasks_waitset_wait_all(NULL, 0) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(ffi_tasks_waitset_fd(NULL) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(ffi_tasks_waitset_len(NULL) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(ffi_tasks_waitset_add(NULL, NULL, NULL, 0) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(ffi_tasks_waitset_add_job(NULL, NULL, 0) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  ffi_tasks_waitset_destroy(NULL);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(ffi_tasks_token_cancel_after(NULL, 1) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(ffi_tasks_handle_cancel_after(NULL, 1) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  ffi_tasks_waitset *ws = ffi_tasks_waitset_new();
  CHECK(ffi_tasks_waitset_wait(ws, 0, NULL) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(spin_waitset_add(ws, NULL, 0) == -1);
  CHECK_KIND(FFI_TASKS_ERROR_NULL_POINTER);
  CHECK(ffi_tasks_waitset_wait(ws, -1, &tag) == FFI_TASKS_WAITSET_EMPTY);
  CHECK(ffi_tasks_last_error_kind() == FFI_TASKS_ERROR_NONE);
  ffi_tasks_waitset_destroy(ws);
  return 0;
}

int main(void) {
  struct {
    const char *name;
    int (*run)(void);
  } tests[] = {
      {"wait_any_in_release_order", test_wait_any_in_release_order},
      {"wait_all_and_fd_with_poll", test_wait_all_and_fd_with_poll},
#ifdef __linux__
      {"fd_with_epoll", test_fd_with_epoll},
#endif
      {"destroy_while_pending_and_handle_destroyed",
       test_destroy_while_pending_and_handle_destroyed},
      {"ten_thousand_members", test_ten_thousand_members},
      {"several_threads_waiting", test_several_threads_waiting},
      {"deadlines", test_deadlines},
      {"null_pointers", test_null_pointers},
  };
  int failed = 0;
  for (size_t i = 0; i < sizeof tests / sizeof tests[0]; i++) {
    int rc = tests[i].run();
    printf("%s %s\n", rc == 0 ? "ok  " : "FAIL", tests[i].name);
    failed += rc != 0;
  }
  printf("%d failed\n", failed);
  return failed != 0;
}
