/* The C11 <threads.h> subset the C tests use (mtx_t, cnd_t, timed waits,
 * thrd_sleep).
 * mingw-w64 has no <threads.h>: on Windows without it, the same names over
 * SRWLOCK and CONDITION_VARIABLE (and timespec_get over the system clock
 * where the C runtime lacks it). Test support only, not part of the API. */
#ifndef FFI_TASKS_TEST_C11_THREADS_H
#define FFI_TASKS_TEST_C11_THREADS_H

#if defined(_WIN32) && !defined(FFI_TASKS_TEST_HAVE_THREADS_H) && \
    (defined(__MINGW32__) || defined(__STDC_NO_THREADS__))

#define WIN32_LEAN_AND_MEAN
#include <time.h>
#include <windows.h>

enum { thrd_success = 0, thrd_error = 1, thrd_timedout = 2 };
enum { mtx_plain = 0 };

#ifndef TIME_UTC
/* mingw-w64 over msvcrt (not UCRT) has no C11 timespec_get. */
#define TIME_UTC 1
static inline int ffi_tasks_test_timespec_get(struct timespec *ts, int base) {
  FILETIME ft;
  ULARGE_INTEGER t;
  if (base != TIME_UTC) {
    return 0;
  }
  GetSystemTimeAsFileTime(&ft);
  t.LowPart = ft.dwLowDateTime;
  t.HighPart = ft.dwHighDateTime;
  /* 100 ns units since 1601-01-01 to the Unix epoch. */
  t.QuadPart -= 116444736000000000ULL;
  ts->tv_sec = (time_t)(t.QuadPart / 10000000ULL);
  ts->tv_nsec = (long)(t.QuadPart % 10000000ULL) * 100;
  return base;
}
#define timespec_get ffi_tasks_test_timespec_get
#endif

typedef SRWLOCK mtx_t;
typedef CONDITION_VARIABLE cnd_t;

static inline int mtx_init(mtx_t *m, int type) {
  (void)type;
  InitializeSRWLock(m);
  return thrd_success;
}
static inline int mtx_lock(mtx_t *m) {
  AcquireSRWLockExclusive(m);
  return thrd_success;
}
static inline int mtx_unlock(mtx_t *m) {
  ReleaseSRWLockExclusive(m);
  return thrd_success;
}
static inline int cnd_init(cnd_t *c) {
  InitializeConditionVariable(c);
  return thrd_success;
}
static inline int cnd_broadcast(cnd_t *c) {
  WakeAllConditionVariable(c);
  return thrd_success;
}
static inline int cnd_wait(cnd_t *c, mtx_t *m) {
  return SleepConditionVariableSRW(c, m, INFINITE, 0) ? thrd_success : thrd_error;
}
/* Waits until the absolute TIME_UTC time `deadline` (as C11's). */
static inline int cnd_timedwait(cnd_t *c, mtx_t *m, const struct timespec *deadline) {
  struct timespec now;
  long long ms;
  timespec_get(&now, TIME_UTC);
  ms = ((long long)deadline->tv_sec - (long long)now.tv_sec) * 1000 +
       ((long long)deadline->tv_nsec - (long long)now.tv_nsec) / 1000000;
  if (ms <= 0) {
    return thrd_timedout;
  }
  if (SleepConditionVariableSRW(c, m, (DWORD)(ms > 0x7fffffffLL ? 0x7fffffffLL : ms), 0)) {
    return thrd_success;
  }
  return GetLastError() == ERROR_TIMEOUT ? thrd_timedout : thrd_error;
}
/* Sleeps for `duration` (whole milliseconds, at least one); `remaining` is
 * not written. */
static inline int thrd_sleep(const struct timespec *duration, struct timespec *remaining) {
  long long ms = (long long)duration->tv_sec * 1000 + duration->tv_nsec / 1000000;
  (void)remaining;
  Sleep((DWORD)(ms < 1 ? 1 : (ms > 0x7fffffffLL ? 0x7fffffffLL : ms)));
  return 0;
}

#else
#include <threads.h>
#endif

#endif /* FFI_TASKS_TEST_C11_THREADS_H */
