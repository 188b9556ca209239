// The README's C++ quick start (which ctest `readme_quickstart` builds as
// pasted) with its limit and deadline taken from the command line, so that
// the tests also see it cancel: counts primes with a progress line, cancels the task if
// it runs longer than a deadline (argv[2] ms, default 10 s), and reports the
// outcome.
#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <iostream>
#include <thread>

#include <ffi_tasks/ffi_tasks.hpp>

struct CountPrimes {
  std::uint64_t limit;
};                                                       // the #[repr(C)] Rust struct
FFI_TASKS_CPP_TASK(primes, CountPrimes, std::uint64_t);  // one line per task

int main(int argc, char **argv) {
  const std::uint64_t limit = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : 2'000'000;
  const auto deadline = std::chrono::steady_clock::now() +
                        std::chrono::milliseconds(argc > 2 ? std::atoi(argv[2]) : 10'000);

  ffi_tasks::TaskHandle<std::uint64_t> task = ffi_tasks::spawn(CountPrimes{limit});

  while (task.status() == ffi_tasks::TaskStatus::running) {
    if (auto fraction = task.progress().fraction()) {
      std::cout << static_cast<int>(*fraction * 100) << "%\r" << std::flush;
    }
    if (std::chrono::steady_clock::now() > deadline) {
      task.cancel();  // the task sees its token cancelled and stops
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }

  try {
    const std::uint64_t count = std::move(task).wait();  // consumes the handle
    std::cout << count << " primes below " << limit << "\n";
  } catch (const ffi_tasks::TaskCancelled &) {
    std::cout << "cancelled\n";
  } catch (const ffi_tasks::Error &e) {  // kind() + the Rust message
    std::cerr << ffi_tasks::to_string(e.kind()) << ": " << e.what() << "\n";
    return 1;
  }
  return 0;
}
