// Built with the cxx bridge (linked to ffi_tasks::example_tasks).
#include "ffi_tasks/bridge.hpp"
#include "odr.hpp"
#include "scenario.hpp"

#if !defined(FFI_TASKS_HAS_BRIDGE) || !FFI_TASKS_HAS_BRIDGE
#error "this translation unit must be built with the bridge"
#endif

std::string odr_with_bridge() { return odr_scenario(); }
