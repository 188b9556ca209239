# crate_header_cases.cmake — the header generator (cmake/FfiTasksCrateHeader.cmake)
# on the crate sources users write, without building a crate: each case is a
# small src/ tree and the task records its staticlib would hold, in a scratch
# folder whose path has spaces. A case either gives a header that compiles as
# C11 and C++17 and declares what it must, or stops with a message that says
# what to write (never a wrong or uncompilable header).
#
#   cmake -DCBINDGEN=<cbindgen> -DSCRIPT=<FfiTasksCrateHeader.cmake>
#         -DINCLUDE_DIR=<ffi_tasks' cpp/include> -DWORK_DIR=<scratch folder>
#         -DC_COMPILER=<cc> -DCXX_COMPILER=<c++> -P crate_header_cases.cmake
cmake_minimum_required(VERSION 3.22)

foreach(var CBINDGEN SCRIPT INCLUDE_DIR WORK_DIR C_COMPILER CXX_COMPILER)
  if(NOT DEFINED ${var} OR "${${var}}" STREQUAL "")
    message(FATAL_ERROR "crate_header_cases.cmake: -D${var}=... is required (cbindgen not found?)")
  endif()
endforeach()

set(root "${WORK_DIR}/crate header cases")
file(REMOVE_RECURSE "${root}")
set(failures "")

