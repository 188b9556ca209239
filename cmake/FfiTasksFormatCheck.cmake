# cmake -DCLANG_FORMAT=<path or empty> -DSOURCE_DIR=<repo> -DFILES=<list> -P FfiTasksFormatCheck.cmake
#
# The ctest `cpp_format`: `clang-format --dry-run --Werror` (clang-format 14,
# the project's .clang-format) over the C and C++ files. Without clang-format
# 14 the test is skipped, except when the environment sets CI: then it fails.
function(_ffi_tasks_format_unavailable why)
  if(DEFINED ENV{CI} AND NOT "$ENV{CI}" STREQUAL "")
    message(FATAL_ERROR "${why} (required when CI is set; Debian: apt-get install clang-format)")
  endif()
  message(STATUS "${why}: cpp_format skipped")
  return()
endfunction()

if(NOT CLANG_FORMAT)
  _ffi_tasks_format_unavailable("clang-format not found")
  return()
endif()
execute_process(COMMAND "${CLANG_FORMAT}" --version OUTPUT_VARIABLE _version)
if(NOT _version MATCHES "version 14\\.")
  string(STRIP "${_version}" _version)
  _ffi_tasks_format_unavailable("${CLANG_FORMAT} is not clang-format 14 (${_version})")
  return()
endif()
execute_process(COMMAND "${CLANG_FORMAT}" --dry-run --Werror ${FILES}
                WORKING_DIRECTORY "${SOURCE_DIR}" RESULT_VARIABLE _rc)
if(NOT _rc EQUAL 0)
  message(FATAL_ERROR "cpp_format: files differ from clang-format's output (see above); "
                      "fix with: clang-format -i <file>")
endif()
list(LENGTH FILES _count)
message(STATUS "cpp_format: ${_count} files formatted")
