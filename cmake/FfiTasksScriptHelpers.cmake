# Helpers of the `cmake -P` scripts that build a project against ffi_tasks
# and run it (tests/consumer/run_consumer.cmake, tests/consumer/twice/
# run_twice.cmake, tests/readme/run_quickstart.cmake). Not installed.

# ffi_tasks_script_require(<script> <var>...): stops, naming the missing
# -D<var>=..., unless every <var> is defined.
function(ffi_tasks_script_require script)
  foreach(var IN LISTS ARGN)
    if(NOT DEFINED ${var})
      message(FATAL_ERROR "${script}: -D${var}=... is required")
    endif()
  endforeach()
endfunction()

# ffi_tasks_script_run(<what> [CAPTURE] <command>...): runs the command,
# saying so ("<what>: <command>"), and stops if it fails. Its output goes
# straight through; with CAPTURE it is printed once the command ended and
# kept in `last_output` in the caller's scope.
function(ffi_tasks_script_run what)
  set(command ${ARGN})
  list(GET command 0 first)
  if(first STREQUAL "CAPTURE")
    list(REMOVE_AT command 0)
  endif()
  string(REPLACE ";" " " shown "${command}")
  message(STATUS "${what}: ${shown}")
  if(first STREQUAL "CAPTURE")
    execute_process(COMMAND ${command} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    message("${out}")
    set(last_output "${out}" PARENT_SCOPE)
  else()
    execute_process(COMMAND ${command} COMMAND_ECHO NONE RESULT_VARIABLE rc)
  endif()
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "${what}: failed (${rc}): ${shown}")
  endif()
endfunction()

# ffi_tasks_script_compilers(<list-var>): appends to <list-var> the
# configure arguments for the compilers given as -DC_COMPILER=... and
# -DCXX_COMPILER=..., if any.
function(ffi_tasks_script_compilers list_var)
  set(args ${${list_var}})
  if(C_COMPILER)
    list(APPEND args "-DCMAKE_C_COMPILER=${C_COMPILER}")
  endif()
  if(CXX_COMPILER)
    list(APPEND args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
  endif()
  set(${list_var} "${args}" PARENT_SCOPE)
endfunction()
