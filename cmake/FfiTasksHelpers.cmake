# FfiTasksHelpers.cmake — CMake functions of ffi_tasks.
#
# Included by the top-level CMakeLists.txt (add_subdirectory use) and by the
# installed ffi_tasksConfig.cmake (find_package use), so everything here must
# work in both: it only refers to the ffi_tasks::headers and ffi_tasks::bridge
# targets, which exist in both cases.
#
#   ffi_tasks_add_crate(<target> CRATE <crate> [MANIFEST_PATH <Cargo.toml>]
#                       [FEATURES <feature>...] [PROFILE <cargo profile>]
#                       [CORROSION_ARGS <arg>...]
#                       [BRIDGES <file.rs>... [BRIDGE_TARGET <name>]]
#                       [HEADER <name>.h])
#       Links a Rust crate of yours that exports tasks with `export_task!`
#       (a `staticlib` that depends on the `ffi_tasks` crate) to C and C++.
#       With MANIFEST_PATH the crate is imported with Corrosion first
#       (find_package(Corrosion) must have run, or Corrosion must be fetched);
#       without it, <crate> must already be an imported Corrosion target.
#       Creates the INTERFACE target <target> that links, in this order: ffi_tasks::headers, ffi_tasks::bridge and the
#       crate's staticlib. Link exactly one such target (one Rust staticlib)
#       into a final binary.
#       BRIDGES: the crate's own #[cxx::bridge] files (paths relative to its
#       src/), generated with corrosion_add_cxxbridge into the static library
#       BRIDGE_TARGET (default <crate>_bridge), linked in the same group.
#       Include its headers as "<BRIDGE_TARGET>/<file>.h", e.g.
#       "my_tasks_bridge/lib.h" for BRIDGES lib.rs of crate my_tasks.
#       HEADER: also generate the C/C++ header of the crate (see
#       ffi_tasks_crate_header below), included as "<name>.h".
#       With FFI_TASKS_HANDLE_REGISTRY on (the option of an add_subdirectory
#       build, or the value an installed package was built with), the crate
#       is built with the cargo feature ffi_tasks/handle-registry.
#
#   ffi_tasks_crate_header(<target> CRATE <crate> HEADER <name>.h)
#       Generates "<name>.h" for the Corrosion crate target <crate> and puts
#       it on <target>'s include path (INTERFACE): the crate's #[repr(C)] task
#       and output types (cbindgen), a compile-time check of each one's size
#       and alignment against the values rustc used, and
#       FFI_TASKS_DECLARE_TASK(<prefix>, <Task>, <Output>) for every task the
#       crate exports with `export_task! { Task: T; prefix: p; }`. So C code
#       includes it and calls p_spawn(...) directly, and C++ binds a task with
#       FFI_TASKS_CPP_TASK(p, T, Output) on the generated T. Regenerated after
#       every build of the crate (rewritten only when its text changes). Its
#       path is <target>'s property FFI_TASKS_HEADER.
#       Needs the cbindgen CLI (FFI_TASKS_CBINDGEN, looked up in PATH and
#       ~/.cargo/bin). See docs/cmake.md.
#
#   ffi_tasks_link_bridge(<target> <INTERFACE|PUBLIC|PRIVATE> <crate target> [<bridge>...])
#       The linking step of ffi_tasks_add_crate, for a crate you imported
#       yourself: headers + bridge + staticlib, bridge and staticlib in one
#       link group.
#       Each target it links carries the crate's name as the compatible
#       interface property FFI_TASKS_ONE_RUST_STATICLIB: a binary that links
#       two Rust staticlibs with the ffi_tasks core stops the configure.
#
#   ffi_tasks_target_warnings(<target>)
#       -Wall -Wextra -Wpedantic (and -Werror when FFI_TASKS_WERROR is on,
#       the default for the top-level project) for C and C++ sources.

include_guard(GLOBAL)

# The header generator beside this file (the source tree's cmake/ or the
# installed package's directory). A cache entry, so that it is seen from every
# directory (add_subdirectory sets it in ffi_tasks' own scope).
set(FFI_TASKS_CRATE_HEADER_SCRIPT "${CMAKE_CURRENT_LIST_DIR}/FfiTasksCrateHeader.cmake"
    CACHE INTERNAL "ffi_tasks' crate header generator (cmake -P script)")

