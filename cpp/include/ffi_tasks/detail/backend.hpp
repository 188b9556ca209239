// ffi_tasks/detail/backend.hpp — the type-erased table of functions a
// TaskHandle<T> calls, built from a traits class (task_traits<Task> or any
// other backend). Not public API.
//
// TaskHandle<T> holds `void *` + a pointer to one handle_vtable<T>, so every
// task yielding a T (and every backend: the C ABI, a cxx bridge, ...) gives
// the same handle type.
#pragma once

#include <cstdint>
#include <type_traits>
#include <utility>

#include "ffi_tasks/detail/c_api.hpp"
#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks/error.hpp"
#include "ffi_tasks/task_traits.hpp"

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

// The entries that call the backend are not noexcept, although none of them
// throws (a backend's functions may not, see task_traits.hpp): a noexcept
// function that calls one the compiler must assume may throw (every extern
// "C" function) keeps a frame of its own to call std::terminate, where
// without it the adapter below is a single jump to the exported function.
template <class T>
struct handle_vtable {
  void *(*poll)(void *handle);
  void *(*wait)(void *handle);  // consumes the handle, even on error
  void *(*wait_timeout)(void *handle, std::uint64_t timeout_ms);
  void (*cancel)(void *handle);
  int (*cancelled)(void *handle);
  int (*status)(void *handle);
  int (*progress)(void *handle, ffi_tasks_progress *out);
  int (*on_complete)(void *handle, ffi_tasks_callback callback, void *user_data);
  void (*handle_destroy)(void *handle);        // consumes the handle
  T (*adopt)(void *result);                    // frees `result` exactly once
  int (*error_kind)();                         // 0: the last call succeeded; null: the C ABI's
  Error (*take_error)(const char *operation);  // the last call's error
};

// Whether T looks like a rust::Box (into_raw() and a static from_raw()).
template <class T, class = void>
struct is_box_like : std::false_type {};
template <class T>
struct is_box_like<T, std::void_t<decltype(std::declval<T &>().into_raw()),
                                  decltype(T::from_raw(std::declval<T &>().into_raw()))>>
    : std::true_type {};

// How a value leaves a Rust result when the traits have no adopt(): moved
// out, then the result freed with `destroy` (even when the move throws).
// Specialized for types whose moved-from state Rust cannot drop: rust::Box
// (ffi_tasks/rich.hpp, part of ffi_tasks/bridge.hpp).
template <class T, class = void>
struct output_adopter {
  static_assert(
      !is_box_like<T>::value,
      "a rust::Box output needs ffi_tasks/rich.hpp (in ffi_tasks/bridge.hpp): moving out of "
      "the Rust result would leave a null Box for result_destroy to drop");

  template <class Output, class Destroy>
  static T adopt(Output *result, Destroy destroy) {
    struct free_on_exit {
      Output *result;
      Destroy destroy;
      ~free_on_exit() { destroy(result); }
    } guard{result, destroy};
    if constexpr (std::is_empty<T>::value) {
      // A zero-sized Rust output: the pointer is dangling, never read it.
      return T{};
    } else {
      return T(std::move(*guard.result));
    }
  }
};

template <class Traits, class = void>
struct has_adopt : std::false_type {};
template <class Traits>
struct has_adopt<Traits, std::void_t<decltype(&Traits::adopt)>> : std::true_type {};

template <class Traits, class = void>
struct has_error_hooks : std::false_type {};
template <class Traits>
struct has_error_hooks<Traits,
                       std::void_t<decltype(&Traits::error_kind), decltype(&Traits::take_error)>>
    : std::true_type {};

// Turns the typed static functions of `Traits` into the void* functions of
// handle_vtable<value_type>.
template <class Traits>
struct backend {
  using handle_type = typename Traits::handle_type;
  using output_type = typename Traits::output_type;
  using value_type = typename Traits::value_type;

  static handle_type *handle(void *h) noexcept { return static_cast<handle_type *>(h); }
  static output_type *output(void *r) noexcept { return static_cast<output_type *>(r); }

  static void *poll(void *h) { return Traits::poll(handle(h)); }
  static void *wait(void *h) { return Traits::wait(handle(h)); }
  static void *wait_timeout(void *h, std::uint64_t ms) {
    return Traits::wait_timeout(handle(h), ms);
  }
  static void cancel(void *h) { Traits::cancel(handle(h)); }
  static int cancelled(void *h) { return Traits::cancelled(handle(h)); }
  static int status(void *h) { return Traits::status(handle(h)); }
  static int progress(void *h, ffi_tasks_progress *out) { return Traits::progress(handle(h), out); }
  static int on_complete(void *h, ffi_tasks_callback callback, void *user_data) {
    return Traits::on_complete(handle(h), callback, user_data);
  }
  static void handle_destroy(void *h) { Traits::handle_destroy(handle(h)); }

  static value_type adopt(void *r) {
    if constexpr (has_adopt<Traits>::value) {
      return Traits::adopt(output(r));
    } else if constexpr (std::is_same<value_type, Owned<output_type>>::value) {
      return value_type(output(r), &Traits::result_destroy);
    } else {
      return output_adopter<value_type>::adopt(output(r), &Traits::result_destroy);
    }
  }

  // Only with the traits' own hooks; the C ABI's error kind is read
  // directly (see last_error_kind), saving an indirect call per poll.
  static int error_kind() {
    if constexpr (has_error_hooks<Traits>::value) {
      return Traits::error_kind();
    } else {
      return c_last_error_kind();
    }
  }
  static Error take_error(const char *operation) {
    if constexpr (has_error_hooks<Traits>::value) {
      return Traits::take_error(operation);
    } else {
      return c_take_error(operation);
    }
  }
};

// The kind of the error the last call through `vtable` left (0: none).
template <class T>
int last_error_kind(const handle_vtable<T> &vtable) {
  return vtable.error_kind != nullptr ? vtable.error_kind() : c_last_error_kind();
}

template <class Traits>
inline constexpr handle_vtable<typename Traits::value_type> vtable_for = {
    &backend<Traits>::poll,
    &backend<Traits>::wait,
    &backend<Traits>::wait_timeout,
    &backend<Traits>::cancel,
    &backend<Traits>::cancelled,
    &backend<Traits>::status,
    &backend<Traits>::progress,
    &backend<Traits>::on_complete,
    &backend<Traits>::handle_destroy,
    &backend<Traits>::adopt,
    has_error_hooks<Traits>::value ? &backend<Traits>::error_kind : nullptr,
    &backend<Traits>::take_error,
};

}  // namespace detail
FFI_TASKS_END_NAMESPACE
