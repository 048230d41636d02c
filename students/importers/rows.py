"""Compact per-row values of a validated list, and the fast row checker."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from kernel.importing import RowError
from kernel.normalize import clean_text
from kernel.spreadsheets import RowNumber
from students.importers.columns import HOUSEHOLD_FIELDS, STUDENT_FIELDS


class _Record(tuple):
    """A row's cleaned values: a tuple (compact for 100,000 rows) readable by field name."""

    __slots__ = ()
    NAMES: tuple[str, ...] = ()
    INDEX: dict[str, int] = {}

    def __getitem__(self, key: Any) -> Any:
        if key.__class__ is str:
            return tuple.__getitem__(self, self.INDEX[key])
        return tuple.__getitem__(self, key)

    def replace(self, **values: Any) -> Any:
        items = list(self)
        for name, value in values.items():
            items[self.INDEX[name]] = value
        return type(self)(items)


class _StudentValues(_Record):
    __slots__ = ()
    NAMES = ("pupil_code", *STUDENT_FIELDS)  # the writer relies on this order
    INDEX = {name: i for i, name in enumerate(NAMES)}


class _HouseholdValues(_Record):
    __slots__ = ()
    NAMES = HOUSEHOLD_FIELDS  # the writer relies on this order
    INDEX = {name: i for i, name in enumerate(NAMES)}


@dataclass(slots=True)
class _PlannedRow:
    row: int
    student: Any  # _StudentValues
    household: Any  # _HouseholdValues
    household_key: tuple[Any, ...]
    new_village: tuple[int, str, str] | None = None  # (commune_id, key, name)
    # Given by the checking worker (``planning.plan_ids``):
    student_id: int | None = None  # a new pupil's id, reserved ahead
    household_id: int | None = None  # None: the writer finds it in the registry
    new_household: tuple[Any, ...] | None = None  # the household this row creates, ready to copy
    fast: tuple[Any, ...] | None = None  # the new pupil, ready to copy (nothing to look up)
    first_of_household: bool = False  # the file's first row of its household: its details count
    # Re-imports (``students.importers.merge``): the row's cells as read, kept until
    # ``plan_ids`` knows whether the row meets the registry, and then which values it gives.
    raw: Any = None
    given: Any = None  # merge.Given; None: every value (a new pupil or household)


_MISS = object()


class _Checker:
    """``RowValidator`` for big files: same messages, with per-value caches of normalisers.

    Columns such as dates, communes, categories or classes repeat the same few
    values thousands of times; each distinct value is normalised once.
    """

    __slots__ = ("errors", "failed", "labels", "required", "row", "values")

    def __init__(
        self,
        row: int,
        values: Mapping[str, Any],
        labels: Mapping[str, str],
        errors: list[RowError],
        required: str,
    ) -> None:
        self.row = row
        self.values = values
        self.labels = labels
        self.errors = errors
        self.required = required
        # Not ``len(errors)`` compared with its length before the row: the writer
        # thread adds the registry's errors to the same list meanwhile, and a valid
        # row checked at that moment was dropped without an error of its own.
        self.failed = False

    @property
    def ok(self) -> bool:
        return not self.failed

    def text(self, name: str) -> str:
        raw = self.values.get(name, "")
        return clean_text(raw) if raw != "" else ""

    def field(
        self,
        name: str,
        fn: Callable[[Any], Any],
        *,
        required: bool = False,
        default: Any = None,
        cache: dict[Any, Any] | None = None,
        scope: Any = None,
    ) -> Any:
        raw = self.values.get(name, "")
        if raw is None or raw == "" or (raw.__class__ is str and raw.isspace()):
            if required:
                self.error(name, self.required)
                return None
            return default
        if cache is None:
            try:
                return fn(raw)
            except ValueError as exc:
                self.error(name, str(exc) or _("không hợp lệ"))
                return None
        key = (scope, raw.__class__, raw)
        hit = cache.get(key, _MISS)
        if hit is _MISS:
            try:
                hit = (fn(raw), None)
            except ValueError as exc:
                hit = (None, str(exc) or _("không hợp lệ"))
            cache[key] = hit
        value, message = hit
        if message is not None:
            self.error(name, message)
            return None
        return value

    def error(self, name: str, message: str) -> None:
        self.failed = True
        self.errors.append(RowError(self.row, self.labels.get(name, name), name, message))

    def row_error(self, message: str) -> None:
        self.failed = True
        self.errors.append(RowError(self.row, "", "", message))

    def duplicate_of(self, first_row: int) -> None:
        if isinstance(first_row, RowNumber):
            self.row_error(_("trùng với %(where)s") % {"where": first_row})
        else:
            self.row_error(_("trùng với dòng %(row)s") % {"row": first_row})
