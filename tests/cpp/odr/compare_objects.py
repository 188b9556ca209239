#!/usr/bin/env python3
"""compare_objects.py A.o B.o: the functions both objects define (inline
functions and template instances of the headers, built at -O0 so that they
are emitted) must have the same code. Two translation units whose settings
(FFI_TASKS_HAS_BRIDGE) give a header function two bodies break the
one-definition rule: the linker keeps one of them for both.

Compares `objdump -dr` per function, ignoring what differs between any two
objects for the same code: offsets into .rodata (string literals) and the
name objdump prints for the target of a not yet relocated call. Only
functions with external or weak linkage are compared: a local function
(internal linkage, or a sanitizer's per-object constructor such as
`_sub_I_00099_1`) is each object's own and cannot break the rule."""
import re
import shutil
import subprocess
import sys


def functions(obj):
    out = subprocess.run(
        ["objdump", "-dr", "--no-show-raw-insn", "-C", "--no-addresses", obj],
        check=True, capture_output=True, text=True).stdout
    result, current = {}, None
    for line in out.splitlines():
        m = re.match(r"^<(.*)>:$", line)
        if m:
            current = m.group(1)
            result[current] = []
            continue
        if current is None or line.startswith("Disassembly of section"):
            continue
        text = re.sub(r"\s+", " ", line.strip())
        text = re.sub(r"(\.rodata[.\w]*)[+-]0x[0-9a-f]+", r"\1", text)
        text = re.sub(r"^call <.*>$", "call", text)
        result[current].append(text)
    return result


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


def main():
    if shutil.which("objdump") is None or shutil.which("nm") is None:
        print("objdump or nm not found: skipped")
        return 77
    a, b = functions(sys.argv[1]), functions(sys.argv[2])
    linked = linked_names(sys.argv[1]) & linked_names(sys.argv[2])
    common = [name for name in a if name in b and name in linked]
    differ = [name for name in common if a[name] != b[name]]
    for name in differ:
        print("defined differently in the two translation units:", name)
    print(f"{len(common)} functions defined in both, {len(differ)} differ")
    if not common:
        print("no common function: nothing compared")
        return 1
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
