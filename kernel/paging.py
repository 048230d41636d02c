"""Pages of long lists whose cost follows the page, not the size of the registry.

Django's ``Paginator`` counts every row in scope (``COUNT(*)``) on every view and lets
``?page=`` reach any offset: at 470,000 pupils the count alone was most of a province
list's time. ``BoundedPaginator`` instead

- counts at most ``LIST_EXACT_ROWS`` + 1 rows (``SELECT COUNT(*) FROM (… LIMIT n)``): below
  the limit the count is exact; above it the list says "khoảng …" with PostgreSQL's
  estimate of the filtered query (``EXPLAIN``; never less than the rows counted). SQLite,
  the embedded development database, has no estimate and counts exactly;
- reaches at most the first ``LIST_EXACT_ROWS`` rows. Page 100 of 50 rows is offset 4,950,
  read through the list's sort index whatever the registry's size; a page past the reach
  shows the last reachable one, and the list asks to narrow the search. Since more rows
  than the reach exist whenever the count is an estimate, every reachable page is full;
- reads a page as ids first (the narrow ordered query), then those rows with their joins.
"""

from __future__ import annotations

import json
import math
from typing import Any

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db import connections
from django.db.models import QuerySet
from django.db.models.query import ModelIterable
from django.utils.functional import cached_property


def exact_rows() -> int:
    return int(getattr(settings, "LIST_EXACT_ROWS", 10_000))


def planner_estimate(queryset: QuerySet[Any]) -> int | None:
    """PostgreSQL's estimate of the rows a queryset returns, or None on another database."""
    connection = connections[queryset.db]
    if connection.vendor != "postgresql":
        return None
    sql, params = queryset.order_by().query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (FORMAT JSON) {sql}", params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


def rounded(number: int) -> int:
    """Two significant digits (469,812 → 470,000): an estimate is not shown to the unit."""
    if number < 100:
        return number
    step = 10 ** (len(str(number)) - 2)
    return (number + step // 2) // step * step  # halves up, not to even


def _models_by_pk(items: Any) -> bool:
    """Whether the rows are model instances of a plain queryset (not values(), not a union)."""
    return (
        isinstance(items, QuerySet)
        and items._iterable_class is ModelIterable
        and items.query.combinator is None
    )


class BoundedPaginator(Paginator):
    """A ``Paginator`` with a bounded count and a bounded reach (see the module docstring)."""

    def __init__(self, object_list: Any, per_page: int, *, limit: int | None = None) -> None:
        super().__init__(object_list, per_page)
        self.limit = exact_rows() if limit is None else limit

    @cached_property
    def counted(self) -> int:
        """Rows counted, at most ``limit + 1``."""
        items = self.object_list
        if isinstance(items, QuerySet):
            if items.query.combinator is not None:
                return items[: self.limit + 1].count()
            return items.order_by().values("pk")[: self.limit + 1].count()
        return min(len(items), self.limit + 1)

    @cached_property
    def is_estimate(self) -> bool:
        return self.counted > self.limit

    @cached_property
    def count(self) -> int:
        if not self.is_estimate:
            return self.counted
        items = self.object_list
        estimate = planner_estimate(items) if isinstance(items, QuerySet) else None
        if estimate is None:
            estimate = items.count() if isinstance(items, QuerySet) else len(items)
        return max(estimate, self.counted)

    @cached_property
    def shown_count(self) -> int:
        """The count as the page says it: exact, or the estimate rounded."""
        return rounded(self.count) if self.is_estimate else self.count

    @cached_property
    def num_pages(self) -> int:
        if not self.is_estimate:
            return super().num_pages
        return max(1, math.floor(self.limit / self.per_page))

    def page(self, number: Any) -> Page:
        """The page's rows in two steps: their ids through the narrow ordered query (the sort
        index and the scope's join only), then those rows with everything the list joins in,
        so an offset walks index entries rather than joined rows."""
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        items: Any = self.object_list
        if not _models_by_pk(items):
            return Page(items[bottom:top], number, self)
        ids = list(items.values_list("pk", flat=True)[bottom:top])
        rows = {row.pk: row for row in items.order_by().filter(pk__in=ids)}
        return Page([rows[pk] for pk in ids if pk in rows], number, self)

    @property
    def reach(self) -> int:
        """Rows the pages can show: all of them, unless the list is longer than the limit."""
        return min(self.count, self.num_pages * self.per_page)

    @property
    def capped(self) -> bool:
        return self.is_estimate
