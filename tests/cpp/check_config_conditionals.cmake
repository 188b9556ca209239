# cmake -DINCLUDE_DIR=<cpp/include> -P check_config_conditionals.cmake
#
# No header may test FFI_TASKS_HAS_BRIDGE: an inline function (or class)
# whose body depends on it would have two definitions in a program whose
# translation units differ in that setting. What the bridge adds lives in
# headers that only bridge users include (ffi_tasks/bridge.hpp and friends).
file(GLOB_RECURSE _headers "${INCLUDE_DIR}/ffi_tasks/*.hpp" "${INCLUDE_DIR}/ffi_tasks/*.h")
set(_bad "")
foreach(_header IN LISTS _headers)
  file(STRINGS "${_header}" _lines REGEX "^[ \t]*#[ \t]*(if|ifdef|ifndef|elif)[ \t(].*FFI_TASKS_HAS_BRIDGE")
  foreach(_line IN LISTS _lines)
    list(APPEND _bad "${_header}: ${_line}")
  endforeach()
endforeach()
if(_bad)
  list(JOIN _bad "\n  " _text)
  message(FATAL_ERROR "headers whose code depends on FFI_TASKS_HAS_BRIDGE:\n  ${_text}")
endif()
list(LENGTH _headers _count)
message(STATUS "no FFI_TASKS_HAS_BRIDGE conditional in ${_count} headers")
