#!/usr/bin/env python3
"""compare_objects.py [--ffi-tasks-only] A.o B.o: the functions both
objects define (inline functions and template instances of the headers,
built at -O0 so that they are emitted) must have the same code. Two
translation units whose settings (FFI_TASKS_HAS_BRIDGE,
FFI_TASKS_USE_EXCEPTIONS, the C++ standard, ...) give a header function two
bodies break the one-definition rule: the linker keeps one of them for both.

--ffi-tasks-only compares only the functions of namespace ffi_tasks (the
headers' own): the standard library's inline code itself differs between
-fno-exceptions and exceptions, or between two -std levels.
--none-in-common-ok passes when the objects define no function in common
(settings that are part of the ABI namespace, such as exceptions, give every
ffi_tasks function its own name); otherwise that fails as "nothing
compared".

Compares `objdump -dr` per function, ignoring what differs between any two
objects for the same code: offsets into .rodata (string literals) and the
name objdump prints for the target of a not yet relocated call. Only
functions with external or weak linkage are compared: a local function
(internal linkage, or a sanitizer's per-object constructor such as
`_sub_I_00099_1`) is each object's own and cannot break the rule."""
import os
import re
import shutil
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import disassembly  # noqa: E402  (tests/cpp/disassembly.py)


def same_for_any_object(text):
    """`text` without what differs between two objects for the same code."""
    text = re.sub(r"(\.rodata[.\w]*)[+-]0x[0-9a-f]+", r"\1", text)
    return re.sub(r"^call <.*>$", "call", text)


def functions(obj):
    return disassembly.functions(obj, same_for_any_object)


def linked_names(obj):
    """Names (demangled) of the functions `obj` defines with external or
    weak linkage: nm's upper-case types, plus `u` (unique global)."""
    out = subprocess.run(["nm", "-C", "--defined-only", obj],
                         check=True, capture_output=True, text=True).stdout
    names = set()
    for line in out.splitlines():
        m = re.match(r"^\S*\s+([A-Za-z])\s+(.*)$", line)
        if m and (m.group(1).isupper() or m.group(1) == "u"):
            names.add(m.group(2))
    return names


def without_template_arguments(name):
    """`name` with every <...> removed (nested ones too)."""
    out, depth = [], 0
    for ch in name:
        if ch == "<":
            depth += 1
        elif ch == ">" and depth > 0:
            depth -= 1
        elif depth == 0:
            out.append(ch)
    return "".join(out)


def is_ffi_tasks_function(name):
    """Whether the function itself is in namespace ffi_tasks (a member, a
    lambda inside one, ...), whatever its return type or template
    arguments name: `ffi_tasks::...` or `<return type> ffi_tasks::...`."""
    head = re.sub(r"decltype\([^()]*\)", "decltype", without_template_arguments(name))
    head = head.split("(", 1)[0]
    return re.match(r"^(?:\S+\s+)?ffi_tasks::", head) is not None


def main():
    args = sys.argv[1:]
    only_ffi_tasks = "--ffi-tasks-only" in args
    none_ok = "--none-in-common-ok" in args
    args = [a for a in args if a not in ("--ffi-tasks-only", "--none-in-common-ok")]
    if len(args) != 2:
        print("usage: compare_objects.py [--ffi-tasks-only] [--none-in-common-ok] A.o B.o")
        return 2
    if shutil.which("objdump") is None or shutil.which("nm") is None:
        print("objdump or nm not found")
        return 1 if os.environ.get("CI") else 77
    a, b = functions(args[0]), functions(args[1])
    linked = linked_names(args[0]) & linked_names(args[1])
    common = [name for name in a if name in b and name in linked
              and (not only_ffi_tasks or is_ffi_tasks_function(name))]
    differ = [name for name in common if a[name] != b[name]]
    for name in differ:
        print("defined differently in the two translation units:", name)
    print(f"{len(common)} functions defined in both, {len(differ)} differ")
    if not common:
        if none_ok:
            print("no common function: each has its own names")
            return 0
        print("no common function: nothing compared")
        return 1
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
