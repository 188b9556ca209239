# check_header.cmake — checks of the header ffi_tasks_add_crate(... HEADER)
# generates (registered as tests in CMakeLists.txt):
#
#   -DMODE=content -DHEADER=<consumer_tasks.h> -DBUILD_DIR=<build dir>
#                  -DMAKE_PROGRAM=<ninja or make>
#       the header defines SumTo, checks its layout against rustc's, declares
#       the sum_to_* functions, and the consumer's programs were compiled
#       with it (their dependency files name it);
#   -DMODE=must-fail -DBUILD_DIR=<build dir> -DTARGET=<target>
#       building <target> fails, and fails on the header's layout check.
cmake_minimum_required(VERSION 3.22)

if(MODE STREQUAL "content")
  if(NOT EXISTS "${HEADER}")
    message(FATAL_ERROR "no generated header at ${HEADER}")
  endif()
  file(READ "${HEADER}" text)
  foreach(expected
      "typedef struct SumTo {\n  /**\n   * The last number to add.\n   */\n  uint64_t n;\n} SumTo;"
      "FFI_TASKS_CHECK_LAYOUT(SumTo, 8, 8);"
      "FFI_TASKS_CHECK_LAYOUT(uint64_t, 8, 8);"
      "FFI_TASKS_DECLARE_TASK(sum_to, SumTo, uint64_t);")
    string(FIND "${text}" "${expected}" at)
    if(at EQUAL -1)
      message(FATAL_ERROR "${HEADER} lacks:\n${expected}\n--- it reads:\n${text}")
    endif()
  endforeach()
  # The programs were compiled with this very header: the compiler's
  # dependency lists (Ninja keeps them in its deps log, Makefiles next to the
  # objects) name it for each of their objects.
  set(lists "")
  if(MAKE_PROGRAM MATCHES "ninja")
    execute_process(COMMAND "${MAKE_PROGRAM}" -C "${BUILD_DIR}" -t deps
                    OUTPUT_VARIABLE lists RESULT_VARIABLE rc)
    if(NOT rc EQUAL 0)
      message(FATAL_ERROR "ninja -t deps failed (${rc})")
    endif()
  else()
    file(GLOB_RECURSE deps "${BUILD_DIR}/*.o.d" "${BUILD_DIR}/*.d")
    foreach(dep IN LISTS deps)
      file(READ "${dep}" dep_text)
      string(APPEND lists "\n\n${dep}: ${dep_text}")
    endforeach()
  endif()
  # One block per object: "<object>: ..." then its dependencies.
  string(REGEX REPLACE "\n([^ \t\n][^\n]*:)" "\n;\\1" blocks "${lists}")
  set(users "")
  foreach(block IN LISTS blocks)
    if(block MATCHES "consumer_tasks\\.h"
       AND block MATCHES "^[^\n]*/(main\\.cpp|main\\.c|registry\\.c)\\.o")
      list(APPEND users "${CMAKE_MATCH_1}")
    endif()
  endforeach()
  foreach(source main.cpp main.c registry.c)
    if(NOT source IN_LIST users)
      message(FATAL_ERROR "${source} was not compiled with the generated header "
                          "(sources whose objects depend on it: ${users})")
    endif()
  endforeach()
  message(STATUS "consumer_tasks.h generated and used by: ${users}")
elseif(MODE STREQUAL "must-fail")
  execute_process(
    COMMAND "${CMAKE_COMMAND}" --build "${BUILD_DIR}" --target "${TARGET}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  if(rc EQUAL 0)
    message(FATAL_ERROR "${TARGET} compiled, but its layout differs from Rust's:\n${out}")
  endif()
  if(NOT out MATCHES "the layout of SumTo differs from the one rustc chose")
    message(FATAL_ERROR "${TARGET} failed, but not on the layout check:\n${out}")
  endif()
  message(STATUS "${TARGET} fails to compile, as it must")
else()
  message(FATAL_ERROR "check_header.cmake: MODE must be content or must-fail")
endif()
