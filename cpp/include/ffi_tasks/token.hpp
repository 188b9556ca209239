// ffi_tasks/token.hpp — the Rust CancellationToken, shared with C++ through
// the cxx bridge.
//
//   rust::Box<ffi_tasks::CancellationToken> group = ffi_tasks::make_token();
//   auto a = ffi_tasks::spawn(CountPrimes{1'000'000}, *group);  // Rust task
//   auto b = ffi_tasks::spawn([](const ffi_tasks::CancellationToken &t) {
//     return work_until(t);                                        // C++ job
//   }, *group);
//   group->cancel();  // stops both (and every child token)
//
// The token is the crate's own type, so `*group` is also what the C ABI's
// <prefix>_spawn_with_token and ffi_tasks_token_* functions take (c_token).
// Members (from the bridge): cancel(), cancelled(), child(), clone(),
// wait_cancelled(ms), set_progress(done, total), progress(), same_as(other).
#pragma once

#include <chrono>
#include <cstdint>

#include "ffi_tasks/detail/bridge_api.hpp"
#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/detail/timeout.hpp"
#include "ffi_tasks/ffi_tasks.h"

#if FFI_TASKS_HAS_STOP_TOKEN
#include <stop_token>
#endif

FFI_TASKS_BEGIN_NAMESPACE

// The Rust token (opaque: always behind a reference or a rust::Box).
using CancellationToken = ::ffi_tasks::bridge::CancellationToken;
// Progress reported through a token: done units out of total (0 = unknown).
using TaskProgress = ::ffi_tasks_progress;

// A new, uncancelled token.
[[nodiscard]] rust::Box<CancellationToken> make_token();

// Blocks until `token` is cancelled (true) or `timeout` passes (false).
// The timeout saturates as TaskHandle::wait_for's does: zero or negative
// only checks, a huge one waits without limit, NaN throws InvalidArgument.
template <class Rep, class Period>
bool wait_cancelled(const CancellationToken &token, std::chrono::duration<Rep, Period> timeout);

// The same token as the C ABI sees it (no copy, no new reference).
const ffi_tasks_token *c_token(const CancellationToken &token) noexcept;

#if FFI_TASKS_HAS_STOP_TOKEN
namespace detail {
// Holds its own reference to the token, so the link outlives the caller's.
struct CancelToken {
  rust::Box<CancellationToken> token;
  void operator()() noexcept { token->cancel(); }
};
}  // namespace detail

// A std::stop_callback that cancels a token when its stop_token is stopped.
using StopCallback = std::stop_callback<detail::CancelToken>;

// Connects a C++20 stop token to a Rust token: when `stop` is requested (or
// already was), `token` is cancelled, and with it every task spawned under
// it. The link lasts as long as the returned callback object:
//
//   std::stop_source source;
//   auto link = ffi_tasks::cancel_on_stop(source.get_token(), *group);
//   source.request_stop();  // group->cancelled() is now true
[[nodiscard]] StopCallback cancel_on_stop(std::stop_token stop, const CancellationToken &token);
#endif

// ---------------------------------------------------------------------------
// end of public API, implementation details below
// ---------------------------------------------------------------------------

inline rust::Box<CancellationToken> make_token() { return ::ffi_tasks::bridge::new_token(); }

template <class Rep, class Period>
bool wait_cancelled(const CancellationToken &token, std::chrono::duration<Rep, Period> timeout) {
  // Rounded up, so a positive timeout never becomes a mere check.
  const std::uint64_t ms = detail::timeout_ms(timeout, "wait_cancelled").value();
  return ms == 0 ? token.cancelled() : token.wait_cancelled(ms);
}

inline const ffi_tasks_token *c_token(const CancellationToken &token) noexcept {
  // The C ABI's ffi_tasks_token is an opaque name for the same Rust type.
  return reinterpret_cast<const ffi_tasks_token *>(&token);
}

#if FFI_TASKS_HAS_STOP_TOKEN
inline StopCallback cancel_on_stop(std::stop_token stop, const CancellationToken &token) {
  return StopCallback(std::move(stop), detail::CancelToken{token.clone()});
}
#endif

FFI_TASKS_END_NAMESPACE
