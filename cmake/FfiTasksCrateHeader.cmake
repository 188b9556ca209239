# FfiTasksCrateHeader.cmake — writes the C/C++ header of a Rust crate that
# exports tasks with `export_task!` (prefix form). Run at build time by the
# rule that ffi_tasks_add_crate(... HEADER <name>.h) adds (see
# FfiTasksHelpers.cmake and docs/cmake.md), after the crate's staticlib is
# built:
#
#   cmake -DCBINDGEN=<cbindgen> -DCRATE=<crate name> -DSOURCE_DIR=<crate dir>
#         -DSTATICLIB=<lib<crate>.a> -DOUTPUT=<header> -DSTAMP=<stamp file>
#         -P FfiTasksCrateHeader.cmake
#
# What goes into the header, and where it comes from:
#   1. the tasks: every `export_task! { Task: T; prefix: p; }` of the crate
#      leaves a record in the staticlib's data ("ffi_tasks-task-record|1|...",
#      src/ffi/export_task.rs) with the module, the prefix, the task type and
#      the size and alignment rustc gave the task and its output; read here
#      as text (file(STRINGS)), so nothing built for the target is run;
#   2. each task's Output type, from its one `impl Task for T { ... type
#      Output = O; ... }` (or `impl AsyncTask for T`) in the crate's sources,
#      read without comments and literals (docs/cmake.md lists the shapes);
#   3. the C definitions of the task and output types and of the crate's own
#      `#[no_mangle] extern "C"` functions: cbindgen, run on src/lib.rs;
#   4. per type, a static assert that the C compiler's size and alignment are
#      the ones rustc used, so that a different packing or alignment, or a
#      stale header, fails to compile;
#   5. per task whose output C can name, FFI_TASKS_DECLARE_TASK(p, T, O);
#      define FFI_TASKS_UNDECLARED_<p> before including the header to bind
#      task p yourself (to a layout-compatible C++ output type, say).
#
# The header is rewritten only when its text changes (the rule's output is
# STAMP, the header a byproduct), so an unrelated change to the crate does not
# recompile its C and C++ users.
cmake_minimum_required(VERSION 3.22)

foreach(var CBINDGEN CRATE SOURCE_DIR STATICLIB OUTPUT STAMP)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "FfiTasksCrateHeader.cmake: -D${var}=... is required")
  endif()
endforeach()
if(NOT EXISTS "${CBINDGEN}")
  message(FATAL_ERROR "cbindgen not found at ${CBINDGEN} (gone since configuring?): "
                      "`cargo install cbindgen --version 0.29.4 --locked`, then configure again "
                      "(or set FFI_TASKS_CBINDGEN to its path)")
endif()
string(REPLACE "-" "_" crate_ident "${CRATE}")
get_filename_component(header_name "${OUTPUT}" NAME)

# ---- 1. the task records (and stream task records) ------------------------------------------------------
# A stream task (`StreamTask: T; prefix: p;`) leaves the same record tagged
# "ffi_tasks-stream-record", with its Item in place of the Output.
file(STRINGS "${STATICLIB}" records REGEX "ffi_tasks-(task|stream)-record\\|1\\|[^;]*;")
set(prefixes "")
foreach(record IN LISTS records)
  if(NOT record MATCHES
     "ffi_tasks-(task|stream)-record\\|1\\|([A-Za-z0-9_:]+)\\|([A-Za-z0-9_]+)\\|([^|]+)\\|([0-9]+)\\|([0-9]+)\\|([0-9]+)\\|([0-9]+);")
    message(FATAL_ERROR "${header_name}: unreadable task record in ${STATICLIB}: ${record}")
  endif()
  set(record_kind "${CMAKE_MATCH_1}")
  set(module "${CMAKE_MATCH_2}")
  set(prefix "${CMAKE_MATCH_3}")
  set(task "${CMAKE_MATCH_4}")
  set(sizes "${CMAKE_MATCH_5};${CMAKE_MATCH_6};${CMAKE_MATCH_7};${CMAKE_MATCH_8}")
  string(REGEX REPLACE "::.*" "" record_crate "${module}")
  if(NOT record_crate STREQUAL crate_ident)
    continue() # a task of a dependency: its types are not in this crate
  endif()
  if(prefix IN_LIST prefixes)
    continue() # one record per codegen unit that instantiated it
  endif()
  set(raw_task "${task}")
  string(REPLACE " " "" task "${task}")
  string(REGEX REPLACE ".*::" "" task "${task}")
  if(NOT task MATCHES "^[A-Za-z_][A-Za-z0-9_]*$")
    message(FATAL_ERROR "${header_name}: task `${prefix}` has the type `${raw_task}`; only a "
                        "plain (non-generic) #[repr(C)] struct can be described to C")
  endif()
  list(APPEND prefixes "${prefix}")
  set(record_kind_of_${prefix} "${record_kind}")
  set(task_of_${prefix} "${task}")
  set(sizes_of_${prefix} "${sizes}")
