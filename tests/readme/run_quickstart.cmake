# run_quickstart.cmake — builds and runs the README's quick start exactly as
# pasted; run by ctest (test `readme_quickstart`, see
# cmake/FfiTasksConsumerTests.cmake):
#
#   cmake -DSOURCE_DIR=<ffi_tasks source> -DWORK_DIR=<scratch folder>
#         -DGENERATOR=<generator> [-DBUILD_TYPE=<config>]
#         [-DC_COMPILER=...] [-DCXX_COMPILER=...] -P run_quickstart.cmake
#
# Every fenced block of README.md preceded by `<!-- quickstart: <path> -->` is
# written to WORK_DIR/src/<path>; `third_party/ffi_tasks` is a link to
# SOURCE_DIR, as a git submodule would be. The project is then configured,
# built and run with C and C++ warnings as errors (-Wall -Wextra -Werror) and
# Rust warnings denied, and the program must print a result line.
cmake_minimum_required(VERSION 3.22)

include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/FfiTasksScriptHelpers.cmake")
ffi_tasks_script_require(run_quickstart.cmake SOURCE_DIR WORK_DIR GENERATOR)

set(src "${WORK_DIR}/src")
set(build "${WORK_DIR}/build")
file(REMOVE_RECURSE "${src}")
file(MAKE_DIRECTORY "${src}/third_party")
file(CREATE_LINK "${SOURCE_DIR}" "${src}/third_party/ffi_tasks" SYMBOLIC)

# Extract the marked blocks (string operations only: the code contains `;`,
# which CMake's list commands would split on).
file(READ "${SOURCE_DIR}/README.md" rest)
set(marker "<!-- quickstart: ")
string(LENGTH "${marker}" marker_length)
set(files)
while(TRUE)
  string(FIND "${rest}" "${marker}" at)
  if(at EQUAL -1)
    break()
  endif()
  math(EXPR at "${at} + ${marker_length}")
  string(SUBSTRING "${rest}" ${at} -1 rest)
  string(FIND "${rest}" " -->" at)
  string(SUBSTRING "${rest}" 0 ${at} path)
  # The block starts on the line after the next opening fence ...
  string(FIND "${rest}" "```" at)
  string(SUBSTRING "${rest}" ${at} -1 rest)
  string(FIND "${rest}" "\n" at)
  math(EXPR at "${at} + 1")
  string(SUBSTRING "${rest}" ${at} -1 rest)
  # ... and ends before the closing fence.
  string(FIND "${rest}" "\n```" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "quickstart: the block for ${path} is not closed")
  endif()
  math(EXPR at "${at} + 1")
  string(SUBSTRING "${rest}" 0 ${at} block)
  string(SUBSTRING "${rest}" ${at} -1 rest)
  file(WRITE "${src}/${path}" "${block}")
  list(APPEND files "${path}")
endwhile()
foreach(expected CMakeLists.txt main.cpp rust/Cargo.toml rust/src/lib.rs)
  if(NOT expected IN_LIST files)
    message(FATAL_ERROR "quickstart: README.md has no block marked `<!-- quickstart: ${expected} -->`")
  endif()
endforeach()

set(configure_args -S "${src}" -B "${build}" -G "${GENERATOR}"
    "-DCMAKE_C_FLAGS=$ENV{CFLAGS} -Wall -Wextra -Werror"
    "-DCMAKE_CXX_FLAGS=$ENV{CXXFLAGS} -Wall -Wextra -Werror")
if(BUILD_TYPE)
  list(APPEND configure_args "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
endif()
ffi_tasks_script_compilers(configure_args)

set(ENV{RUSTFLAGS} "-D warnings")
ffi_tasks_script_run(quickstart CAPTURE "${CMAKE_COMMAND}" ${configure_args})
ffi_tasks_script_run(quickstart CAPTURE "${CMAKE_COMMAND}" --build "${build}")
ffi_tasks_script_run(quickstart CAPTURE "${build}/app")
if(NOT last_output MATCHES "([0-9]+ primes|cancelled)")
  message(FATAL_ERROR "quickstart: the program printed no result line")
endif()
