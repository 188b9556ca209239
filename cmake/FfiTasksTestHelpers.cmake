# Helpers of the project's own test and demo CMakeLists (not installed).
include_guard(GLOBAL)

find_program(FFI_TASKS_SH NAMES sh REQUIRED)

# ffi_tasks_missing_test(<name> <what is missing>): a ctest standing for one
# that cannot be made here (a compiler, python3, a library not found): it
# says what is missing and skips (exit code 77) for a developer, and fails
# under CI (CI set). The caller sets SKIP_RETURN_CODE 77.
function(ffi_tasks_missing_test name message)
  add_test(NAME ${name}
    COMMAND "${FFI_TASKS_SH}" -c "echo '${message}'; [ -z \"$CI\" ] && exit 77; exit 1")
endfunction()

# ffi_tasks_qt_wanted(<out-var>): whether the Qt adapter's tests and demo are
# built here. Not under ThreadSanitizer (the tsan preset): the distribution's
# Qt is not instrumented and its event queue synchronises through futexes
# TSan cannot see, so every queued call would be reported as a race (ASan,
# UBSan and valgrind check them). Not in a cross build: the cross presets
# (docs/platforms.md) test the C and C++ core on each target, the Qt adapter
# and demo on the build machine only. Not with FFI_TASKS_QT off.
function(ffi_tasks_qt_wanted out)
  if(FFI_TASKS_SANITIZE MATCHES "thread" OR CMAKE_CROSSCOMPILING OR NOT FFI_TASKS_QT)
    set(${out} FALSE PARENT_SCOPE)
  else()
    set(${out} TRUE PARENT_SCOPE)
  endif()
endfunction()
