# Registers the consumer project tests (tests/consumer): a downstream project
# with its own Rust crate, configured, built and run from ctest against
#   consumer_package       this build, installed with `cmake --install` into a
#                          scratch prefix and found with find_package(ffi_tasks)
#   consumer_subdirectory  this source tree through add_subdirectory
# Each one builds a Rust crate from scratch the first time (about a minute).
include(GNUInstallDirs)
set(_ffi_tasks_consumer_modes subdirectory)
if(FFI_TASKS_INSTALL)
  list(PREPEND _ffi_tasks_consumer_modes package)
endif()
foreach(_mode IN LISTS _ffi_tasks_consumer_modes)
  add_test(NAME consumer_${_mode}
    COMMAND "${CMAKE_COMMAND}"
      "-DMODE=${_mode}"
      "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}"
      "-DMAIN_BUILD_DIR=${PROJECT_BINARY_DIR}"
      "-DWORK_DIR=${PROJECT_BINARY_DIR}/consumer/${_mode}"
      "-DGENERATOR=${CMAKE_GENERATOR}"
      "-DBUILD_TYPE=$<CONFIG>"
      "-DLIBDIR=${CMAKE_INSTALL_LIBDIR}"
      "-DC_COMPILER=${CMAKE_C_COMPILER}"
      "-DCXX_COMPILER=${CMAKE_CXX_COMPILER}"
      -P "${PROJECT_SOURCE_DIR}/tests/consumer/run_consumer.cmake")
  # One at a time: each runs cargo and a C++ build on all cores.
  set_tests_properties(consumer_${_mode} PROPERTIES
    LABELS consumer
    RESOURCE_LOCK ffi_tasks_consumer
    TIMEOUT 900)
endforeach()
