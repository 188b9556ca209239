# Registers the downstream-project tests, each configured, built and run from
# ctest in a scratch folder:
#   consumer_package   tests/consumer (a C++ program, a C program and one using
#                      the prebuilt library, with their own Rust crate) against
#                      this build, installed with `cmake --install` into a
#                      scratch prefix and found with find_package(ffi_tasks)
#   consumer_subdirectory
#                      the same project with add_subdirectory(<this source>)
#   readme_quickstart  the README's quick start, extracted from README.md and
#                      built exactly as pasted through add_subdirectory, with
#                      warnings as errors (tests/readme/run_quickstart.cmake)
# Each one builds a Rust crate from scratch the first time (about a minute).
include(GNUInstallDirs)
set(_ffi_tasks_downstream_common
  "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}"
  "-DGENERATOR=${CMAKE_GENERATOR}"
  "-DBUILD_TYPE=$<CONFIG>"
  "-DC_COMPILER=${CMAKE_C_COMPILER}"
  "-DCXX_COMPILER=${CMAKE_CXX_COMPILER}")
if(FFI_TASKS_INSTALL)
  add_test(NAME consumer_package
    COMMAND "${CMAKE_COMMAND}" -DMODE=package ${_ffi_tasks_downstream_common}
      "-DMAIN_BUILD_DIR=${PROJECT_BINARY_DIR}"
      "-DWORK_DIR=${PROJECT_BINARY_DIR}/consumer/package with spaces"
      "-DLIBDIR=${CMAKE_INSTALL_LIBDIR}"
      -P "${PROJECT_SOURCE_DIR}/tests/consumer/run_consumer.cmake")
endif()
add_test(NAME consumer_subdirectory
  COMMAND "${CMAKE_COMMAND}" -DMODE=subdirectory ${_ffi_tasks_downstream_common}
    "-DMAIN_BUILD_DIR=${PROJECT_BINARY_DIR}"
    "-DWORK_DIR=${PROJECT_BINARY_DIR}/consumer/subdirectory"
    -P "${PROJECT_SOURCE_DIR}/tests/consumer/run_consumer.cmake")
add_test(NAME readme_quickstart
  COMMAND "${CMAKE_COMMAND}" ${_ffi_tasks_downstream_common}
    "-DWORK_DIR=${PROJECT_BINARY_DIR}/consumer/readme"
    -P "${PROJECT_SOURCE_DIR}/tests/readme/run_quickstart.cmake")
foreach(_test consumer_package consumer_subdirectory readme_quickstart)
  if(TEST ${_test})
    # One at a time: each runs cargo and a C++ build on all cores.
    set_tests_properties(${_test} PROPERTIES
      LABELS "consumer;host-only"
      RESOURCE_LOCK ffi_tasks_consumer
      TIMEOUT 900)
  endif()
endforeach()

# crate_header_cases: the crate header generator on the crate sources users
# write (impl shapes, comments, modules, paths, duplicates, macros, a missing
# cbindgen), without building a crate: a few seconds
# (tests/consumer/crate_header_cases.cmake).
find_program(FFI_TASKS_CBINDGEN cbindgen HINTS "$ENV{CARGO_HOME}/bin" "$ENV{HOME}/.cargo/bin"
             DOC "cbindgen CLI, for the headers of ffi_tasks_crate_header")
add_test(NAME crate_header_cases
  COMMAND "${CMAKE_COMMAND}" "-DCBINDGEN=${FFI_TASKS_CBINDGEN}"
    "-DSCRIPT=${PROJECT_SOURCE_DIR}/cmake/FfiTasksCrateHeader.cmake"
    "-DINCLUDE_DIR=${PROJECT_SOURCE_DIR}/cpp/include"
    "-DWORK_DIR=${PROJECT_BINARY_DIR}/consumer/crate_header_cases"
    "-DC_COMPILER=${CMAKE_C_COMPILER}" "-DCXX_COMPILER=${CMAKE_CXX_COMPILER}"
    -P "${PROJECT_SOURCE_DIR}/tests/consumer/crate_header_cases.cmake")
set_tests_properties(crate_header_cases PROPERTIES LABELS "consumer;crate-header" TIMEOUT 300)

# consumer_twice: ffi_tasks added twice with add_subdirectory configures (the
# second copy reused), and a program linking two Rust staticlibs with the
# ffi_tasks core stops the configure (tests/consumer/twice/run_twice.cmake);
# two configures, about 10 s.
add_test(NAME consumer_twice
  COMMAND "${CMAKE_COMMAND}" "-DSOURCE_DIR=${PROJECT_SOURCE_DIR}" "-DGENERATOR=${CMAKE_GENERATOR}"
    "-DC_COMPILER=${CMAKE_C_COMPILER}" "-DCXX_COMPILER=${CMAKE_CXX_COMPILER}"
    "-DWORK_DIR=${PROJECT_BINARY_DIR}/consumer/twice"
    -P "${PROJECT_SOURCE_DIR}/tests/consumer/twice/run_twice.cmake")
set_tests_properties(consumer_twice PROPERTIES LABELS "consumer;host-only" TIMEOUT 600)
