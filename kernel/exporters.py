"""The one XLSX export mechanism for every list in the portal.

Subclass ``XlsxExporter`` (or instantiate it) with a title and columns, then
``write()`` to a file or stream, or ``as_http_response()``.  Rows are streamed
through XlsxWriter's ``constant_memory`` mode (each row goes to disk as soon as the
next one starts), so a province-wide list does not build a workbook in memory; run
large exports in a Celery task.  XlsxWriter rather than openpyxl's write-only mode:
on the 470,000-pupil registry it writes the same cells in about half openpyxl's
time at the same flat memory (``benchmarks/export_registry.py``, README).

A column whose accessor is a ``Field`` reads ``values_list()`` rows instead of model
instances: when every column of an exporter is a ``Field`` and the rows come as a
queryset, no model instance is built, and a choice column (``Field(..., labels=)``)
is translated once per value, not once per cell.
"""

from __future__ import annotations

import datetime as dt
import enum
import io
import os
import re
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from django.utils.functional import Promise
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from django.http import HttpResponse
    from django_stubs_ext import StrOrPromise

__all__ = [
    "XLSX_CONTENT_TYPE",
    "Columns",
    "Field",
    "XlsxExporter",
    "content_disposition",
    "label_table",
    "neutralize",
    "resolve",
    "to_excel_value",
]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Spreadsheet programs evaluate text starting with these as a formula (CSV/DDE
# injection, OWASP).  openpyxl even stores any str starting with "=" as a formula.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


class Field:
    """A column read from plain queryset rows: the ORM ``paths`` it needs (``values_list``)
    and ``to``, called with their values in order, giving the cell (the first value
    itself without ``to``).  ``labels`` (a ``choices`` class or a mapping) translates a
    choice value to its label, once per value and export; an unknown value stays itself,
    as ``get_FOO_display()`` does.  On an object (the in-memory path) the paths are
    followed as dotted attributes, so the same column serves both."""

    __slots__ = ("labels", "paths", "to")

    def __init__(
        self,
        *paths: str,
        to: Callable[..., Any] | None = None,
        labels: Any = None,
    ) -> None:
        if not paths:
            raise ValueError("Field needs at least one path")
        self.paths, self.to, self.labels = paths, to, labels

    def bind(self) -> Callable[..., Any]:
        """A function of the paths' values giving the cell, with labels looked up once."""
        to = self.to
        if self.labels is None:
            return to if to is not None else _first
        table = label_table(self.labels)

        def translated(value: Any, *rest: Any) -> Any:
            label = table.get(value, value)
            return to(label, *rest) if to is not None else label

        return translated

    def __call__(self, obj: Any) -> Any:
        values = [resolve(obj, path.replace("__", ".")) for path in self.paths]
        return self.bind()(*values)


def _first(value: Any, *_rest: Any) -> Any:
    return value


def label_table(choices: Any) -> dict[Any, str]:
    """``{value: label}`` of a ``choices`` class (or a mapping), in the active language."""
    pairs = choices.items() if isinstance(choices, Mapping) else choices.choices
    return {value: str(label) for value, label in pairs}


Accessor = str | Callable[[Any], Any]
# (header, accessor) pairs; headers may be lazy translations.
type Columns = Sequence[tuple[StrOrPromise, Accessor]]


def neutralize(value: Any) -> Any:
    """Make text that a spreadsheet would run as a formula literal by prefixing "'".

    Non-strings are returned unchanged.  The apostrophe is stored and shown; that
    is the price of never executing "=HYPERLINK(...)" typed into a form.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def to_excel_value(value: Any) -> Any:
    """Convert a Python value into something openpyxl can store.

    Aware datetimes are shown in Asia/Ho_Chi_Minh (Excel has no time zones),
    lazy translations and enums become their text, booleans "Có"/"Không".
    """
    if value is None:
        return None
    if isinstance(value, bool):
        return _("Có") if value else _("Không")
    if isinstance(value, enum.Enum):
        label = getattr(value, "label", None)
        return str(label) if label is not None else str(value.value)
    if isinstance(value, Promise):
        return str(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(_LOCAL_TZ).replace(tzinfo=None)
        return value
    if isinstance(value, str | int | float | Decimal | dt.date | dt.time):
        return value
    return str(value)


def resolve(obj: Any, accessor: Accessor) -> Any:
    """Value of ``accessor`` for ``obj``: a callable, or a dotted path like "school.name".

    Each path step tries an attribute, then a mapping key; a method found on the
    way (e.g. ``get_status_display``) is called.  ``None`` part-way gives ``None``.
    """
    if callable(accessor):
        return accessor(obj)
    value = obj
    for part in accessor.split("."):
        if value is None:
            return None
        value = value.get(part) if isinstance(value, Mapping) else getattr(value, part, None)
        if callable(value) and not isinstance(value, type):
            value = value()
    return value


class XlsxExporter:
    """Stream a list of objects to an .xlsx with an optional title block and bold header.

    ``columns`` is a sequence of ``(header, accessor)`` pairs; ``accessor`` is a
    callable ``obj -> value`` or a dotted attribute path ("school.district.name").
    Set ``title``/``columns``/``title_lines`` as class attributes in a subclass or
    pass them to the constructor.
    """

    title: StrOrPromise = ""
    columns: Columns = ()
    title_lines: Sequence[StrOrPromise] = ()
    sheet_name: str = "Danh sách"
    column_width: int = 20
    queryset_chunk_size: int = 2000

    def __init__(
        self,
        *,
        title: StrOrPromise | None = None,
        columns: Columns | None = None,
        title_lines: Sequence[StrOrPromise] | None = None,
        sheet_name: str | None = None,
    ) -> None:
        if title is not None:
            self.title = title
        if columns is not None:
            self.columns = columns
        if title_lines is not None:
            self.title_lines = title_lines
        if sheet_name is not None:
            self.sheet_name = sheet_name
        if not self.columns:
            raise ValueError("XlsxExporter needs at least one column")

    def headers(self) -> list[str]:
        """Column header texts."""
        return [str(header) for header, _accessor in self.columns]

    def rows(self, objects: Iterable[Any]) -> Iterator[list[Any]]:
        """Yield one list of cell values per object, converted and neutralised.

        A queryset is iterated with ``.iterator()`` so rows are not all cached; when
        every column is a ``Field`` it is read as plain ``values_list()`` tuples.
        """
        if hasattr(objects, "values_list") and all(
            isinstance(accessor, Field) for _header, accessor in self.columns
        ):
            yield from self._plain_rows(objects)
            return
        iterator = getattr(objects, "iterator", None)
        source = iterator(chunk_size=self.queryset_chunk_size) if callable(iterator) else objects
        for obj in source:
            yield [
                neutralize(to_excel_value(resolve(obj, accessor)))
                for _header, accessor in self.columns
            ]

    def _plain_rows(self, queryset: Any) -> Iterator[list[Any]]:
        paths: list[str] = []
        plan: list[tuple[int, int, Callable[..., Any]]] = []
        for _header, field in self.columns:
            assert isinstance(field, Field)  # noqa: S101 -- rows() sends only Field columns
            plan.append((len(paths), len(field.paths), field.bind()))
            paths.extend(field.paths)
        for values in queryset.values_list(*paths).iterator(chunk_size=self.queryset_chunk_size):
            yield [_cell(convert(*values[start : start + width])) for start, width, convert in plan]

    def write(
        self, objects: Iterable[Any], stream_or_path: IO[bytes] | str | os.PathLike[str]
    ) -> int:
        """Write the workbook for ``objects`` to a binary stream or a file path; the rows
        written (below the header)."""
        import xlsxwriter

        workbook = xlsxwriter.Workbook(
            stream_or_path,
            {
                "constant_memory": True,
                # The cells are data: never a formula, a link or a number guessed from text.
                "strings_to_formulas": False,
                "strings_to_urls": False,
                "strings_to_numbers": False,
            },
        )
        try:
            return self._write_sheet(workbook, objects)
        finally:
            workbook.close()

    def _write_sheet(self, workbook: Any, objects: Iterable[Any]) -> int:
        sheet = workbook.add_worksheet(_safe_sheet_name(self.sheet_name))
        sheet.set_column(0, len(self.columns) - 1, self.column_width)
        # The number formats openpyxl gave these types, so files read as before.
        formats = {
            dt.datetime: workbook.add_format({"num_format": "yyyy-mm-dd h:mm:ss"}),
            dt.date: workbook.add_format({"num_format": "yyyy-mm-dd"}),
            dt.time: workbook.add_format({"num_format": "h:mm:ss"}),
        }
        block = [line for line in self.title_lines if line]
        if self.title:
            block.append(self.title)
        title_format = workbook.add_format({"bold": True, "font_size": 12})
        for index, line in enumerate(block):
            sheet.write_string(index, 0, neutralize(str(line)), title_format)
        row = len(block) + 1 if block else 0
        bold = workbook.add_format({"bold": True})
        for col, header in enumerate(self.headers()):
            sheet.write_string(row, col, neutralize(header), bold)
        first = row + 1
        write_string, write_number = sheet.write_string, sheet.write_number
        for row, values in enumerate(self.rows(objects), start=first):
            for col, value in enumerate(values):
                kind = value.__class__
                if kind is str:
                    if value:
                        write_string(row, col, value)
                elif value is None:
                    continue
                elif kind is int or kind is float or kind is Decimal:
                    write_number(row, col, value)
                elif kind in formats:
                    sheet.write_datetime(row, col, value, formats[kind])
                else:
                    sheet.write(row, col, value)
        return row + 1 - first if row >= first else 0

    def to_bytes(self, objects: Iterable[Any]) -> bytes:
        """The workbook for ``objects`` as bytes."""
        buffer = io.BytesIO()
        self.write(objects, buffer)
        return buffer.getvalue()

    def as_http_response(self, objects: Iterable[Any], filename: str) -> HttpResponse:
        """A Django ``HttpResponse`` downloading the workbook as ``filename``.

        The Content-Disposition carries an ASCII fallback and an RFC 5987
        ``filename*`` so Vietnamese names ("Danh sách học sinh.xlsx") survive.
        """
        from django.http import HttpResponse

        if not filename.lower().endswith(".xlsx"):
            filename += ".xlsx"
        response = HttpResponse(self.to_bytes(objects), content_type=XLSX_CONTENT_TYPE)
        response["Content-Disposition"] = content_disposition(filename)
        return response


def _cell(value: Any) -> Any:
    # neutralize(to_excel_value(value)) with the common case, plain text, first.
    if value.__class__ is str:
        return "'" + value if value.startswith(_FORMULA_TRIGGERS) else value
    return neutralize(to_excel_value(value))


def content_disposition(filename: str) -> str:
    """``attachment`` header value with an ASCII fallback and UTF-8 ``filename*``."""
    # Strip path separators and control characters a browser could misuse.
    filename = re.sub(r'[\x00-\x1f\x7f/\\"]+', "_", filename).strip() or "export.xlsx"
    stem, dot, ext = filename.rpartition(".")
    ascii_stem = re.sub(r"[^A-Za-z0-9._-]+", "_", _strip_accents(stem if dot else filename))
    ascii_stem = ascii_stem.strip("_")
    fallback = f"{ascii_stem or 'export'}.{ext}" if dot else ascii_stem or "export"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def _strip_accents(text: str) -> str:
    # Like normalize.fold() but keeping case, for a readable ASCII file name.
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))


def _safe_sheet_name(name: str) -> str:
    # Excel forbids []:*?/\ in sheet titles and caps them at 31 characters.
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", str(name)).strip()[:31]
    return cleaned or "Sheet1"
