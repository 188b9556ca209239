// ffi_tasks/pool.hpp — control and statistics of the global Rust pool that
// runs every task (Rust tasks and C++ jobs alike), through the cxx bridge.
//
//   // first thing in main, before any task is spawned:
//   ffi_tasks::PoolOptions options = ffi_tasks::default_pool_options();
//   options.max_threads = 8;
//   options.keep_alive_ms = 2000;
//   options.thread_name = "my-worker";
//   ffi_tasks::configure_pool(options);       // InvalidArgument once in use
//
//   ffi_tasks::PoolStats s = ffi_tasks::pool_stats();
//   std::printf("%llu running, %llu queued\n", ...);
#pragma once

#include "ffi_tasks/detail/bridge_api.hpp"
#include "ffi_tasks/detail/config.hpp"

FFI_TASKS_BEGIN_NAMESPACE

// Settings of the global pool (a struct shared with Rust): max_threads
// (>= 1), keep_alive_ms, thread_name (empty: default), stack_size (0: the
// platform default).
using PoolOptions = ::ffi_tasks::bridge::PoolOptions;

// A snapshot of the global pool's counters (a struct shared with Rust):
// threads, idle, running, queued, completed, failed (panics included),
// cancelled, peak_threads. Every finished task counts once in exactly one of
// completed/failed/cancelled.
using PoolStats = ::ffi_tasks_stats;

// The settings an unconfigured pool uses.
PoolOptions default_pool_options();

// Configures the global pool. Only before its first use (the first spawn,
// pool_stats() or pool_options()): afterwards, or for max_threads == 0, it
// throws ffi_tasks::InvalidArgument and changes nothing.
void configure_pool(const PoolOptions &options);

// The settings the global pool runs with. Counts as a use of the pool.
PoolOptions pool_options();

// The global pool's counters now. Counts as a use of the pool. Throws
// ffi_tasks::InvalidArgument when a custom Rust executor replaced the pool.
PoolStats pool_stats();

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

inline PoolOptions default_pool_options() { return ::ffi_tasks::bridge::default_pool_options(); }

inline void configure_pool(const PoolOptions &options) {
  detail::bridge_call([&] { ::ffi_tasks::bridge::configure_pool(options); });
}

inline PoolOptions pool_options() {
  return detail::bridge_call([] { return ::ffi_tasks::bridge::pool_options(); });
}

inline PoolStats pool_stats() {
  return detail::bridge_call([] { return ::ffi_tasks::bridge::pool_stats(); });
}

FFI_TASKS_END_NAMESPACE
