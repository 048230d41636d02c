"""The size rules of STYLE.md, kept by a test: no module over 600 lines, no function over 60.

A module or function may be longer when it says why, in a comment ``# size: <reason>``: for a
module among its first lines (before the first import), for a function on the line just
above its ``def`` (or above its decorators) or as the first line of its body.
"""

from __future__ import annotations

import ast
import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60
REASON = re.compile(r"#\s*size:\s*\S.{8,}")  # a reason, not just the marker
# Being split on other branches; the lead removes an entry when its split lands.
ALLOWED = {
    "kernel/spreadsheets.py": "being split on branch spreadsheets",
    "kernel/spreadsheets.py::_build_table": "being split on branch spreadsheets",
    "kernel/safe_read.py::stream_in_child": "being split on branch spreadsheets",
}


def python_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [
        f
        for f in listed
        if "/migrations/" not in f and not f.startswith("tests/") and (ROOT / f).exists()
    ]


def module_has_reason(lines: list[str]) -> bool:
    for line in lines:
        if line.startswith(("import ", "from ")) and not line.startswith("from __future__"):
            return False
        if REASON.match(line.strip()):
            return True
    return False


def function_has_reason(lines: list[str], node: ast.FunctionDef | ast.AsyncFunctionDef) -> bool:
    top = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    above = []  # the block of comment lines just above (a reason may wrap)
    index = top - 2
    while index >= 0 and lines[index].strip().startswith("#"):
        above.append(lines[index].strip())
        index -= 1
    first = lines[node.body[0].lineno - 1].strip()
    # The first statement may be a docstring: a comment just after ``def ...:`` counts too.
    after_def = lines[node.lineno].strip() if node.lineno < len(lines) else ""
    return any(REASON.match(text) for text in (*above, first, after_def))


def offenders() -> list[str]:
    found = []
    for name in python_files():
        source = (ROOT / name).read_text()
        lines = source.splitlines()
        if len(lines) > MAX_MODULE_LINES and not module_has_reason(lines):
            found.append(f"{name} ({len(lines)} lines)")
        for node in ast.walk(ast.parse(source)):
            if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            length = (node.end_lineno or node.lineno) - node.lineno + 1
            if length > MAX_FUNCTION_LINES and not function_has_reason(lines, node):
                found.append(f"{name}::{node.name} ({length} lines)")
    return found


def test_no_module_or_function_over_the_size_rule_without_a_reason():
    over = [o for o in offenders() if o.split(" (")[0] not in ALLOWED]
    assert over == [], "split it, or say why it is long in a '# size: <reason>' comment"


def test_the_allowlist_has_no_stale_entry():
    """An entry whose module or function is now within the rule must go."""
    current = {o.split(" (")[0] for o in offenders()}
    assert sorted(set(ALLOWED) - current) == []


def test_the_size_check_sees_a_long_function_and_honours_a_reason(tmp_path):
    body = "\n".join(f"    x{i} = {i}" for i in range(61))
    plain = ast.parse(f"def f():\n{body}\n").body[0]
    reasoned_source = (
        f"# size: one table of 61 literal rows, read top to bottom\ndef f():\n{body}\n"
    )
    reasoned = ast.parse(reasoned_source).body[0]
    assert isinstance(plain, ast.FunctionDef) and isinstance(reasoned, ast.FunctionDef)
    assert not function_has_reason(f"def f():\n{body}\n".splitlines(), plain)
    assert function_has_reason(reasoned_source.splitlines(), reasoned)
    assert not module_has_reason(["import os", "# size: too late, after the imports"])
    assert module_has_reason(['"""Doc."""', "# size: one registry of every export", "import os"])
    wrapped = [
        "# size: a reason long enough to wrap",
        "#   onto a second line",
        "def f():",
        "    x = 1",
    ]
    assert function_has_reason(wrapped, ast.parse("\n".join(wrapped[2:])).body[0]) is False
    assert function_has_reason(wrapped, ast.parse("\n\n" + "\n".join(wrapped[2:])).body[0])
