#!/usr/bin/env python3
"""check_config_conditionals.py <cpp/include>: no inline function (or class)
of the headers has a body that changes with a configuration macro.

A program may mix translation units built with different settings (the cxx
bridge or not, exceptions or -fno-exceptions, C++17 or C++20). An inline
function or class whose definition depends on such a setting then has two
definitions, and the linker keeps one of them for every translation unit
(the one-definition rule is broken, silently). The headers may only depend
on a setting in these ways:

  * the settings config.hpp folds into the ABI namespace (the macros its
    `#define FFI_TASKS_CONFIG_NAMESPACE_` lines are conditional on:
    FFI_TASKS_USE_EXCEPTIONS) may be tested anywhere between
    FFI_TASKS_BEGIN_NAMESPACE and FFI_TASKS_END_NAMESPACE: everything there
    has a different (mangled) name in each of their configurations;
  * a conditional whose branches hold only preprocessor lines (#include,
    #error, #define): a header included or refused, a macro chosen;
  * a conditional with one branch (no #else/#elif) at namespace scope, not
    inside a class or function: declarations that exist in some
    configurations only (their definitions are the same wherever they
    exist).

FFI_TASKS_HAS_BRIDGE may not be tested at all: what the bridge adds lives in
headers only bridge users include (ffi_tasks/bridge.hpp and friends).

Configuration macros: FFI_TASKS_USE_* and FFI_TASKS_HAS_* (not the private
ones ending in `_`, which detect the platform), the compiler's feature-test
macros (__cpp_*, __cplusplus, __EXCEPTIONS, _CPPUNWIND, __GXX_RTTI) and
NDEBUG. config.hpp, which derives the settings, is exempt.

tests/cpp/odr/compare_objects.py checks the same rule on machine code."""
import pathlib
import re
import sys

CONFIG_MACRO = re.compile(
    r"\b(FFI_TASKS_(?:USE|HAS)_[A-Z0-9_]*[A-Z0-9]|__cpp_\w+|__cplusplus|__EXCEPTIONS|"
    r"_CPPUNWIND|__GXX_RTTI|NDEBUG)\b")
DIRECTIVE = re.compile(r"^\s*#\s*(\w+)(.*)$")
BRIDGE = "FFI_TASKS_HAS_BRIDGE"


def logical_lines(text):
    """(line number, text) with backslash continuations joined."""
    out, buf, start = [], "", None
    for number, line in enumerate(text.splitlines(), 1):
        if start is None:
            start = number
        if line.endswith("\\"):
            buf += line[:-1] + " "
            continue
        out.append((start, buf + line))
        buf, start = "", None
    if start is not None:
        out.append((start, buf))
    return out


def strip_comments_and_literals(text):
    """The text with comments, string and character literals blanked
    (newlines kept, so line numbers stay)."""
    pattern = re.compile(r'//[^\n]*|/\*.*?\*/|"(?:\\.|[^"\\\n])*"|\'(?:\\.|[^\'\\\n])*\'',
                         re.S)

    def blank(m):
        s = m.group(0)
        if s.startswith('"'):
            return '""'
        return re.sub(r"[^\n]", " ", s)

    return pattern.sub(blank, text)


def namespaced_macros(config_header):
    """The macros the `#define FFI_TASKS_CONFIG_NAMESPACE_` lines of
    config.hpp are conditional on."""
    stack, found = [], set()
    text = strip_comments_and_literals(config_header.read_text())
    for _, line in logical_lines(text):
        m = DIRECTIVE.match(line)
        if not m:
            continue
        word, rest = m.group(1), m.group(2)
        if word in ("if", "ifdef", "ifndef"):
            stack.append(CONFIG_MACRO.findall(rest))
        elif word == "elif" and stack:
            stack[-1] = stack[-1] + CONFIG_MACRO.findall(rest)
        elif word == "endif" and stack:
            stack.pop()
        elif word == "define" and rest.split()[:1] == ["FFI_TASKS_CONFIG_NAMESPACE_"]:
            for names in stack:
                found.update(names)
    return found


