"""No view reads ``<Model>.objects`` without its scope.

Parses every views module (``<app>/views.py``, ``<app>/views/*.py``) and fails on a
``Model.objects...`` chain unless it goes through the scope: it calls ``visible_to``,
is the queryset handed to ``get_for_user``, or is ``.none()``. Anything else must be
listed in ``ALLOWED`` with the reason it is safe. (A test rather than django-scopes:
scoping here is per user and per level, already one ``visible_to`` per queryset, and
django-scopes would need every query outside a request — tasks, commands, services —
wrapped in a scope context; this keeps the rule where it matters, in views.)
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
APPS = (
    "accounts",
    "schools",
    "students",
    "rounds",
    "platforms",
    "devices",
    "coverage",
    "donations",
    "reports",
)

_REREAD = "a fresh instance of an object the view has just fetched through get_for_user"
_OWN_UNIT = "the user's own unit, from access.own_school_id / own_district_id"
ALLOWED: dict[tuple[str, str, str], str] = {
    ("coverage/views.py", "point_edit", "CoveragePoint"): _REREAD,
    ("coverage/views.py", "plan_edit", "CoveragePlan"): _REREAD,
    ("coverage/views.py", "school_report", "School"): _OWN_UNIT,
    ("reports/views.py", "outreach_edit", "OutreachActivity"): _REREAD,
    ("rounds/views.py", "round_edit", "SupportRound"): _REREAD,
    ("rounds/views.py", "round_detail", "School"): _OWN_UNIT,
    ("rounds/quota_views.py", "own_unit", "District"): _OWN_UNIT,
    ("rounds/quota_views.py", "own_unit", "Commune"): _OWN_UNIT,
    ("rounds/quota_views.py", "own_unit", "School"): _OWN_UNIT,
    ("devices/views/allocations.py", "allocations", "School"): (
        "the schools of the allocations the user sees (Allocation.objects.visible_to)"
    ),
    ("devices/views/subscriptions.py", "problem_resolve", "SubscriptionProblem"): (
        "problems of subscriptions the user sees (Subscription.objects.visible_to)"
    ),
    ("devices/views/stock.py", "import_result", "DeviceSource"): (
        "the source named by a batch fetched through get_for_user"
    ),
    ("devices/views/stock.py", "_batch_source", "DeviceSource"): (
        "the source named by a batch fetched through get_for_user"
    ),
    ("platforms/views.py", "platform_edit", "LearningPlatform"): (
        "the platform catalogue is reference data, the same for every unit (like data packages)"
    ),
}


def views_modules() -> list[Path]:
    found = []
    for app in APPS:
        found += [ROOT / app / "views.py"] if (ROOT / app / "views.py").exists() else []
        found += (
            sorted((ROOT / app / "views").glob("*.py")) if (ROOT / app / "views").is_dir() else []
        )
        found += sorted((ROOT / app).glob("*_views.py"))  # rounds/quota_views.py, deadline_views.py
    return found


def _parents(tree: ast.AST) -> dict[ast.AST, ast.AST]:
    return {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}


def _chain_top(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> tuple[ast.AST, list[str]]:
    """Climb ``Model.objects.a(...).b(...)`` to its outermost node; the methods called."""
    methods = []
    while True:
        parent = parents.get(node)
        if isinstance(parent, ast.Attribute) and parent.value is node:
            methods.append(parent.attr)
            node = parent
        elif isinstance(parent, ast.Call) and parent.func is node:
            node = parent
        else:
            return node, methods


def _is_get_for_user_arg(node: ast.AST, parents: dict[ast.AST, ast.AST]) -> bool:
    call = parents.get(node)
    if not isinstance(call, ast.Call) or not call.args or call.args[0] is not node:
        return False
    func = call.func
    name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
    return name == "get_for_user"


def unscoped_uses(path: Path) -> list[tuple[str, str, int]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    parents = _parents(tree)
    uses = []
    for node in ast.walk(tree):
        if not (
            isinstance(node, ast.Attribute)
            and node.attr == "objects"
            and isinstance(node.value, ast.Name)
            and node.value.id[:1].isupper()
        ):
            continue
        top, methods = _chain_top(node, parents)
        if "visible_to" in methods or methods[:1] == ["none"]:
            continue
        if _is_get_for_user_arg(top, parents):
            continue
        function = next(
            (
                p.name
                for p in _ancestors(node, parents)
                if isinstance(p, ast.FunctionDef | ast.AsyncFunctionDef)
            ),
            "<module>",
        )
        uses.append((function, node.value.id, node.lineno))
    return uses


def _ancestors(node: ast.AST, parents: dict[ast.AST, ast.AST]):
    while node in parents:
        node = parents[node]
        yield node


def test_views_read_models_only_through_their_scope():
    offending = []
    used = set()
    for path in views_modules():
        module = path.relative_to(ROOT).as_posix()
        for function, model, line in unscoped_uses(path):
            key = (module, function, model)
            if key in ALLOWED:
                used.add(key)
                continue
            offending.append(f"{module}:{line} {function}() reads {model}.objects unscoped")
    assert not offending, "\n".join(offending)
    assert not set(ALLOWED) - used, f"allowed but no longer used: {sorted(set(ALLOWED) - used)}"


def test_the_check_catches_an_unscoped_read(tmp_path):
    source = tmp_path / "views.py"
    source.write_text(
        "def a(request, pk):\n"
        "    return Device.objects.get(pk=pk)\n"
        "def b(request, pk):\n"
        "    return get_for_user(Device.objects.select_related('school'), request.user, pk=pk)\n"
        "def c(request):\n"
        "    return Device.objects.visible_to(request.user).filter(status='x')\n"
        "def d(request):\n"
        "    return get_object_or_404(Device.objects.all(), pk=1)\n"
    )
    assert [(f, m) for f, m, _line in unscoped_uses(source)] == [("a", "Device"), ("d", "Device")]
