// The scenario both translation units run (tests/cpp/odr/odr.hpp).
#pragma once

#include <cstdint>
#include <string>
#include <utility>

#include "example_tasks.hpp"

inline std::string odr_scenario() {
  std::string seen;
  ffi_tasks::TaskHandle<std::uint64_t> failing = ffi_tasks::spawn(Fail{7});
  ffi_tasks::Result<std::uint64_t> failed = std::move(failing).try_wait();
  if (failed) {
    return "Fail{7} succeeded";
  }
  seen += std::string(ffi_tasks::to_string(failed.error().kind())) + "|" + failed.error().what();
  ffi_tasks::TaskHandle<std::uint64_t> adding = ffi_tasks::spawn(Add{2, 3});
  seen += "|" + std::to_string(std::move(adding).wait());
  return seen;
}
