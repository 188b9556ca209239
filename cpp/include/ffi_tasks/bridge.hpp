// ffi_tasks/bridge.hpp — everything the cxx bridge adds to the C++ API
// (link ffi_tasks::bridge, which also defines FFI_TASKS_HAS_BRIDGE):
//
//   token.hpp   CancellationToken shared with Rust (make_token, child tokens,
//               cancel_on_stop for std::stop_token), spawning under a token
//   pool.hpp    configure_pool / pool_options / pool_stats (shared structs)
//   spawn.hpp   spawn(callable): C++ jobs on the Rust pool as TaskHandle<T>
//   rich.hpp    rust::String / rust::Vec<T> / rust::Box<R> task outputs
//
// and, through error.hpp, error messages read as rust::String. See
// docs/bridge.md for when to use the bridge and when the plain C ABI.
#pragma once

#include "ffi_tasks/ffi_tasks.hpp"
#include "ffi_tasks/pool.hpp"
#include "ffi_tasks/rich.hpp"
#include "ffi_tasks/token.hpp"
#if FFI_TASKS_USE_EXCEPTIONS
#include "ffi_tasks/spawn.hpp"
#endif