# A task body shared by the cases (`run` returns the output given).
function(task_impl out task output)
  set(${out} "#[repr(C)]
pub struct ${task} {
    pub n: u64,
}

impl Task for ${task} {
    type Output = ${output};

    fn run(&self, _token: &CancellationToken) -> Result<${output}> {
        todo!()
    }
}
" PARENT_SCOPE)
endfunction()

# case(<name> RECORDS <record>... FILES <path> <variable holding its text> ...
#      [CRATE <name>] EXPECT <substring>... | ERROR <regex>)
# (The texts are passed by variable name: a list would split them at `;`.)
function(case name)
  cmake_parse_arguments(PARSE_ARGV 1 arg "" "ERROR;CRATE" "RECORDS;FILES;EXPECT")
  set(dir "${root}/${name}")
  set(files ${arg_FILES})
  while(files)
    list(POP_FRONT files path text_var)
    file(WRITE "${dir}/${path}" "${${text_var}}")
  endwhile()
  list(JOIN arg_RECORDS "\n" records)
  file(WRITE "${dir}/libdemo.a" "junk\n${records}\njunk\n")
  if(NOT arg_CRATE)
    set(arg_CRATE demo)
  endif()
  execute_process(
    COMMAND "${CMAKE_COMMAND}" "-DCBINDGEN=${CBINDGEN}" "-DCRATE=${arg_CRATE}" "-DSOURCE_DIR=${dir}"
            "-DSTATICLIB=${dir}/libdemo.a" "-DOUTPUT=${dir}/out/demo.h" "-DSTAMP=${dir}/out/stamp"
            -P "${SCRIPT}"
    RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
  string(REGEX REPLACE "[ \t\r\n]+" " " flat "${out}")
  if(arg_ERROR)
    if(rc EQUAL 0)
      set(failures "${failures}\n${name}: the generator succeeded; expected an error matching `${arg_ERROR}`" PARENT_SCOPE)
    elseif(NOT flat MATCHES "${arg_ERROR}")
      set(failures "${failures}\n${name}: expected an error matching `${arg_ERROR}`, got:\n${out}" PARENT_SCOPE)
    else()
      message(STATUS "${name}: stops with a clear message")
    endif()
    return()
  endif()
  if(NOT rc EQUAL 0)
    set(failures "${failures}\n${name}: the generator failed:\n${out}" PARENT_SCOPE)
    return()
  endif()
  file(READ "${dir}/out/demo.h" header)
  foreach(expected IN LISTS arg_EXPECT)
    string(FIND "${header}" "${expected}" at)
    if(at EQUAL -1)
      set(failures "${failures}\n${name}: the header lacks `${expected}`:\n${header}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  foreach(lang c c++)
    if(lang STREQUAL "c")
      set(compile "${C_COMPILER}" -std=c11)
    else()
      set(compile "${CXX_COMPILER}" -std=c++17)
    endif()
    execute_process(
      COMMAND ${compile} -fsyntax-only -Wall -Wextra -Werror "-I${INCLUDE_DIR}" -x ${lang}
              "${dir}/out/demo.h"
      RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT rc EQUAL 0)
      set(failures "${failures}\n${name}: the header does not compile as ${lang}:\n${out}" PARENT_SCOPE)
      return()
    endif()
  endforeach()
  message(STATUS "${name}: header compiles and declares what it must")
endfunction()

set(prelude "use ffi_tasks::task::{CancellationToken, Task};\nuse anyhow::Result;\n")
set(job8 "ffi_tasks-task-record|1|demo|job|Job|8|8|8|8;")
task_impl(job_u64 Job u64)

# The plain shape, in a folder whose path has spaces.
set(plain_src "${prelude}${job_u64}")
case(plain RECORDS "${job8}" FILES src/lib.rs plain_src
     EXPECT "FFI_TASKS_DECLARE_TASK(job, Job, uint64_t);")

# The trait by its full path; `type Output` on several lines.
set(full_path_src "#[repr(C)]\npub struct Job { pub n: u64 }
impl ffi_tasks::task::Task for Job {
    type Output =
        u64;
    fn run(&self, _t: &ffi_tasks::task::CancellationToken) -> anyhow::Result<u64> { todo!() }
}\n")
case(full_path RECORDS "${job8}"
     FILES src/lib.rs full_path_src
     EXPECT "FFI_TASKS_DECLARE_TASK(job, Job, uint64_t);")

# `type Output` after the methods.
set(output_last_src "${prelude}#[repr(C)]\npub struct Job { pub n: u64 }
impl Task for Job {
    fn run(&self, _t: &CancellationToken) -> Result<u64> {
        if self.n == 0 { return Ok(0); }
        Ok(self.n)
    }
    type Output = u64;
}\n")
case(output_last RECORDS "${job8}"
     FILES src/lib.rs output_last_src
     EXPECT "FFI_TASKS_DECLARE_TASK(job, Job, uint64_t);")

# An impl right after a `;` on the same line.
set(after_semicolon_src "${prelude}#[repr(C)]\npub struct Job { pub n: u64 } pub const N: u8 = 1;impl Task for Job {
    type Output = u64;
    fn run(&self, _t: &CancellationToken) -> Result<u64> { todo!() }
}\n")
case(after_semicolon RECORDS "${job8}" FILES src/lib.rs after_semicolon_src
     EXPECT "FFI_TASKS_DECLARE_TASK(job, Job, uint64_t);")

# A where-clause.
set(where_clause_src "${prelude}#[repr(C)]\npub struct Job { pub n: u64 }
impl Task for Job
where
    Job: Send + Sync,
{
    type Output = u64;
    fn run(&self, _t: &CancellationToken) -> Result<u64> { todo!() }
}\n")
case(where_clause RECORDS "${job8}"
     FILES src/lib.rs where_clause_src
     EXPECT "FFI_TASKS_DECLARE_TASK(job, Job, uint64_t);")

# Comments and strings that read like an impl (before the real one).
set(comment_and_string_src "${prelude}/// Not this one: `impl Task for Job { type Output = u32; }`.
/* nor impl Task for Job { type Output = u16; } */
// impl Task for Job { type Output = i8; }
pub const DOC: &str = \"impl Task for Job { type Output = u8; }\";
pub const BRACE: char = '{';
${job_u64}")
case(comment_and_string RECORDS "${job8}"
     FILES src/lib.rs comment_and_string_src
     EXPECT "FFI_TASKS_DECLARE_TASK(job, Job, uint64_t);")

# The impl in module files (src/tasks/mod.rs, src/more.rs).
task_impl(other_u32 Other u32)
set(module_files_lib "pub mod more;\npub mod tasks;\n")
set(module_files_tasks_mod "${prelude}${job_u64}")
set(module_files_more "${prelude}${other_u32}")
case(module_files
     RECORDS "ffi_tasks-task-record|1|demo::tasks|job|Job|8|8|8|8;"
             "ffi_tasks-task-record|1|demo::more|other|Other|8|8|4|4;"
     FILES src/lib.rs module_files_lib src/tasks/mod.rs module_files_tasks_mod src/more.rs module_files_more
     EXPECT "FFI_TASKS_DECLARE_TASK(job, Job, uint64_t);" "FFI_TASKS_DECLARE_TASK(other, Other, uint32_t);")

# Outputs that are paths to the crate's own types, and primitives.
set(output_path_src "${prelude}pub mod types {
    #[repr(C)]
    pub struct Out { pub a: u64, pub b: u64 }
}
#[repr(C)]\npub struct Job { pub n: u64 }
impl Task for Job {
    type Output = crate::types::Out;
    fn run(&self, _t: &CancellationToken) -> Result<crate::types::Out> { todo!() }
}\n")
case(output_path
     RECORDS "ffi_tasks-task-record|1|demo|job|Job|8|8|16|8;"
     FILES src/lib.rs output_path_src
     EXPECT "} Out;" "FFI_TASKS_CHECK_LAYOUT(Out, 16, 8);" "FFI_TASKS_DECLARE_TASK(job, Job, Out);")
task_impl(b_bool B bool)
task_impl(u_unit U "()")
task_impl(i_int I "std::os::raw::c_int")
set(primitives_src "${prelude}${b_bool}${u_unit}${i_int}")
case(primitives
     RECORDS "ffi_tasks-task-record|1|demo|b|B|8|8|1|1;" "ffi_tasks-task-record|1|demo|u|U|8|8|0|1;"
             "ffi_tasks-task-record|1|demo|i|I|8|8|4|4;"
     FILES src/lib.rs primitives_src
     EXPECT "FFI_TASKS_DECLARE_TASK(b, B, bool);" "FFI_TASKS_DECLARE_TASK(u, U, void);"
            "FFI_TASKS_DECLARE_TASK(i, I, int);")

# `type Output = Self;`: the task type itself.
set(self_output "${prelude}#[repr(C)]\n#[derive(Clone)]\npub struct Job { pub n: u64 }
impl Task for Job {
    type Output = Self;
    fn run(&self, _t: &CancellationToken) -> Result<Self> { Ok(self.clone()) }
}\n")
case(self_output RECORDS "${job8}" FILES src/lib.rs self_output
     EXPECT "FFI_TASKS_DECLARE_TASK(job, Job, Job);")

# A crate name with dashes (its module path has underscores).
set(dashed_crate_src "${prelude}${job_u64}")
case(dashed_crate CRATE my-demo
     RECORDS "ffi_tasks-task-record|1|my_demo|job|Job|8|8|8|8;"
     FILES src/lib.rs dashed_crate_src
     EXPECT "FFI_TASKS_DECLARE_TASK(job, Job, uint64_t);")

# Two task types with one name in two modules: C has one namespace.
task_impl(job_u32 Job u32)
set(same_name_two_modules_lib "pub mod a;\npub mod b;\n")
set(same_name_two_modules_a "${prelude}${job_u64}")
set(same_name_two_modules_b "${prelude}${job_u32}")
case(same_name_two_modules
     RECORDS "ffi_tasks-task-record|1|demo::a|ja|a::Job|8|8|8|8;"
             "ffi_tasks-task-record|1|demo::b|jb|b::Job|8|8|4|4;"
     FILES src/lib.rs same_name_two_modules_lib src/a.rs same_name_two_modules_a src/b.rs same_name_two_modules_b
     ERROR "more than one `impl Task for Job`.*own name")

# A task type made by a macro: nothing to read.
set(macro_made_src "${prelude}macro_rules! make_task {
    (\$name:ident) => {
        #[repr(C)]
        pub struct \$name { pub n: u64 }
        impl Task for \$name {
            type Output = u64;
            fn run(&self, _t: &CancellationToken) -> Result<u64> { todo!() }
        }
    };
}
make_task!(Job);\n")
case(macro_made RECORDS "${job8}"
     FILES src/lib.rs macro_made_src
     ERROR "no `impl Task for Job`.*made by a macro")

# A task type that is not #[repr(C)]: C cannot see its fields.
set(not_repr_c_src "${prelude}pub struct Job { pub n: u64 }
impl Task for Job {
    type Output = u64;
    fn run(&self, _t: &CancellationToken) -> Result<u64> { todo!() }
}\n")
case(not_repr_c RECORDS "${job8}"
     FILES src/lib.rs not_repr_c_src
     ERROR "Job.*#\\[repr\\(C\\)\\]")

# cbindgen gone since configuring.
set(saved "${CBINDGEN}")
set(CBINDGEN "${root}/no such dir/cbindgen")
set(cbindgen_missing_src "${prelude}${job_u64}")
case(cbindgen_missing RECORDS "${job8}" FILES src/lib.rs cbindgen_missing_src
     ERROR "cbindgen.*not found.*cargo install cbindgen")
set(CBINDGEN "${saved}")

if(failures)
  message(FATAL_ERROR "crate header cases failed:${failures}")
endif()