endforeach()
if(NOT prefixes)
  message(FATAL_ERROR "${header_name}: no task of crate `${CRATE}` in ${STATICLIB}: export "
                      "them with `export_task! { Task: T; prefix: p; }` (the prefix form)")
endif()
list(SORT prefixes)

# ---- 2. the output types ------------------------------------------------------
file(GLOB_RECURSE rust_sources "${SOURCE_DIR}/src/*.rs")
list(SORT rust_sources)
set(sources_text "")
foreach(source IN LISTS rust_sources)
  file(READ "${source}" text)
  string(APPEND sources_text "${text}\n")
endforeach()
# The code without its comments, string and char literals (one blank each), so
# that a comment or a string that reads like an impl is not taken for one and
# braces count right. The leftmost match wins, so `"//"` is a string and
# `// "` a comment.
string(REGEX REPLACE
  "\"([^\"\\\\]|\\\\.)*\"|//[^\n]*|/\\*([^*]|\\*+[^*/])*\\*+/|'([^'\\\\\n]|\\\\[^'\n]*)'"
  " " code "${sources_text}")
# Rust primitive -> C type (cbindgen's names, with usize_is_size_t).
set(c_u8 uint8_t)
set(c_u16 uint16_t)
set(c_u32 uint32_t)
set(c_u64 uint64_t)
set(c_i8 int8_t)
set(c_i16 int16_t)
set(c_i32 int32_t)
set(c_i64 int64_t)
set(c_usize size_t)
set(c_isize ptrdiff_t)
set(c_f32 float)
set(c_f64 double)
set(c_bool bool)
set(c_c_char char)
set(c_c_int int)
set(c_c_uint "unsigned int")
set(c_c_long long)
set(c_c_ulong "unsigned long")
set(c_c_longlong "long long")
set(c_c_ulonglong "unsigned long long")
set(c_c_double double)
set(c_c_float float)

