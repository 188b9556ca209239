#!/usr/bin/env python3
"""check_adapters.py adapters.o: each entry of the function table of the
`add` task (detail::backend<task_traits<Add>>::poll, wait, ...), built at
-O2, is a single jump to the exported C function add_<entry>: TaskHandle<T>
adds one indirect call to a C call, nothing more (docs/benchmarks.md).
An entry that keeps a frame of its own (a `noexcept` around a call the
compiler must assume may throw) fails."""
import os
import re
import shutil
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from disassembly import functions  # noqa: E402  (tests/cpp/disassembly.py)

ENTRIES = ["poll", "wait", "wait_timeout", "cancel", "cancelled", "status", "progress",
           "on_complete", "handle_destroy"]
JUMPS = ("jmp", "b")  # x86-64, AArch64


def main():
    if len(sys.argv) != 2:
        print("usage: check_adapters.py adapters.o")
        return 2
    if shutil.which("objdump") is None:
        print("objdump not found")
        return 1 if os.environ.get("CI") else 77
    funcs = functions(sys.argv[1])
    problems = 0
    for entry in ENTRIES:
        pattern = re.compile(r"ffi_tasks::.*detail::backend<ffi_tasks::.*task_traits<Add> >::"
                             + re.escape(entry) + r"\(")
        names = [name for name in funcs if pattern.match(name)]
        if len(names) != 1:
            print(f"{entry}: expected one backend<task_traits<Add>>::{entry}, found {names}")
            problems += 1
            continue
        body = [line for line in funcs[names[0]] if not re.match(r"^(nop|xchg %ax,%ax|cs nop|data16)", line)]
        instructions = [line for line in body if not line.startswith("R_")]
        relocations = [line for line in body if line.startswith("R_")]
        first = instructions[0].split(" ", 1)[0] if instructions else ""
        target = f"add_{entry}"
        if len(instructions) != 1 or first not in JUMPS or not any(
                re.search(r"\b" + re.escape(target) + r"\b", r) for r in relocations):
            print(f"{names[0]} is not one jump to {target}:")
            for line in body:
                print("   ", line)
            problems += 1
        else:
            print(f"{entry}: one jump to {target}")
    print(f"{len(ENTRIES)} entries, {problems} with more than a jump")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