function(ffi_tasks_target_warnings target)
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "ffi_tasks_target_warnings: `${target}` is not a target")
  endif()
  if(MSVC)
    set(flags /W4)
    if(FFI_TASKS_WERROR)
      list(APPEND flags /WX)
    endif()
  else()
    set(flags -Wall -Wextra -Wpedantic)
    if(FFI_TASKS_WERROR)
      list(APPEND flags -Werror)
    endif()
  endif()
  target_compile_options("${target}" PRIVATE "$<$<COMPILE_LANGUAGE:C,CXX>:${flags}>")
endfunction()

# Marks the imported staticlib of a Corrosion crate target as needing the C++
# runtime: the staticlib contains cxx's C++ code, so a program linked by the C
# linker (a pure C program) would otherwise miss __cxa_* and libstdc++ symbols.
function(_ffi_tasks_mark_cxx_runtime crate)
  if(TARGET "${crate}-static")
    set_property(TARGET "${crate}-static" PROPERTY IMPORTED_LINK_INTERFACE_LANGUAGES CXX)
  endif()
  if(TARGET "${crate}-shared")
    set_property(TARGET "${crate}-shared" PROPERTY IMPORTED_LINK_INTERFACE_LANGUAGES CXX)
  endif()
endfunction()

function(ffi_tasks_add_crate target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "CRATE;MANIFEST_PATH;PROFILE;BRIDGE_TARGET;HEADER"
                        "FEATURES;CORROSION_ARGS;BRIDGES")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ffi_tasks_add_crate: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT arg_CRATE)
    message(FATAL_ERROR "ffi_tasks_add_crate(${target}): CRATE <crate name> is required")
  endif()
  if(target STREQUAL arg_CRATE)
    message(FATAL_ERROR "ffi_tasks_add_crate(${target}): the target name must differ from the "
                        "crate name (Corrosion already names a target `${arg_CRATE}`)")
  endif()
  if(NOT TARGET ffi_tasks::bridge OR NOT TARGET ffi_tasks::headers)
    message(FATAL_ERROR "ffi_tasks_add_crate(${target}): ffi_tasks::bridge and ffi_tasks::headers "
                        "are missing: call find_package(ffi_tasks) or add_subdirectory(ffi_tasks) first")
  endif()

  if(arg_MANIFEST_PATH)
    if(NOT COMMAND corrosion_import_crate)
      message(FATAL_ERROR "ffi_tasks_add_crate(${target}): Corrosion is not loaded; "
                          "call find_package(Corrosion 0.5 REQUIRED) (or FetchContent it) first")
    endif()
    set(import_args MANIFEST_PATH "${arg_MANIFEST_PATH}" CRATES "${arg_CRATE}")
    if(arg_FEATURES)
      list(APPEND import_args FEATURES ${arg_FEATURES})
    endif()
    if(arg_PROFILE)
      list(APPEND import_args PROFILE "${arg_PROFILE}")
    endif()
    corrosion_import_crate(${import_args} ${arg_CORROSION_ARGS})
  elseif(arg_FEATURES OR arg_PROFILE OR arg_CORROSION_ARGS)
    message(FATAL_ERROR "ffi_tasks_add_crate(${target}): FEATURES, PROFILE and CORROSION_ARGS "
                        "need MANIFEST_PATH (the crate is imported here)")
  endif()
  # Corrosion names the target after the crate's library, whose name has
  # underscores for the package's dashes (package `my-tasks`: `my_tasks`).
  if(NOT TARGET "${arg_CRATE}" AND arg_CRATE MATCHES "-")
    string(REPLACE "-" "_" lib_name "${arg_CRATE}")
    if(TARGET "${lib_name}")
      set(arg_CRATE "${lib_name}")
      if(target STREQUAL arg_CRATE)
        message(FATAL_ERROR "ffi_tasks_add_crate(${target}): the target name must differ from the "
                            "crate's library name (Corrosion already names a target `${arg_CRATE}`)")
      endif()
    endif()
  endif()
  if(NOT TARGET "${arg_CRATE}")
    message(FATAL_ERROR "ffi_tasks_add_crate(${target}): no target `${arg_CRATE}`: is it the "
                        "crate's name, and does the crate have crate-type = [\"staticlib\"]? "
                        "(Corrosion names the target after the crate's library: its [lib] name, "
                        "if it has one, with `_` for `-`)")
  endif()
  _ffi_tasks_mark_cxx_runtime("${arg_CRATE}")
  # ffi_tasks' feature options reach the crate's ffi_tasks dependency (which
  # must be named `ffi_tasks` in its Cargo.toml).
  if(FFI_TASKS_HANDLE_REGISTRY)
    corrosion_set_features("${arg_CRATE}" FEATURES ffi_tasks/handle-registry)
  endif()

  set(extra_bridge "")
  if(arg_BRIDGES)
    if(NOT arg_BRIDGE_TARGET)
      set(arg_BRIDGE_TARGET "${arg_CRATE}_bridge")
    endif()
    corrosion_add_cxxbridge("${arg_BRIDGE_TARGET}" CRATE "${arg_CRATE}" FILES ${arg_BRIDGES})
    # Linked in the same group as the staticlib instead (see ffi_tasks_link_bridge).
    set_property(TARGET "${arg_BRIDGE_TARGET}" PROPERTY LINK_LIBRARIES "")
    set_property(TARGET "${arg_BRIDGE_TARGET}" PROPERTY INTERFACE_LINK_LIBRARIES "")
    target_link_libraries("${arg_BRIDGE_TARGET}" PUBLIC ffi_tasks::headers)
    set_target_properties("${arg_BRIDGE_TARGET}" PROPERTIES POSITION_INDEPENDENT_CODE ON)
    set(extra_bridge "${arg_BRIDGE_TARGET}")
  elseif(arg_BRIDGE_TARGET)
    message(FATAL_ERROR "ffi_tasks_add_crate(${target}): BRIDGE_TARGET needs BRIDGES")
  endif()

  add_library("${target}" INTERFACE)
  ffi_tasks_link_bridge("${target}" INTERFACE "${arg_CRATE}" ${extra_bridge})
  if(arg_HEADER)
    ffi_tasks_crate_header("${target}" CRATE "${arg_CRATE}" HEADER "${arg_HEADER}")
  endif()