set(ws "[ \t\r\n]")
set(path "([A-Za-z0-9_]+::)*")
# _ffi_tasks_associated_type(<out var> <Task|StreamTask> <Output|Item> <task type>)
#   The type of `type <Output|Item> = ...;` in the crate's one
#   `impl [path::](Async)<trait> for [path::]<task> [where ...] { ... }`,
#   wherever it stands in the block; stops with what to write when there is
#   no such impl, or more than one.
function(_ffi_tasks_associated_type out trait assoc task)
  set(head "(^|[^A-Za-z0-9_])impl(<[^{>]*>)?${ws}+${path}(Async)?${trait}${ws}+for${ws}+${path}${task}(${ws}+where[^{]*)?${ws}*{")
  # Counted through a marker: a match may hold a `;`, which would split a list.
  string(REGEX REPLACE "${head}" "\\1\n@ffi_tasks_impl@\n" marked "${code}")
  string(REGEX MATCHALL "@ffi_tasks_impl@" impls "${marked}")
  list(LENGTH impls count)
  if(count EQUAL 0)
    message(FATAL_ERROR "${header_name}: found no `impl ${trait} for ${task}` (or `impl Async${trait}`) "
                        "under ${SOURCE_DIR}/src. The generator reads the crate's .rs files as written: "
                        "a task type or impl made by a macro (or generated into OUT_DIR) cannot be read. "
                        "Write `impl ${trait} for ${task} { type ${assoc} = ...; ... }` by hand, or export "
                        "the task with the named form of export_task! (no header) and declare it yourself.")
  elseif(count GREATER 1)
    message(FATAL_ERROR "${header_name}: more than one `impl ${trait} for ${task}` under ${SOURCE_DIR}/src: "
                        "C has one namespace for types, so every task type of the crate needs its own "
                        "name (rename one, e.g. `pub struct ${task}2`).")
  endif()
  string(REGEX MATCH "${head}" impl_head "${code}")
  string(FIND "${code}" "${impl_head}" at)
  string(LENGTH "${impl_head}" length)
  math(EXPR at "${at} + ${length}")
  string(SUBSTRING "${code}" ${at} -1 body)
  # Drop the nested blocks (method bodies), innermost first; what is left of
  # the impl block runs up to its closing brace.
  set(previous "")
  while(NOT body STREQUAL previous)
    set(previous "${body}")
    string(REGEX REPLACE "{[^{}]*}" " " body "${body}")
  endwhile()
  string(REGEX MATCH "^[^}]*" body "${body}")
  if(NOT body MATCHES "(^|[^A-Za-z0-9_])type${ws}+${assoc}${ws}*=${ws}*([^;]+);")
    message(FATAL_ERROR "${header_name}: `impl ${trait} for ${task}` under ${SOURCE_DIR}/src has no "
                        "`type ${assoc} = ...;` the generator can read: write it in the impl block itself.")
  endif()
  set(type "${CMAKE_MATCH_2}")
  string(REGEX REPLACE "${ws}+" "" type "${type}")
  string(REGEX REPLACE "^(std|core)::(os::raw|ffi|primitive)::" "" type "${type}")
  if(type STREQUAL "Self")
    set(type "${task}")
  endif()
  # A path to a type of the crate (`crate::types::Out`, `self::Out`,
  # `types::Out` for a module of the crate): C knows it by its last name.
  if(type MATCHES "^(crate|self|super)::([A-Za-z0-9_]+::)*([A-Za-z_][A-Za-z0-9_]*)$")
    set(type "${CMAKE_MATCH_3}")
  elseif(type MATCHES "^([A-Za-z_][A-Za-z0-9_]*)::([A-Za-z0-9_]+::)*([A-Za-z_][A-Za-z0-9_]*)$")
    set(last "${CMAKE_MATCH_3}")
    if(code MATCHES "(^|[^A-Za-z0-9_])mod${ws}+${CMAKE_MATCH_1}${ws}*[;{]")
      set(type "${last}")
    endif()
  endif()
  set(${out} "${type}" PARENT_SCOPE)
endfunction()

# kind_of_<prefix> and output_of_<prefix> for rust_type: <c_kind> when C can
# name it (a primitive, or a plain name that is none of Rust's own types: a
# #[repr(C)] type of the crate, then exported too), else <rust_kind>.
macro(classify_type c_kind rust_kind)
  if(DEFINED c_${rust_type})
    set(kind_of_${prefix} ${c_kind})
    set(output_of_${prefix} "${c_${rust_type}}")
  elseif(rust_type MATCHES "^[A-Za-z_][A-Za-z0-9_]*$"
         AND NOT rust_type MATCHES "^(String|Vec|Box|Option|Result|Arc|Rc|CString|PathBuf)$")
    set(kind_of_${prefix} ${c_kind})
    set(output_of_${prefix} "${rust_type}")
    list(APPEND exported_types "${rust_type}")
  else()
    set(kind_of_${prefix} ${rust_kind})
    set(output_of_${prefix} "${rust_type}")
  endif()
endmacro()

