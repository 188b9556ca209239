# run_twice.cmake — configures tests/consumer/twice (ctest consumer_twice):
#
#   cmake -DSOURCE_DIR=<ffi_tasks source> -DWORK_DIR=<scratch folder>
#         -DGENERATOR=<generator> [-DC_COMPILER=...] [-DCXX_COMPILER=...]
#         -P run_twice.cmake
#
# 1. ffi_tasks added twice with add_subdirectory and a crate added with
#    ffi_tasks_add_crate: configures;
# 2. the same with a program linking two Rust staticlibs that contain the
#    ffi_tasks core: fails, naming FFI_TASKS_ONE_RUST_STATICLIB.
cmake_minimum_required(VERSION 3.22)

include("${CMAKE_CURRENT_LIST_DIR}/../../../cmake/FfiTasksScriptHelpers.cmake")
ffi_tasks_script_require(run_twice.cmake SOURCE_DIR WORK_DIR GENERATOR)
set(args -S "${SOURCE_DIR}/tests/consumer/twice" -G "${GENERATOR}"
         "-DFFI_TASKS_SOURCE_DIR=${SOURCE_DIR}")
ffi_tasks_script_compilers(args)

execute_process(COMMAND "${CMAKE_COMMAND}" ${args} -B "${WORK_DIR}/one" -DLINK_TWO_STATICLIBS=OFF
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "ffi_tasks added twice (add_subdirectory) did not configure:\n${out}")
endif()
if(NOT out MATCHES "ffi_tasks: already added to this project")
  message(FATAL_ERROR "the second add_subdirectory(ffi_tasks) was not reused:\n${out}")
endif()
message(STATUS "ffi_tasks added twice: configures, the second copy reused")

execute_process(COMMAND "${CMAKE_COMMAND}" ${args} -B "${WORK_DIR}/two" -DLINK_TWO_STATICLIBS=ON
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
if(rc EQUAL 0)
  message(FATAL_ERROR "a program linking two Rust staticlibs with the ffi_tasks core configured:\n${out}")
endif()
if(NOT out MATCHES "FFI_TASKS_ONE_RUST_STATICLIB")
  message(FATAL_ERROR "linking two Rust staticlibs failed, but not on FFI_TASKS_ONE_RUST_STATICLIB:\n${out}")
endif()
message(STATUS "a program linking two Rust staticlibs: stopped at configure")
