// Compile-only check of the public headers: instantiates every member of
// TaskHandle<T> (and the rest of the API) so that the compiler sees all the
// template code, under each compiler, language standard and exception mode
// of the matrix (tests/cpp/CMakeLists.txt). Never linked or run.
#include "coroutine_support.hpp"
#include "ffi_tasks/ffi_tasks.hpp"

#include <chrono>
#include <cstdint>
#include <utility>

namespace compile_check {
struct Task {
  std::uint64_t n;
};
struct Big {
  std::uint64_t a;
  double b;
};
struct OwnedTask {
  int x;
};
struct UnitJob {
  int x;
};
}  // namespace compile_check

FFI_TASKS_CPP_TASK(check_u64, compile_check::Task, std::uint64_t);
FFI_TASKS_CPP_TASK(check_big, compile_check::Big, compile_check::Big);
FFI_TASKS_CPP_TASK_OWNED(check_owned, compile_check::OwnedTask, compile_check::Big);
FFI_TASKS_CPP_TASK(check_unit, compile_check::UnitJob, ffi_tasks::Unit);

// Every non-template member, for each kind of value type.
template class ffi_tasks::TaskHandle<std::uint64_t>;
template class ffi_tasks::TaskHandle<compile_check::Big>;
template class ffi_tasks::TaskHandle<ffi_tasks::Owned<compile_check::Big>>;
template class ffi_tasks::TaskHandle<ffi_tasks::Unit>;
template class ffi_tasks::Result<int>;
template class ffi_tasks::Owned<compile_check::Big>;

namespace compile_check {

// The member templates and free functions.
template <class Task>
void use_everything(const Task &task) {
  auto handle = ffi_tasks::spawn(task);
  auto tried = ffi_tasks::try_spawn(task);
  (void)handle.wait_for(std::chrono::milliseconds(1));
  (void)handle.wait_for(std::chrono::duration<double>(0.5));
  (void)handle.wait_until(std::chrono::steady_clock::now());
  (void)handle.try_wait_for(std::chrono::seconds(1));
  (void)handle.wait_until(std::chrono::system_clock::time_point::max());
  (void)handle.try_wait_until(std::chrono::steady_clock::time_point::min());
  (void)handle.try_wait_until(
      std::chrono::time_point<std::chrono::system_clock, std::chrono::duration<double>>());
  (void)handle.try_wait_for(std::chrono::duration<float, std::milli>(1.5f));
  (void)handle.try_wait_for(std::chrono::duration<unsigned, std::ratio<1, 3>>(1));
  handle.on_complete([]() noexcept {});
  (void)handle.try_on_complete([]() noexcept {});
  (void)handle.progress().fraction();
  (void)ffi_tasks::to_string(handle.status());
#if FFI_TASKS_USE_EXCEPTIONS
  auto future = std::move(handle).to_future();
  (void)future;
#endif
#if FFI_TASKS_HAS_STOP_TOKEN
  (void)std::move(*tried).wait(std::stop_token());
#endif
}

void instantiate() {
  use_everything(Task{1});
  use_everything(Big{1, 2.0});
  use_everything(OwnedTask{1});
  use_everything(UnitJob{1});
  (void)ffi_tasks::last_error();
  (void)ffi_tasks::version();
  (void)ffi_tasks::make_error_code(ffi_tasks::ErrorKind::failed).message();
  (void)ffi_tasks::to_string(ffi_tasks::ErrorKind::usage);
}

#if FFI_TASKS_HAS_COROUTINES
// co_await needs a coroutine; this one is never run.
test_support::Detached await_everything() {
  (void)co_await ffi_tasks::spawn(Task{1});
  (void)co_await ffi_tasks::spawn(Big{1, 2.0});
  (void)co_await ffi_tasks::spawn(OwnedTask{1});
  (void)co_await ffi_tasks::spawn(UnitJob{1});
}

#if FFI_TASKS_HAS_STOP_TOKEN
// A promise with a stop token: a stop request cancels the awaited task.
struct Stoppable {
  struct promise_type {
    std::stop_token get_stop_token() const noexcept { return {}; }
    Stoppable get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept {}
  };
};

Stoppable await_stoppable() { (void)co_await ffi_tasks::spawn(Task{1}); }
#endif
#endif

}  // namespace compile_check

