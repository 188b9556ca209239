#!/usr/bin/env python3
"""compare_objects.py A.o B.o: the functions both objects define (inline
functions and template instances of the headers, built at -O0 so that they
are emitted) must have the same code. Two translation units whose settings
(FFI_TASKS_HAS_BRIDGE) give a header function two bodies break the
one-definition rule: the linker keeps one of them for both.

Compares `objdump -dr` per function, ignoring what differs between any two
objects for the same code: offsets into .rodata (string literals) and the
name objdump prints for the target of a not yet relocated call."""
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


def main():
    if shutil.which("objdump") is None:
        print("objdump not found: skipped")
        return 77
    a, b = functions(sys.argv[1]), functions(sys.argv[2])
    common = [name for name in a if name in b]
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
