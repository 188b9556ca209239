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

include("${CMAKE_CURRENT_LIST_DIR}/../../cmake/FfiTasksScriptHelpers.cmake")
ffi_tasks_script_require(run_consumer.cmake MODE SOURCE_DIR MAIN_BUILD_DIR WORK_DIR GENERATOR)

function(run)
  ffi_tasks_script_run("consumer(${MODE})" ${ARGN})
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
ffi_tasks_script_compilers(configure_args)

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

if(MODE STREQUAL "package")
  # cxx's header only under ffi_tasks' own folder (no include/rust/cxx.h to
  # collide with another package's).
  if(EXISTS "${prefix}/include/rust/cxx.h" OR NOT EXISTS "${prefix}/include/ffi_tasks/cxx/rust/cxx.h")
    message(FATAL_ERROR "consumer(package): rust/cxx.h must be installed as "
                        "include/ffi_tasks/cxx/rust/cxx.h only")
  endif()
  # The package records the options it was built with.
  file(STRINGS "${MAIN_BUILD_DIR}/CMakeCache.txt" main_registry
       REGEX "^FFI_TASKS_HANDLE_REGISTRY:BOOL=")
  string(REGEX REPLACE "^.*=" "" main_registry "${main_registry}")
  file(READ "${prefix}/${LIBDIR}/cmake/ffi_tasks/ffi_tasksConfig.cmake" package_config)
  if(NOT package_config MATCHES "set\\(FFI_TASKS_HANDLE_REGISTRY ${main_registry} CACHE")
    message(FATAL_ERROR "consumer(package): ffi_tasksConfig.cmake does not record "
                        "FFI_TASKS_HANDLE_REGISTRY=${main_registry}")
  endif()
  # A C program built with pkg-config alone.
  find_program(PKG_CONFIG NAMES pkg-config pkgconf REQUIRED)
  set(ENV{PKG_CONFIG_PATH} "${prefix}/${LIBDIR}/pkgconfig")
  execute_process(COMMAND "${PKG_CONFIG}" --cflags --libs ffi_tasks
                  OUTPUT_VARIABLE pc_flags OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE rc)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "consumer(package): pkg-config --cflags --libs ffi_tasks failed (${rc})")
  endif()
  separate_arguments(pc_flags UNIX_COMMAND "${pc_flags}")
  if(NOT C_COMPILER)
    set(C_COMPILER cc)
  endif()
  file(MAKE_DIRECTORY "${build}")
  run("${C_COMPILER}" -std=c11 -Wall -Wextra -Werror "${src}/pkgconfig.c" ${pc_flags}
      -o "${build}/consumer_pkgconfig")
  run("${build}/consumer_pkgconfig")
endif()

run("${CMAKE_COMMAND}" ${configure_args})
run("${CMAKE_COMMAND}" --build "${build}" ${config_args})
set(test_args ${config_args})
if(BUILD_TYPE)
  set(test_args -C "${BUILD_TYPE}")
endif()
run("${CMAKE_CTEST_COMMAND}" --test-dir "${build}" ${test_args} --output-on-failure --no-tests=error)

# The same project with FFI_TASKS_HANDLE_REGISTRY=ON on its command line: the
# feature reaches its crate (consumer_registry checks a destroyed handle).
if(NOT main_registry)
  set(registry_build "${WORK_DIR}/build-registry")
  list(TRANSFORM configure_args REPLACE "^${build}$" "${registry_build}")
  run("${CMAKE_COMMAND}" ${configure_args} -DFFI_TASKS_HANDLE_REGISTRY=ON)
  run("${CMAKE_COMMAND}" --build "${registry_build}" ${config_args} --target consumer_registry)
  run("${CMAKE_CTEST_COMMAND}" --test-dir "${registry_build}" ${test_args} --output-on-failure
      --no-tests=error -R "^consumer_registry$")
endif()
