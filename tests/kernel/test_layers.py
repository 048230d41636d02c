"""The direction of imports between apps (pyproject's import-linter contracts) holds."""

from pathlib import Path

import grimp
import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parents[2]
APPS = ["kernel", "taskqueue", "schools", "accounts", "students", "rounds", "devices"]


def test_import_contracts_are_kept(monkeypatch, capsys):
    monkeypatch.chdir(ROOT)
    assert lint_imports(no_cache=True) == 0, capsys.readouterr().out


@pytest.fixture(scope="module")
def graph():
    return grimp.build_graph(*APPS, include_external_packages=False)


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("schools", "accounts"),  # was a cycle: accounts ↔ schools at module level
        ("students", "rounds"),  # was a cycle hidden inside functions
        ("students", "devices"),
        ("kernel", "schools"),
        ("kernel", "accounts"),
    ],
)
def test_no_import_from_a_higher_layer_even_inside_functions(graph, importer, imported):
    found = graph.find_matching_direct_imports(import_expression=f"{importer}.** -> {imported}.**")
    assert found == [], found
