/*
 * ffi_tasks.h — the C ABI of ffi_tasks.
 *
 * Two parts:
 *   1. The ffi_tasks_* functions, exported by every Rust library that links
 *      the ffi_tasks crate: last error, names, version, tokens, pool.
 *   2. FFI_TASKS_DECLARE_TASK(prefix, task_type, output_type): declares the
 *      functions that `export_task!` generates for one task when every key is
 *      exported as <prefix>_<key> (spawn, poll, wait, ...).
 *
 * Contract (see the README, "C ABI contract"):
 *   - Every task function clears the calling thread's last error on entry and
 *     sets it only when it fails. Failure values: NULL, -1, or (void functions)
 *     only the last error.
 *   - A handle comes from <prefix>_spawn and dies in <prefix>_wait or
 *     <prefix>_handle_destroy (both consume it, even when they fail).
 *   - Results from poll/wait/wait_timeout are owned by the caller and freed
 *     with <prefix>_result_destroy, exactly once.
 */
#ifndef FFI_TASKS_H
#define FFI_TASKS_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* ===== error kinds (ffi_tasks_last_error_kind) ===== */
enum ffi_tasks_error_kind {
  FFI_TASKS_ERROR_NONE = 0,
  FFI_TASKS_ERROR_FAILED = 1,           /* the task returned an error */
  FFI_TASKS_ERROR_CANCELLED = 2,        /* the task returned Cancelled */
  FFI_TASKS_ERROR_PANICKED = 3,         /* a panic was caught */
  FFI_TASKS_ERROR_NULL_POINTER = 4,     /* a required pointer was NULL */
  FFI_TASKS_ERROR_ALREADY_TAKEN = 5,    /* the result was already taken */
  FFI_TASKS_ERROR_INVALID_ARGUMENT = 6, /* bad argument or state */
  FFI_TASKS_ERROR_TIMED_OUT = 7,        /* wait_timeout: still running */
  FFI_TASKS_ERROR_SPAWN_FAILED = 8,     /* the task could not be started */
  FFI_TASKS_ERROR_INVALID_HANDLE = 9    /* dead or forged handle (registry builds) */
};

/* ===== task status (<prefix>_status) ===== */
enum ffi_tasks_status {
  FFI_TASKS_STATUS_RUNNING = 0,
  FFI_TASKS_STATUS_COMPLETED = 1,
  FFI_TASKS_STATUS_FAILED = 2,
  FFI_TASKS_STATUS_CANCELLED = 3,
  FFI_TASKS_STATUS_PANICKED = 4,
  FFI_TASKS_STATUS_TAKEN = 5
};

/* Return values of ffi_tasks_last_error_message. */
#define FFI_TASKS_BUFFER_TOO_SMALL (-1)
#define FFI_TASKS_INVALID_BUFFER (-2)

/* Progress reported by a task: done units out of total (0 = unknown). */
typedef struct ffi_tasks_progress {
  uint64_t done;
  uint64_t total;
} ffi_tasks_progress;

/* Counters of the global pool (ffi_tasks_pool_stats). */
typedef struct ffi_tasks_stats {
  uint64_t threads;
  uint64_t idle;
  uint64_t running;
  uint64_t queued;
  uint64_t completed;
  uint64_t failed;
  uint64_t cancelled;
  uint64_t peak_threads;
} ffi_tasks_stats;

/* An opaque cancellation token. */
typedef struct ffi_tasks_token ffi_tasks_token;

/* Called once when a task finishes, on a worker thread (or in on_complete
 * itself if the task already finished). Must not unwind/throw. */
typedef void (*ffi_tasks_callback)(void *user_data);

/* ===== last error (thread-local) ===== */
/* Bytes of the last error message including the NUL; 0 when none. */
int ffi_tasks_last_error_length(void);
/* Kind of the last error (enum ffi_tasks_error_kind). */
int ffi_tasks_last_error_kind(void);
/* Copies the message (NUL-terminated) into buf: returns bytes written incl.
 * NUL, 0 when no error, -1 buffer too small, -2 NULL buf / negative length.
 * Never changes the last error. */
int ffi_tasks_last_error_message(char *buf, int length);
void ffi_tasks_clear_last_error(void);

/* ===== names and version (static strings: never free) ===== */
const char *ffi_tasks_error_kind_name(int kind);
const char *ffi_tasks_status_name(int status);
const char *ffi_tasks_version(void);
/* 1 when handle misuse is detected (built with the handle-registry feature). */
int ffi_tasks_handle_registry_enabled(void);

