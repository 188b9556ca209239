// Built without the cxx bridge (only ffi_tasks::headers).
#include "odr.hpp"
#include "scenario.hpp"

#if defined(FFI_TASKS_HAS_BRIDGE)
#error "this translation unit must be built without the bridge"
#endif

std::string odr_without_bridge() { return odr_scenario(); }
