"""Sortable list columns: a whitelist of sort keys per list, read from ``?sap_xep=``.

A list declares its columns (``{"ten": ("sort_key",), "ngay_sinh": ("date_of_birth",)}``);
``Sorting.from_params`` accepts only those keys (anything else falls back to the list's
default), ``apply`` orders by the column's fields and then by the list's default order
and ``pk`` so that rows with equal values keep a stable order across pages. The
``{% sort_header %}`` tag (``kernel.templatetags.portal``) renders the header link with
``aria-sort``, keeping the other filters and the page in the link.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from django.db.models import F, QuerySet
from django.http import QueryDict

SORT_PARAM = "sap_xep"


@dataclass(frozen=True)
class Sorting:
    columns: Mapping[str, Sequence[str]]
    key: str
    descending: bool
    default: Sequence[str]
    params: Mapping[str, Any]  # the request's query parameters, for the header links

    @classmethod
    def from_params(
        cls,
        params: Any,
        columns: Mapping[str, Sequence[str]],
        *,
        default: Sequence[str] = (),
    ) -> Sorting:
        raw = str(params.get(SORT_PARAM, "") or "").strip()
        descending = raw.startswith("-")
        key = raw.lstrip("-")
        if key not in columns:
            key, descending = "", False
        return cls(columns, key, descending, tuple(default), params)

    def order(self) -> list[Any]:
        """The ``order_by`` arguments: the column, then the default order, then ``pk``."""
        fields: list[Any] = []
        if self.key:
            for name in self.columns[self.key]:
                expr = F(name)
                fields.append(
                    expr.desc(nulls_last=True) if self.descending else expr.asc(nulls_last=True)
                )
        fields.extend(self.default)
        if "pk" not in self.default and "-pk" not in self.default:
            fields.append("pk")
        return fields

    def apply[Q: QuerySet[Any]](self, queryset: Q) -> Q:
        if not self.key:
            return queryset
        return queryset.order_by(*self.order())

    def sort_list[T](self, rows: list[T]) -> list[T]:
        """Rows built in Python by a selector, already in the list's default order: sorted by
        the column's fields read as attribute paths (``school__name`` is ``row.school.name``).
        Python's sort is stable (also reversed), so equal values keep the default order;
        empty values go last, as ``apply`` puts NULLs last."""
        if not self.key:
            return rows
        fields = [name.split("__") for name in self.columns[self.key]]
        empty_flag = 0 if self.descending else 1

        def key(row: T) -> tuple[tuple[int, Any], ...]:
            values = []
            for path in fields:
                value: Any = row
                for part in path:
                    value = getattr(value, part, None)
                values.append((empty_flag, "") if value is None else (1 - empty_flag, value))
            return tuple(values)

        return sorted(rows, key=key, reverse=self.descending)

    def state(self, key: str) -> str:
        """``ascending``/``descending`` for the sorted column, ``none`` for the others."""
        if key != self.key:
            return "none"
        return "descending" if self.descending else "ascending"

    def link(self, key: str) -> str:
        """The query string that sorts by ``key`` (reversed if already sorted by it)."""
        value = f"-{key}" if key == self.key and not self.descending else key
        if isinstance(self.params, QueryDict):
            params = self.params.copy()
            params.setlist(SORT_PARAM, [value])
            return params.urlencode()
        return urlencode({**self.params, SORT_PARAM: value})