/* ===== cancellation tokens ===== */
ffi_tasks_token *ffi_tasks_token_new(void);
/* A child: cancelled when its parent is. Free with ffi_tasks_token_destroy. */
ffi_tasks_token *ffi_tasks_token_child(const ffi_tasks_token *token);
void ffi_tasks_token_cancel(const ffi_tasks_token *token);
/* 1 cancelled, 0 not, -1 error. */
int ffi_tasks_token_cancelled(const ffi_tasks_token *token);
/* Blocks until cancelled (1) or timeout (0); -1 error. */
int ffi_tasks_token_wait_cancelled(const ffi_tasks_token *token, uint64_t timeout_ms);
/* Frees the token (does not cancel it). */
void ffi_tasks_token_destroy(ffi_tasks_token *token);

/* ===== the global pool ===== */
/* Before the first spawn only: 0 ok, -1 error. */
int ffi_tasks_pool_configure(uint64_t max_threads, uint64_t keep_alive_ms);
/* 0 ok, -1 error. */
int ffi_tasks_pool_stats(ffi_tasks_stats *out);

/* ===== C++ jobs (the cxx bridge's JobHandle; used by ffi_tasks/spawn.hpp) =====
 * A job's output is `()`: success is a non-null pointer, never read or freed. */
typedef struct ffi_tasks_job_handle ffi_tasks_job_handle;
void *ffi_tasks_job_poll(ffi_tasks_job_handle *handle);
void *ffi_tasks_job_wait(ffi_tasks_job_handle *handle);
void *ffi_tasks_job_wait_timeout(ffi_tasks_job_handle *handle, uint64_t timeout_ms);
void ffi_tasks_job_cancel(ffi_tasks_job_handle *handle);
int ffi_tasks_job_cancelled(ffi_tasks_job_handle *handle);
int ffi_tasks_job_status(ffi_tasks_job_handle *handle);
int ffi_tasks_job_progress(ffi_tasks_job_handle *handle, ffi_tasks_progress *out);
int ffi_tasks_job_on_complete(ffi_tasks_job_handle *handle, ffi_tasks_callback callback,
                              void *user_data);
void ffi_tasks_job_handle_destroy(ffi_tasks_job_handle *handle);

/*
 * Declares the functions export_task! generates for one task whose keys are
 * all exported as <prefix>_<key>, and an opaque handle type <prefix>_handle.
 * `task_type` is the C layout of the Rust task (#[repr(C)]), `output_type` the
 * C layout of its Output.
 */
/* Gives the declarations FFI_TASKS_DECLARE_TASK expands to C linkage in C++. */
#ifdef __cplusplus
#define FFI_TASKS_EXTERN_C extern "C"
#else
#define FFI_TASKS_EXTERN_C
#endif

#define FFI_TASKS_DECLARE_TASK(prefix, task_type, output_type)                                 \
  typedef struct prefix##_handle prefix##_handle;                                              \
  FFI_TASKS_EXTERN_C prefix##_handle *prefix##_spawn(const task_type *task);                   \
  FFI_TASKS_EXTERN_C prefix##_handle *prefix##_spawn_with_token(const task_type *task,         \
                                                                const ffi_tasks_token *token); \
  FFI_TASKS_EXTERN_C output_type *prefix##_poll(prefix##_handle *handle);                      \
  FFI_TASKS_EXTERN_C output_type *prefix##_wait(prefix##_handle *handle);                      \
  FFI_TASKS_EXTERN_C output_type *prefix##_wait_timeout(prefix##_handle *handle,               \
                                                        uint64_t timeout_ms);                  \
  FFI_TASKS_EXTERN_C void prefix##_cancel(prefix##_handle *handle);                            \
  FFI_TASKS_EXTERN_C int prefix##_cancelled(prefix##_handle *handle);                          \
  FFI_TASKS_EXTERN_C int prefix##_status(prefix##_handle *handle);                             \
  FFI_TASKS_EXTERN_C int prefix##_progress(prefix##_handle *handle, ffi_tasks_progress *out);  \
  FFI_TASKS_EXTERN_C int prefix##_on_complete(prefix##_handle *handle,                         \
                                              ffi_tasks_callback callback, void *user_data);   \
  FFI_TASKS_EXTERN_C void prefix##_handle_destroy(prefix##_handle *handle);                    \
  FFI_TASKS_EXTERN_C void prefix##_result_destroy(output_type *result)

#ifdef __cplusplus
} /* extern "C" */
#endif

#endif /* FFI_TASKS_H */
