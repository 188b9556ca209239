"""disassembly.py: the functions an object file defines and their code, as
`objdump -dr` prints them (demangled); shared by odr/compare_objects.py and
codegen/check_adapters.py."""
import re
import subprocess


def functions(obj, normalise=lambda text: text):
    """{function name: [line, ...]}: its instructions and relocations, each
    stripped, with white space folded, then passed through `normalise`;
    blank lines left out."""
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
        if current is None or not line.strip() or line.startswith("Disassembly of section"):
            continue
        result[current].append(normalise(re.sub(r"\s+", " ", line.strip())))
    return result
