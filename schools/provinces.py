"""A province and the provinces that went into it (``Province.successor``): what a
provincial user of the province of 1 July 2025 sees (``accounts.models.Scope``)."""

from __future__ import annotations

from django.db import models

from schools.models import Province, first_province_query


def first_province_with_predecessors() -> tuple[int | None, frozenset[int]]:
    """``first_province_id()`` and ``province_with_predecessors`` of it, in one query
    unless a predecessor has predecessors of its own."""
    first = models.Subquery(first_province_query())
    rows = list(
        Province.objects.filter(models.Q(pk=first) | models.Q(successor_id=first)).values_list(
            "pk", "successor_id"
        )
    )
    top = next((pk for pk, successor in rows if successor is None), None)
    if top is None:
        return None, frozenset()
    return top, province_with_predecessors(top, known={pk for pk, _s in rows})


def province_with_predecessors(province_id: int, known: set[int] | None = None) -> frozenset[int]:
    """``province_id`` and every province that went into it, however many steps back
    (``known``: those found already, one step back)."""
    ids = {province_id} | (known or set())
    todo = list(ids - {province_id}) if known is not None else [province_id]
    while todo:
        found = (
            set(Province.objects.filter(successor_id__in=todo).values_list("pk", flat=True)) - ids
        )
        ids |= found
        todo = list(found)
    return frozenset(ids)
