// Two translation units of one program, one built with the cxx bridge
// (FFI_TASKS_HAS_BRIDGE=1, ffi_tasks/bridge.hpp) and one without, both using
// TaskHandle<std::uint64_t> and reading errors. Each returns what it saw as
// "<kind>|<what()>|<value>".
#pragma once

#include <string>

std::string odr_with_bridge();
std::string odr_without_bridge();
