// configure_pool with extreme settings, one per process (the global pool is
// configured once): `ffi_tasks_bridge_pool_extremes <case>`. Each either
// works (a C++ job then runs on the pool and pool_options() gives the
// settings back) or fails with a typed ffi_tasks error; an abort or any other
// exception fails the ctest.
#include <cstdint>
#include <cstdio>
#include <exception>
#include <string>

#include "ffi_tasks/bridge.hpp"

namespace {

using ffi_tasks::PoolOptions;

struct Case {
  const char *name;
  bool must_work;  // false: a typed ffi_tasks::Error is fine too
  void (*set)(PoolOptions &);
};

const Case kCases[] = {
    {"max_threads_huge", true, [](PoolOptions &o) { o.max_threads = UINT64_MAX; }},
    {"keep_alive_zero", true, [](PoolOptions &o) { o.keep_alive_ms = 0; }},
    {"keep_alive_max", true, [](PoolOptions &o) { o.keep_alive_ms = UINT64_MAX; }},
    {"stack_size_one", true, [](PoolOptions &o) { o.stack_size = 1; }},
    {"stack_size_huge", false, [](PoolOptions &o) { o.stack_size = UINT64_MAX; }},
    {"stack_size_half_address_space", false,
     [](PoolOptions &o) { o.stack_size = std::uint64_t{1} << 62; }},
};

int run(const Case &c) {
  PoolOptions options = ffi_tasks::default_pool_options();
  c.set(options);
  try {
    ffi_tasks::configure_pool(options);
    const PoolOptions seen = ffi_tasks::pool_options();
    if (seen.max_threads != options.max_threads || seen.keep_alive_ms != options.keep_alive_ms ||
        seen.stack_size != options.stack_size) {
      std::fprintf(stderr, "%s: pool_options() differs from the settings given\n", c.name);
      return 1;
    }
    // Several jobs, waited for one after the other: workers start, idle
    // (keep_alive) and are reused or retire.
    for (int i = 0; i < 8; ++i) {
      const int value =
          ffi_tasks::spawn([i](const ffi_tasks::CancellationToken &) { return i * 2; }).wait();
      if (value != i * 2) {
        std::fprintf(stderr, "%s: job %d gave %d\n", c.name, i, value);
        return 1;
      }
    }
    std::printf("%s: works\n", c.name);
    return 0;
  } catch (const ffi_tasks::Error &e) {
    std::printf("%s: typed error: %s\n", c.name, e.what());
    return c.must_work ? 1 : 0;
  } catch (const std::exception &e) {
    std::fprintf(stderr, "%s: untyped exception: %s\n", c.name, e.what());
    return 1;
  }
}

}  // namespace

int main(int argc, char **argv) {
  if (argc == 2) {
    for (const Case &c : kCases) {
      if (std::string(argv[1]) == c.name) {
        return run(c);
      }
    }
  }
  std::fprintf(stderr, "usage: %s <case>; cases:", argv[0]);
  for (const Case &c : kCases) {
    std::fprintf(stderr, " %s", c.name);
  }
  std::fprintf(stderr, "\n");
  return 2;
}