// Executors, combinators and push progress (executor.hpp, when.hpp,
// progress.hpp): every template, in each mode of the matrix.
#include <functional>
#include <vector>

#include "ffi_tasks/progress.hpp"
#include "ffi_tasks/when.hpp"

namespace compile_check_exec {
struct Executor {
  void execute(std::function<void()> f) const { f(); }
};
struct Poster {
  void post(std::function<void()> f) { f(); }
};

inline void combine(ffi_tasks::TaskHandle<std::uint64_t> a,
                    ffi_tasks::TaskHandle<compile_check::Big> b,
                    std::vector<ffi_tasks::TaskHandle<std::uint64_t>> many,
                    std::vector<ffi_tasks::TaskHandle<std::uint64_t>> more) {
  auto all = ffi_tasks::when_all(std::move(a), std::move(b));
  auto any = ffi_tasks::when_any(std::move(many));
  auto every = ffi_tasks::when_all(std::move(more));
  auto none = ffi_tasks::when_all();
  all.on_progress(
      Executor{}, [](ffi_tasks::Progress) {}, std::chrono::milliseconds(10));
  all.on_complete(Executor{}, [] {});
  Poster poster;
  static_cast<void>(any.try_on_complete(poster, [] {}));
  static_cast<void>(every.try_poll());
  static_cast<void>(none.try_poll());
  auto first = ffi_tasks::when_any(ffi_tasks::spawn(compile_check::Task{1}),
                                   ffi_tasks::spawn(compile_check::UnitJob{1}));
  static_cast<void>(first.try_poll());
}

#if FFI_TASKS_HAS_COROUTINES && FFI_TASKS_HAS_STOP_TOKEN
inline test_support::Detached resume_on_executor() {
  Executor ex;
  (void)co_await ffi_tasks::spawn(compile_check::Task{1}).resume_on(ex);
  (void)co_await ffi_tasks::when_all(ffi_tasks::spawn(compile_check::Big{1, 2.0})).resume_on(ex);
}
#endif
}  // namespace compile_check_exec

// ----- TaskStream<T> (stream.hpp)
namespace compile_check {
struct StreamTask {
  std::uint64_t n;
};
}  // namespace compile_check

FFI_TASKS_CPP_STREAM(check_stream_u64, compile_check::StreamTask, std::uint64_t);
FFI_TASKS_CPP_STREAM(check_stream_big, compile_check::Task, compile_check::Big);

template class ffi_tasks::TaskStream<std::uint64_t>;
template class ffi_tasks::TaskStream<compile_check::Big>;

namespace compile_check {

template <class Task>
void use_stream(const Task &task) {
  auto stream = ffi_tasks::spawn_stream(task);
  auto tried = ffi_tasks::try_spawn_stream(task);
  (void)stream.next_for(std::chrono::milliseconds(1));
  (void)stream.next_for(std::chrono::duration<double>(0.5));
  (void)stream.try_next_for(std::chrono::duration<unsigned, std::ratio<1, 3>>(1));
  for (auto &&item : stream) {
    (void)item;
  }
  (void)stream.progress().fraction();
  (void)ffi_tasks::to_string(stream.status());
  (void)tried;
}

void instantiate_streams() {
  use_stream(StreamTask{1});
  use_stream(Task{1});
}

#if FFI_TASKS_HAS_COROUTINES
struct StreamReader {
  struct promise_type {
    StreamReader get_return_object() noexcept { return {}; }
    std::suspend_never initial_suspend() noexcept { return {}; }
    std::suspend_never final_suspend() noexcept { return {}; }
    void return_void() noexcept {}
    void unhandled_exception() noexcept {}
  };
};

StreamReader read_stream(ffi_tasks::TaskStream<std::uint64_t> &stream) {
  while (auto item = co_await stream.next_async()) {
    (void)item;
  }
}
#endif

}  // namespace compile_check
