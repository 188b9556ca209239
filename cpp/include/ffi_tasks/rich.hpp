// ffi_tasks/rich.hpp — Rust tasks whose Output is a String, a Vec<T> or a
// Box<R> (R an opaque type of your own #[cxx::bridge]), received through the
// ordinary TaskHandle<T> as rust::String, rust::Vec<T>, rust::Box<R>:
//
//   // Rust: Output = String / Vec<u8> / Box<Blob>, exported with export_task!
//   FFI_TASKS_CPP_TASK(text, Text, rust::String);
//   FFI_TASKS_CPP_TASK(bytes, Bytes, rust::Vec<std::uint8_t>);
//   FFI_TASKS_CPP_TASK(blob, MakeBlob, rust::Box<my_crate::Blob>);
//
//   rust::Vec<std::uint8_t> data = ffi_tasks::spawn(Bytes{64 << 20, 7}).wait();
//
// No copy of the payload, and exactly one free: cxx gives these types the
// memory layout of the Rust ones (it passes them by value that way), so the
// `String *` that poll/wait return *is* a rust::String. The value is moved
// out in place — a rust::String/Vec move leaves a valid empty value behind,
// which result_destroy then frees with the (tiny) result slot; a rust::Box
// is taken with into_raw and only the slot is freed (release_box_slot), as
// dropping a null Box would be undefined behaviour.
//
// Part of ffi_tasks/bridge.hpp. A translation unit that names a rust::Box
// output without it does not compile (a static_assert in detail/backend.hpp
// says so), so no two translation units adopt the same output differently.
#pragma once

#include <cstdint>
#include <type_traits>

#include "ffi_tasks/detail/backend.hpp"
#include "ffi_tasks/detail/config.hpp"
#include "ffi_tasks_bridge/bridge.h"
#include "rust/cxx.h"

FFI_TASKS_BEGIN_NAMESPACE
namespace detail {

// The layouts the in-place move relies on (Rust's side is asserted in
// src/bridge.rs): String and Vec<T> are three words, Box<R> one pointer.
static_assert(sizeof(rust::String) == 3 * sizeof(void *) &&
                  alignof(rust::String) == alignof(void *),
              "rust::String no longer has the layout of Rust's String");
static_assert(sizeof(rust::Vec<std::uint8_t>) == 3 * sizeof(void *) &&
                  alignof(rust::Vec<std::uint8_t>) == alignof(void *),
              "rust::Vec<T> no longer has the layout of Rust's Vec<T>");
static_assert(sizeof(rust::Vec<std::uint64_t>) == 3 * sizeof(void *),
              "rust::Vec<T> no longer has the layout of Rust's Vec<T>");
static_assert(std::is_nothrow_move_constructible<rust::String>::value &&
                  std::is_nothrow_move_constructible<rust::Vec<std::uint8_t>>::value,
              "moving out of a Rust result must not throw");

template <class R>
struct output_adopter<rust::Box<R>> {
  static_assert(sizeof(rust::Box<R>) == sizeof(void *) && alignof(rust::Box<R>) == alignof(void *),
                "rust::Box<T> no longer has the layout of Rust's Box<T>");

  template <class Output, class Destroy>
  static rust::Box<R> adopt(Output *result, Destroy) noexcept {
    static_assert(std::is_same<Output, rust::Box<R>>::value,
                  "declare the task's output type as the rust::Box itself");
    rust::Box<R> value = rust::Box<R>::from_raw(result->into_raw());
    // The slot now holds a null Box: free its memory without dropping it.
    ::ffi_tasks::bridge::release_box_slot(reinterpret_cast<std::uint8_t *>(result));
    return value;
  }
};

}  // namespace detail
FFI_TASKS_END_NAMESPACE