class Block:
    def __init__(self, line, condition, macros, in_body, in_abi_namespace):
        self.line = line
        self.condition = condition.strip()
        self.macros = macros
        self.in_body = in_body
        self.in_abi_namespace = in_abi_namespace
        self.branches = 1
        self.only_preprocessor = True


def check_header(path, namespaced):
    """Problems of one header, as strings."""
    problems = []
    text = strip_comments_and_literals(path.read_text())
    braces = []  # "ns" or "body" per open brace
    in_abi_namespace = False
    open_blocks = []
    pending = ""  # code since the last ; { or }
    for number, line in logical_lines(text):
        m = DIRECTIVE.match(line)
        if m:
            word, rest = m.group(1), m.group(2)
            if word in ("if", "ifdef", "ifndef"):
                macros = set(CONFIG_MACRO.findall(rest))
                open_blocks.append(
                    Block(number, f"#{word}{rest}", macros,
                          any(b == "body" for b in braces), in_abi_namespace))
            elif word in ("elif", "else"):
                if open_blocks:
                    open_blocks[-1].branches += 1
                    open_blocks[-1].macros |= set(CONFIG_MACRO.findall(rest))
            elif word == "endif":
                if open_blocks:
                    problems += judge(path, open_blocks.pop(), namespaced)
            continue
        code = line.strip()
        if code == "FFI_TASKS_BEGIN_NAMESPACE":
            in_abi_namespace = True
        elif code == "FFI_TASKS_END_NAMESPACE":
            in_abi_namespace = False
        if code:
            for block in open_blocks:
                block.only_preprocessor = False
        for ch in line:
            if ch == "{":
                is_ns = re.search(r'(\bnamespace\b[^;{}]*|\bextern\s*""\s*)$', pending)
                braces.append("ns" if is_ns else "body")
                pending = ""
            elif ch == "}":
                if braces:
                    braces.pop()
                pending = ""
            elif ch == ";":
                pending = ""
            else:
                pending += ch
        pending += " "
    return problems


def judge(path, block, namespaced):
    where = f"{path}:{block.line}: {block.condition}"
    if BRIDGE in block.macros:
        return [f"{where}\n    tests {BRIDGE} (bridge additions belong in the bridge's own headers)"]
    if not block.macros:
        return []
    if block.only_preprocessor:
        return []
    if block.in_abi_namespace and block.macros <= namespaced:
        return []
    if block.branches == 1 and not block.in_body:
        return []
    why = []
    if block.branches > 1:
        why.append("has an #else/#elif branch")
    if block.in_body:
        why.append("is inside a class or function body")
    outside = sorted(block.macros - namespaced)
    if outside:
        why.append(f"tests {', '.join(outside)}, which the ABI namespace does not include")
    elif not block.in_abi_namespace:
        why.append("is outside FFI_TASKS_BEGIN_NAMESPACE/FFI_TASKS_END_NAMESPACE")
    return [f"{where}\n    changes code with the configuration: it " + "; it ".join(why)]


def main():
    if len(sys.argv) != 2:
        print("usage: check_config_conditionals.py <cpp/include>")
        return 2
    root = pathlib.Path(sys.argv[1]) / "ffi_tasks"
    config = root / "detail" / "config.hpp"
    namespaced = namespaced_macros(config)
    if not namespaced:
        print(f"{config}: no FFI_TASKS_CONFIG_NAMESPACE_ chosen by a configuration macro")
        return 1
    headers = sorted(p for p in root.rglob("*") if p.suffix in (".h", ".hpp") and p != config)
    problems = []
    for header in headers:
        problems += check_header(header, namespaced)
    for problem in problems:
        print(problem)
    print(f"{len(headers)} headers checked (ABI namespace follows {', '.join(sorted(namespaced))}); "
          f"{len(problems)} conditionals change code with the configuration")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
