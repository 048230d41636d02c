"""``Sorting.sort_list``: rows built in Python sort like querysets (stable, empty values last)."""

from __future__ import annotations

from types import SimpleNamespace as Row

from django.http import QueryDict

from kernel.sorting import Sorting

COLUMNS = {"han": ("deadline",), "truong": ("school__name",)}
ROWS = [
    Row(deadline=2, school=Row(name="B")),
    Row(deadline=None, school=Row(name="A")),
    Row(deadline=1, school=Row(name="C")),
    Row(deadline=2, school=Row(name="D")),
]


def _order(param: str) -> list[str]:
    sorting = Sorting.from_params(QueryDict(param), COLUMNS)
    return [r.school.name for r in sorting.sort_list(ROWS)]


def test_rows_sort_by_an_attribute_path_with_empty_values_last_both_ways():
    assert _order("sap_xep=truong") == ["A", "B", "C", "D"]
    assert _order("sap_xep=han") == ["C", "B", "D", "A"]
    assert _order("sap_xep=-han") == ["B", "D", "C", "A"]  # equal deadlines keep their order


def test_an_unknown_key_keeps_the_rows_as_built():
    assert _order("sap_xep=school") == ["B", "A", "C", "D"]
    assert _order("") == ["B", "A", "C", "D"]
