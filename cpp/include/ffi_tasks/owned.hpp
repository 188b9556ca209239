// ffi_tasks/owned.hpp — Owned<T>: a Rust task result kept as is (not copied
// into C++) and freed with the task's result_destroy when it goes away. What
// FFI_TASKS_CPP_TASK_OWNED tasks yield, for outputs C++ must not copy.
#pragma once

#include <utility>

#include "ffi_tasks/detail/config.hpp"

FFI_TASKS_BEGIN_NAMESPACE

template <class T>
class Owned {
 public:
  using element_type = T;
  using deleter_type = void (*)(T *);

  // Empty.
  Owned() noexcept = default;
  // Owns `result`, to be freed with `destroy` (the task's result_destroy).
  Owned(T *result, deleter_type destroy) noexcept : ptr_(result), destroy_(destroy) {}

  Owned(const Owned &) = delete;
  Owned &operator=(const Owned &) = delete;
  Owned(Owned &&other) noexcept
      : ptr_(std::exchange(other.ptr_, nullptr)),
        destroy_(std::exchange(other.destroy_, nullptr)) {}
  // Frees the result held first.
  Owned &operator=(Owned &&other) &noexcept {
    if (this != &other) {
      reset();
      ptr_ = std::exchange(other.ptr_, nullptr);
      destroy_ = std::exchange(other.destroy_, nullptr);
    }
    return *this;
  }
  ~Owned() { reset(); }

  T *get() const noexcept { return ptr_; }
  T &operator*() const noexcept { return *ptr_; }
  T *operator->() const noexcept { return ptr_; }
  explicit operator bool() const noexcept { return ptr_ != nullptr; }

  // Frees the result now; empty afterwards.
  void reset() noexcept {
    if (ptr_ != nullptr) {
      destroy_(std::exchange(ptr_, nullptr));
      destroy_ = nullptr;
    }
  }

  // Gives up ownership: free the pointer with get_deleter() yourself.
  T *release() noexcept { return std::exchange(ptr_, nullptr); }
  deleter_type get_deleter() const noexcept { return destroy_; }

 private:
  T *ptr_ = nullptr;
  deleter_type destroy_ = nullptr;
};

FFI_TASKS_END_NAMESPACE
