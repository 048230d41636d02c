"""Vocabulary shared by every importer: row errors, the dry-run report, row validation.

Imports validate every row first and report errors by spreadsheet row number and
column header, then write everything in one transaction (or nothing).  A typical
importer reads::

    report = ImportReport(rows=0)
    seen = DuplicateTracker()
    labels = table.field_labels()
    for row, values in table.data_rows():
        report.rows += 1
        v = RowValidator(row, values, labels=labels, errors=report.errors)
        name = v.field("full_name", clean_text, required=True)
        dob = v.field("date_of_birth", parse_birth_date, required=True)
        if (first := seen.seen(v.value("pupil_code"), row)) is not None:
            v.duplicate_of(first)
        if v.ok:
            ...

Pure Python: no models, no database.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar

from django.utils.translation import gettext as _

from kernel.normalize import clean_text
from kernel.spreadsheets import RowNumber, row_ref

__all__ = ["DuplicateTracker", "ImportReport", "RowError", "RowValidator"]

T = TypeVar("T")


@dataclass(frozen=True)
class RowError:
    """One problem in one spreadsheet row.

    ``row`` is the 1-based Excel row number, ``column`` the header text the user
    sees ("Ngày sinh"), ``field`` the importer's field name ("" for whole-row
    problems such as duplicates).
    """

    row: int
    column: str
    field: str
    message: str

    def __str__(self) -> str:
        if isinstance(self.row, RowNumber):  # a list over several sheets: "Sheet 6A, dòng 12"
            if self.column:
                return f"{self.row}, {self.column}: {self.message}"
            return f"{self.row}: {self.message}"
        if self.column:
            return _("Dòng %(row)s, %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("Dòng %(row)s: %(message)s") % {"row": self.row, "message": self.message}

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form (task results, API responses)."""
        found = {
            "row": int(self.row),
            "column": self.column,
            "field": self.field,
            "message": self.message,
        }
        if isinstance(self.row, RowNumber):
            # Shown instead of "Dòng N" (the row number stays the key of the error copy).
            found["where"] = str(self.row)
        return found


@dataclass
class ImportReport:
    """Outcome of an import or of its dry run."""

    rows: int
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    # How the file was read, for the dry run: hidden rows not imported, sheets read,
    # cells converted from a legacy encoding (``kernel.spreadsheets.reading_notices``).
    notices: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        """True when no row has an error (the import may be written)."""
        return not self.errors

    def error_rows(self) -> list[int]:
        """Sorted row numbers that have at least one error."""
        return sorted({error.row for error in self.errors})

    def errors_by_row(self) -> dict[int, list[str]]:
        """Messages per row, as ``write_error_copy`` expects them ("Ngày sinh: ...")."""
        result: dict[int, list[str]] = {}
        for error in sorted(self.errors, key=lambda e: e.row):
            text = f"{error.column}: {error.message}" if error.column else error.message
            result.setdefault(error.row, []).append(text)
        return result

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready form with exactly the keys rows, created, updated, unchanged, errors."""
        return {
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "errors": [error.as_dict() for error in self.errors],
        }


class RowValidator:
    """Applies normalisers to one row's raw values and collects ``RowError``\\ s.

    ``values`` maps field names to raw cell values (``Table.data_rows()``);
    ``labels`` maps field names to the header text shown in messages
    (``Table.field_labels()``); ``errors`` is the list to append to, typically
    ``ImportReport.errors`` (a fresh list when omitted).
    """

    def __init__(
        self,
        row: int,
        values: Mapping[str, Any],
        *,
        labels: Mapping[str, str] | None = None,
        errors: list[RowError] | None = None,
    ) -> None:
        self.row = row
        self.values = values
        self.labels = labels or {}
        self.errors: list[RowError] = errors if errors is not None else []
        self._first_error_index = len(self.errors)
        self.cleaned: dict[str, Any] = {}

    @property
    def ok(self) -> bool:
        """True while this row has recorded no error."""
        return len(self.errors) == self._first_error_index

    @property
    def row_errors(self) -> list[RowError]:
        """Errors recorded for this row only."""
        return self.errors[self._first_error_index :]

    def value(self, name: str) -> Any:
        """The raw value of ``name`` ("" when the column is absent)."""
        return self.values.get(name, "")

    def field(
        self,
        name: str,
        fn: Callable[[Any], T] | None = None,
        *,
        required: bool = False,
        default: Any = None,
    ) -> T | Any:
        """Normalise ``values[name]`` with ``fn``; record any ``ValueError`` as a ``RowError``.

        A blank cell is not passed to ``fn``: it yields ``default``, or records
        "bắt buộc" when ``required``.  Returns ``None`` after an error, so the
        importer can keep validating the rest of the row.  Without ``fn`` the
        cleaned text is returned.
        """
        raw = self.value(name)
        if clean_text(raw) == "":
            if required:
                self.error(name, _("bắt buộc"))
                return None
            self.cleaned[name] = default
            return default
        try:
            result = fn(raw) if fn is not None else clean_text(raw)
        except ValueError as exc:
            self.error(name, str(exc) or _("không hợp lệ"))
            return None
        self.cleaned[name] = result
        return result

    def error(self, name: str, message: str) -> None:
        """Record an error for field ``name`` (e.g. "không thuộc danh mục")."""
        self.errors.append(
            RowError(row=self.row, column=self.labels.get(name, name), field=name, message=message)
        )

    def row_error(self, message: str) -> None:
        """Record an error about the whole row."""
        self.errors.append(RowError(row=self.row, column="", field="", message=message))

    def duplicate_of(self, first_row: int) -> None:
        """Record "trùng với dòng N" ("… Sheet 6A, dòng N") for a row repeating an earlier one."""
        self.row_error(_("trùng với %(row)s") % {"row": row_ref(first_row)})


class DuplicateTracker:
    """Remembers the first row where each key appeared, to flag repeats in one file."""

    def __init__(self) -> None:
        self._first: dict[Hashable, int] = {}

    def seen(self, key: Hashable, row: int) -> int | None:
        """Return the first row that had ``key``, or ``None`` (and remember ``row``).

        Blank keys (``None``, "") never count as duplicates: a missing ID is
        reported by its own validation.
        """
        if key is None or key == "" or (isinstance(key, tuple) and not any(key)):
            return None
        first = self._first.get(key)
        if first is None:
            self._first[key] = row
        return first

    def __len__(self) -> int:
        return len(self._first)