set(exported_types "")
foreach(prefix IN LISTS prefixes)
  set(task "${task_of_${prefix}}")
  list(APPEND exported_types "${task}")
  if(record_kind_of_${prefix} STREQUAL "stream")
    # 2b. a stream task's Item, from its `impl (Async)StreamTask for T {
    # type Item = I; ... }`.
    _ffi_tasks_associated_type(rust_type StreamTask Item "${task}")
    classify_type(stream rust_stream)
  else()
    _ffi_tasks_associated_type(rust_type Task Output "${task}")
    if(rust_type STREQUAL "()")
      set(kind_of_${prefix} unit)
      set(output_of_${prefix} void)
    else()
      classify_type(c rust)
    endif()
  endif()
endforeach()
list(REMOVE_DUPLICATES exported_types)

# ---- 3. the C definitions (cbindgen) ----------------------------------------------
get_filename_component(work_dir "${STAMP}" DIRECTORY)
set(config "${work_dir}/${header_name}.cbindgen.toml")
set(body "${work_dir}/${header_name}.cbindgen.h")
list(TRANSFORM exported_types REPLACE "(.+)" "\"\\1\"" OUTPUT_VARIABLE quoted)
list(JOIN quoted ", " include_list)
file(WRITE "${config}" "# Written by FfiTasksCrateHeader.cmake for ${header_name}.
language = \"C\"
cpp_compat = true
no_includes = true
style = \"both\"
documentation_style = \"doxy\"
usize_is_size_t = true

[export]
include = [${include_list}]
# No constants: a `pub const` of the crate would become a bare #define.
item_types = [\"enums\", \"structs\", \"unions\", \"typedefs\", \"opaque\", \"functions\"]

[fn]
args = \"horizontal\"
")
execute_process(
  COMMAND "${CBINDGEN}" --quiet --config "${config}" --output "${body}" "${SOURCE_DIR}/src/lib.rs"
  RESULT_VARIABLE rc
  ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "${header_name}: cbindgen failed (${rc}) on ${SOURCE_DIR}/src/lib.rs:\n${err}")
endif()
file(READ "${body}" definitions)
# Every task and output type must be defined there, or the layout checks below
# would fail deep inside a macro on an unknown or incomplete type.
foreach(type IN LISTS exported_types)
  if(definitions MATCHES "typedef${ws}+struct${ws}+${type}${ws}+${type}${ws}*;")
    message(FATAL_ERROR "${header_name}: `${type}` is not #[repr(C)], so C cannot see its fields: "
                        "add #[repr(C)] to its definition (tasks and outputs cross the C ABI by value)")
  endif()
  if(NOT definitions MATCHES "[}A-Za-z0-9_*]${ws}+${type}${ws}*;")
    message(FATAL_ERROR "${header_name}: cbindgen wrote no definition of `${type}`: it must be a pub "
                        "#[repr(C)] type of the crate, in src/lib.rs or a module it declares with `mod` "
                        "(not made by a macro, not under #[path], not behind a #[cfg] cbindgen cannot see)")
  endif()
endforeach()

# ---- 4 and 5. layout checks and task declarations ------------------------------
string(TOUPPER "${header_name}" guard)
string(REGEX REPLACE "[^A-Z0-9]" "_" guard "FFI_TASKS_GENERATED_${guard}")

set(checks "")
set(declarations "")
foreach(prefix IN LISTS prefixes)
  set(task "${task_of_${prefix}}")
  set(output "${output_of_${prefix}}")
  list(GET sizes_of_${prefix} 0 task_size)
  list(GET sizes_of_${prefix} 1 task_align)
  list(GET sizes_of_${prefix} 2 output_size)
  list(GET sizes_of_${prefix} 3 output_align)
  list(APPEND checks "FFI_TASKS_CHECK_LAYOUT(${task}, ${task_size}, ${task_align})")
  if(kind_of_${prefix} STREQUAL "stream")
    list(APPEND checks "FFI_TASKS_CHECK_LAYOUT(${output}, ${output_size}, ${output_align})")
    string(APPEND declarations "
/* ${prefix}_*: stream task ${task}, items ${output}.
 * C++: FFI_TASKS_CPP_STREAM(${prefix}, ${task}, ${output}); */
#ifndef FFI_TASKS_UNDECLARED_${prefix}
FFI_TASKS_DECLARE_STREAM(${prefix}, ${task}, ${output});
#endif
")
  elseif(kind_of_${prefix} STREQUAL "rust_stream")
    string(APPEND declarations "
/* ${prefix}_*: stream task ${task}, items ${output}: a Rust type C cannot name. */
")
  elseif(kind_of_${prefix} STREQUAL "c")
    list(APPEND checks "FFI_TASKS_CHECK_LAYOUT(${output}, ${output_size}, ${output_align})")
    string(APPEND declarations "
/* ${prefix}_*: task ${task}, output ${output}.
 * C++: FFI_TASKS_CPP_TASK(${prefix}, ${task}, ${output}); */
#ifndef FFI_TASKS_UNDECLARED_${prefix}
FFI_TASKS_DECLARE_TASK(${prefix}, ${task}, ${output});
#endif
")
  elseif(kind_of_${prefix} STREQUAL "unit")
    string(APPEND declarations "
/* ${prefix}_*: task ${task}, output () (none).
 * C++: FFI_TASKS_CPP_TASK(${prefix}, ${task}, ffi_tasks::Unit); */
#if !defined(__cplusplus) && !defined(FFI_TASKS_UNDECLARED_${prefix})
FFI_TASKS_DECLARE_TASK(${prefix}, ${task}, void);
#endif
")
  else()
    string(APPEND declarations "
/* ${prefix}_*: task ${task}, output ${output}: a Rust type C cannot name.
 * C++: FFI_TASKS_CPP_TASK(${prefix}, ${task}, <the cxx type of ${output}>),
 * e.g. rust::String for String, rust::Vec<T> for Vec<T> (ffi_tasks/rich.hpp). */
")
  endif()
endforeach()

list(REMOVE_DUPLICATES checks)
list(JOIN checks ";\n" checks)
string(APPEND checks ";")

set(text "/* ${header_name} — the C ABI of the Rust crate `${CRATE}`.
 *
 * Generated by ffi_tasks (cmake/FfiTasksCrateHeader.cmake) from the crate's
 * sources and its built staticlib: do not edit; it is rewritten whenever the
 * crate is rebuilt. It defines the crate's #[repr(C)] task and output types
 * (cbindgen), checks at compile time that their size and alignment are the
 * ones rustc used, and declares the functions export_task! exported for each
 * task (FFI_TASKS_DECLARE_TASK, FFI_TASKS_DECLARE_STREAM for a stream task).
 * Tasks: ${prefixes}.
 */
#ifndef ${guard}
#define ${guard}

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <ffi_tasks/ffi_tasks.h>

/* Fails to compile when the C (or C++) compiler lays out `type` otherwise
 * than rustc did: a different packing (#pragma pack, -fpack-struct) or
 * alignment option, or a header older than the library. */
#ifndef FFI_TASKS_CHECK_LAYOUT
#ifdef __cplusplus
#define FFI_TASKS_CHECK_LAYOUT(type, size, align)                                     \\
  static_assert(sizeof(type) == (size) && alignof(type) == (align),                 \\
                \"the layout of \" #type \" differs from the one rustc chose (size \" #size \", align \" #align \")\")
#else
#define FFI_TASKS_CHECK_LAYOUT(type, size, align)                                     \\
  _Static_assert(sizeof(type) == (size) && _Alignof(type) == (align),               \\
                 \"the layout of \" #type \" differs from the one rustc chose (size \" #size \", align \" #align \")\")
#endif
#endif

/* ---- types and functions of the crate (cbindgen) ---- */

${definitions}
/* ---- layouts, as rustc chose them ---- */

${checks}

/* ---- the export_task! functions of each task ---- */
${declarations}
#endif /* ${guard} */
")

file(WRITE "${OUTPUT}.tmp" "${text}")
file(COPY_FILE "${OUTPUT}.tmp" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.tmp")
file(TOUCH "${STAMP}")