endfunction()

function(ffi_tasks_crate_header target)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "CRATE;HEADER" "")
  if(arg_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "ffi_tasks_crate_header: unknown arguments: ${arg_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET "${target}")
    message(FATAL_ERROR "ffi_tasks_crate_header: `${target}` is not a target")
  endif()
  if(NOT arg_CRATE OR NOT TARGET "${arg_CRATE}" OR NOT TARGET "${arg_CRATE}-static")
    message(FATAL_ERROR "ffi_tasks_crate_header(${target}): CRATE must name a crate imported with "
                        "Corrosion that builds a staticlib (got `${arg_CRATE}`)")
  endif()
  if(NOT arg_HEADER MATCHES "^[A-Za-z0-9_][A-Za-z0-9_.-]*\\.(h|hpp)$")
    message(FATAL_ERROR "ffi_tasks_crate_header(${target}): HEADER must be a file name such as "
                        "my_tasks.h (got `${arg_HEADER}`)")
  endif()
  find_program(FFI_TASKS_CBINDGEN cbindgen
               HINTS "$ENV{CARGO_HOME}/bin" "$ENV{HOME}/.cargo/bin"
               DOC "cbindgen CLI, for the headers of ffi_tasks_crate_header")
  if(NOT FFI_TASKS_CBINDGEN)
    message(FATAL_ERROR "ffi_tasks_crate_header(${target}): the cbindgen CLI was not found: "
                        "`cargo install cbindgen --version 0.29.4 --locked`, or set FFI_TASKS_CBINDGEN")
  endif()
  get_target_property(manifest "${arg_CRATE}" INTERFACE_COR_PACKAGE_MANIFEST_PATH)
  if(NOT manifest)
    message(FATAL_ERROR "ffi_tasks_crate_header(${target}): cannot find the Cargo.toml of `${arg_CRATE}`")
  endif()
  get_filename_component(crate_dir "${manifest}" DIRECTORY)
  file(GLOB_RECURSE rust_sources CONFIGURE_DEPENDS "${crate_dir}/src/*.rs")

  set(include_dir "${CMAKE_CURRENT_BINARY_DIR}/ffi_tasks_headers/${target}")
  set(header "${include_dir}/${arg_HEADER}")
  set(stamp "${CMAKE_CURRENT_BINARY_DIR}/ffi_tasks_headers/${target}.stamp")
  file(MAKE_DIRECTORY "${include_dir}")
  # The stamp is the rule's output and the header a byproduct: Ninja then
  # knows the header, and recompiles its includers only when the text changed.
  add_custom_command(
    OUTPUT "${stamp}"
    BYPRODUCTS "${header}"
    COMMAND "${CMAKE_COMMAND}" "-DCBINDGEN=${FFI_TASKS_CBINDGEN}" "-DCRATE=${arg_CRATE}"
            "-DSOURCE_DIR=${crate_dir}" "-DSTATICLIB=$<TARGET_FILE:${arg_CRATE}-static>"
            "-DOUTPUT=${header}" "-DSTAMP=${stamp}"
            -P "${FFI_TASKS_CRATE_HEADER_SCRIPT}"
    DEPENDS "$<TARGET_FILE:${arg_CRATE}-static>" "cargo-build_${arg_CRATE}"
            "${FFI_TASKS_CRATE_HEADER_SCRIPT}" ${rust_sources}
    COMMENT "Generating ${arg_HEADER} (crate ${arg_CRATE})"
    VERBATIM)
  add_custom_target("${target}_header" DEPENDS "${stamp}")
  # Followed transitively: whatever links <target> is built after the header.
  add_dependencies("${target}" "${target}_header")
  target_include_directories("${target}" INTERFACE "${include_dir}")
  set_property(TARGET "${target}" PROPERTY FFI_TASKS_HEADER "${header}")
endfunction()

# ffi_tasks_link_bridge(<target> <INTERFACE|PUBLIC|PRIVATE> <crate> [<crate bridge>...])
#   Links ffi_tasks::headers, ffi_tasks::bridge and the staticlib of the
#   Corrosion crate target <crate> (or of an imported STATIC library target)
#   to <target>. The bridge and the staticlib call each other (C++ -> Rust for
#   extern "Rust" items, Rust -> C++ for extern "C++" items), so with CMake
#   >= 3.24 they are linked as one group the linker rescans
#   (--start-group/--end-group). Do not link ffi_tasks::bridge to the same
#   binary outside that group: CMake rejects a library that is both in and
#   out of a group.
function(ffi_tasks_link_bridge target scope crate)
  set(crate_bridges ${ARGN})
  if(TARGET "${crate}-static")
    set(archive "${crate}-static")
  else()
    set(archive "${crate}")
  endif()
  get_target_property(bridge ffi_tasks::bridge ALIASED_TARGET)
  if(NOT bridge)
    set(bridge ffi_tasks::bridge)
  endif()
  target_link_libraries("${target}" ${scope} ffi_tasks::headers)
  # One Rust staticlib with the ffi_tasks crate per binary: two bring two
  # copies of the core (two global pools, two handle registries) and of Rust's
  # std. CMake stops at generate time when a binary links two (the value of
  # FFI_TASKS_ONE_RUST_STATICLIB, the crate, then disagrees).
  if(scope STREQUAL "INTERFACE" OR scope STREQUAL "PUBLIC")
    set_property(TARGET "${target}" PROPERTY INTERFACE_FFI_TASKS_ONE_RUST_STATICLIB "${crate}")
    set_property(TARGET "${target}" APPEND PROPERTY COMPATIBLE_INTERFACE_STRING
                 FFI_TASKS_ONE_RUST_STATICLIB)
  endif()
  if(NOT scope STREQUAL "INTERFACE")
    set_property(TARGET "${target}" PROPERTY FFI_TASKS_ONE_RUST_STATICLIB "${crate}")
  endif()
  if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.24)
    string(JOIN "," group ${bridge} ${crate_bridges} ${archive})
    target_link_libraries("${target}" ${scope} "$<LINK_GROUP:RESCAN,${group}>")
  else()
    # Without link groups: bridges first (C++ -> Rust). Rust -> C++ calls then
    # resolve only if the program itself uses the bridge.
    target_link_libraries("${target}" ${scope} "${bridge}" ${crate_bridges} "${archive}")
  endif()
endfunction()
