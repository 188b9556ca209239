# run_consumer.cmake — builds and runs the consumer project (this folder)
# against ffi_tasks; run by ctest (see cmake/FfiTasksConsumerTests.cmake):
#
#   cmake -DMODE=package|subdirectory -DSOURCE_DIR=<ffi_tasks source>
#         -DMAIN_BUILD_DIR=<ffi_tasks build> -DWORK_DIR=<scratch folder>
#         -DGENERATOR=<generator> -DBUILD_TYPE=<config>
#         [-DC_COMPILER=...] [-DCXX_COMPILER=...] -P run_consumer.cmake
#
# package:      `cmake --install` the main build into WORK_DIR/prefix, then
#               find_package(ffi_tasks) from there (and only there).
# subdirectory: add_subdirectory(SOURCE_DIR).
#
# The project is copied to WORK_DIR/src so that nothing is written to the
# source tree, with the main workspace's Cargo.lock: the consumer crate then
# resolves exactly the versions ffi_tasks was built with (cxx above all,
# whose version is baked into the generated bridge).
cmake_minimum_required(VERSION 3.22)

foreach(var MODE SOURCE_DIR MAIN_BUILD_DIR WORK_DIR GENERATOR)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "run_consumer.cmake: -D${var}=... is required")
  endif()
endforeach()

function(run)
  string(REPLACE ";" " " shown "${ARGN}")
  message(STATUS "consumer(${MODE}): ${shown}")
  execute_process(COMMAND ${ARGN} COMMAND_ECHO NONE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer(${MODE}): failed (${rc}): ${shown}")
  endif()
endfunction()

if(NOT LIBDIR)
  set(LIBDIR lib)
endif()
set(config_args)
if(BUILD_TYPE)
  set(config_args --config "${BUILD_TYPE}")
endif()

set(src "${WORK_DIR}/src")
set(build "${WORK_DIR}/build")
set(prefix "${WORK_DIR}/prefix")

# Fresh sources (the build folder is kept: cargo and ninja rebuild what changed).
file(REMOVE_RECURSE "${src}")
file(COPY "${SOURCE_DIR}/tests/consumer/" DESTINATION "${src}"
     PATTERN "run_consumer.cmake" EXCLUDE)
file(READ "${src}/rust/Cargo.toml" manifest)
string(REPLACE "path = \"../../..\"" "path = \"${SOURCE_DIR}\"" manifest "${manifest}")
file(WRITE "${src}/rust/Cargo.toml" "${manifest}")
file(COPY_FILE "${SOURCE_DIR}/Cargo.lock" "${src}/rust/Cargo.lock")

set(configure_args -S "${src}" -B "${build}" -G "${GENERATOR}" "-DCMAKE_BUILD_TYPE=${BUILD_TYPE}")
if(C_COMPILER)
  list(APPEND configure_args "-DCMAKE_C_COMPILER=${C_COMPILER}")
endif()
if(CXX_COMPILER)
  list(APPEND configure_args "-DCMAKE_CXX_COMPILER=${CXX_COMPILER}")
endif()

if(MODE STREQUAL "package")
  file(REMOVE_RECURSE "${prefix}")
  run("${CMAKE_COMMAND}" --install "${MAIN_BUILD_DIR}" --prefix "${prefix}" ${config_args})
  # Only the fresh prefix may provide ffi_tasks.
  list(APPEND configure_args
    -DFFI_TASKS_CONSUMER_MODE=package
    "-DCMAKE_PREFIX_PATH=${prefix}"
    -DCMAKE_FIND_USE_PACKAGE_REGISTRY=OFF
    "-DFFI_TASKS_EXPECTED_DIR=${prefix}/${LIBDIR}/cmake/ffi_tasks")
  if(NOT EXISTS "${prefix}/${LIBDIR}/cmake/ffi_tasks/ffi_tasksConfig.cmake")
    message(FATAL_ERROR "consumer(package): no ${LIBDIR}/cmake/ffi_tasks/ffi_tasksConfig.cmake in ${prefix}")
  endif()
elseif(MODE STREQUAL "subdirectory")
  list(APPEND configure_args -DFFI_TASKS_CONSUMER_MODE=subdirectory "-DFFI_TASKS_SOURCE_DIR=${SOURCE_DIR}")
else()
  message(FATAL_ERROR "run_consumer.cmake: MODE must be package or subdirectory, not `${MODE}`")
endif()

run("${CMAKE_COMMAND}" ${configure_args})
run("${CMAKE_COMMAND}" --build "${build}" ${config_args})
if(BUILD_TYPE)
  set(config_args -C "${BUILD_TYPE}")
endif()
run("${CMAKE_CTEST_COMMAND}" --test-dir "${build}" ${config_args} --output-on-failure --no-tests=error)
