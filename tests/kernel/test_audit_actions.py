"""Every audit action written anywhere in the code has words for the history pages.

The scan reads the code (``ast``), not a list kept by hand: an action added by any
engineer without a label in its app's ``audit_actions.py`` fails here, with its place.
"""

from __future__ import annotations

import ast
import subprocess
from pathlib import Path

from kernel.history import registered_actions

ROOT = Path(__file__).resolve().parents[2]

# Callables that take an audit action: (keyword, positional index or None).
AUDIT_CALLS = {
    "record_audit": ("action", None),
    "AuditRow": ("action", 2),
    "audit_transition": ("action", 2),
    "_audit_changes": ("action", 1),
    "set_status": ("action", None),  # devices.services.base
    "Transition": ("verb", None),
}
# Any call's keyword ``audit_action=`` (the import-batch workflow's parameter).
ACTION_KEYWORDS = {"audit_action"}


def portal_files() -> list[str]:
    listed = subprocess.run(
        ["git", "ls-files", "*.py"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    return [
        f
        for f in listed
        if not f.startswith(("tests/", "benchmarks/"))
        and "/migrations/" not in f
        and (ROOT / f).exists()
    ]


def _name(call: ast.Call) -> str | None:
    func = call.func
    if isinstance(func, ast.Attribute):
        return func.attr
    return func.id if isinstance(func, ast.Name) else None


def _action_values(call: ast.Call) -> list[ast.expr]:
    name = _name(call)
    values = [kw.value for kw in call.keywords if kw.arg in ACTION_KEYWORDS]
    if name in AUDIT_CALLS:
        keyword, index = AUDIT_CALLS[name]
        values += [kw.value for kw in call.keywords if kw.arg == keyword]
        if index is not None and len(call.args) > index:
            values.append(call.args[index])
    return values


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _enclosing_function(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> ast.AST | None:
    while node in parents:
        node = parents[node]
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            return node
    return None


def scan() -> tuple[dict[str, str], list[str]]:
    """The action strings written in the code (with a place) and the calls not understood."""
    found: dict[str, str] = {}
    unknown: list[str] = []
    for path in portal_files():
        tree = ast.parse((ROOT / path).read_text(encoding="utf-8"))
        parents = _parents(tree)
        tables = _module_tables(tree)
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                # A default value of an action parameter is written when callers omit it.
                args = node.args.args[-len(node.args.defaults) :] if node.args.defaults else []
                pairs = list(zip(args, node.args.defaults, strict=True))
                pairs += [
                    (a, d)
                    for a, d in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True)
                    if d is not None
                ]
                for arg, default in pairs:
                    if arg.arg in ACTION_KEYWORDS and isinstance(default, ast.Constant):
                        found.setdefault(default.value, f"{path}:{node.lineno}")
            if not isinstance(node, ast.Call):
                continue
            for value in _action_values(node):
                branches = [value.body, value.orelse] if isinstance(value, ast.IfExp) else [value]
                if isinstance(value, ast.Subscript) and isinstance(
                    value.value, ast.Name | ast.Dict
                ):
                    # ACTIONS[status]: a module-level dict of literal actions
                    table = value.value
                    if isinstance(table, ast.Name):
                        table = tables.get(table.id, table)
                    if isinstance(table, ast.Dict):
                        branches = [v for v in table.values if v is not None]
                for branch in branches:
                    if isinstance(branch, ast.Constant) and isinstance(branch.value, str):
                        found.setdefault(branch.value, f"{path}:{node.lineno}")
                    elif not _passed_through(branch, node, parents):
                        unknown.append(f"{path}:{node.lineno}: {ast.unparse(branch)}")
    return found, unknown


def _module_tables(tree: ast.Module) -> dict[str, ast.expr]:
    """Module-level ``NAME = {...}`` assignments, for actions looked up in a table."""
    tables: dict[str, ast.expr] = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Dict):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    tables[target.id] = node.value
        elif (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.value, ast.Dict)
            and isinstance(node.target, ast.Name)
        ):
            tables[node.target.id] = node.value
    return tables


def _passed_through(value: ast.expr, call: ast.Call, parents: dict[ast.AST, ast.AST]) -> bool:
    """A parameter of a function whose own callers the scan reads, or a transition's verb."""
    if isinstance(value, ast.Attribute) and value.attr == "verb":
        return True  # Transition(verb=...) literals are scanned
    if not isinstance(value, ast.Name):
        return False
    function = _enclosing_function(call, parents)
    if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
        return False
    params = {a.arg for a in function.args.args + function.args.kwonlyargs}
    if value.id not in params:
        return False
    return value.id in ACTION_KEYWORDS or function.name in AUDIT_CALLS


def test_every_audit_action_written_in_the_code_has_a_label():
    found, _ = scan()
    missing = {
        action: place for action, place in found.items() if action not in registered_actions()
    }
    assert not missing, (
        "Audit actions without words for the history pages (add them to the app's "
        f"audit_actions.py): {missing}"
    )


def test_every_non_literal_audit_action_is_understood_by_the_scan():
    _, unknown = scan()
    assert not unknown, (
        "Audit actions the scan cannot read (write the action as a literal, or teach "
        f"AUDIT_CALLS the function that passes it through): {unknown}"
    )


def test_the_scan_finds_actions_of_every_kind_of_call():
    found, _ = scan()
    # record_audit keyword, bulk AuditRow positional, a transition's verb, an IfExp branch,
    # the import workflow's audit_action keyword and its default value.
    for action in (
        "device.handover",
        "student.create",
        "proposal.submit",
        "coverage.plan.note",
        "student_import.cancel",
        "import.upload",
    ):
        assert action in found, action
    assert len(found) > 80
