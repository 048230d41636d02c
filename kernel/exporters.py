"""The one XLSX export mechanism for every list in the portal.

Subclass ``XlsxExporter`` (or instantiate it) with a title and columns, then
``write()`` to a file or stream, or ``as_http_response()``.  The sheet is written by
rustpy-xlsxwriter (Rust, rust_xlsxwriter underneath) in its constant-memory mode: each
row goes to a temporary file as it arrives, so a province-wide list does not build a
workbook in memory; run large exports in a Celery task.  Why that writer (issue 17): on
the registry's rows it needs about 7x less CPU than XlsxWriter and 14x less than
openpyxl's write-only mode at the same flat memory (``benchmarks/export_registry.py``,
README "Exports").

A column whose accessor is a ``Field`` reads ``values_list()`` rows instead of model
instances: when every column of an exporter is a ``Field`` and the rows come as a
queryset, no model instance is built, rows are converted a block at a time column by
column, and a choice column (``Field(..., labels=)``) or a column of repeating values
(``Field(..., repeats=True)``) is converted once per distinct value, not once per cell.
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
from itertools import chain, islice, repeat
from typing import TYPE_CHECKING, Any, BinaryIO
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
# Excel's limit on a cell's text, in UTF-16 code units; a str of at most half of it fits.
_CELL_TEXT_MAX = 32767
_TEXT_TYPES = frozenset({str, type(None)})


class Field:
    """A column read from plain queryset rows: the ORM ``paths`` it needs (``values_list``)
    and ``to``, called with their values in order, giving the cell (the first value
    itself without ``to``).  ``labels`` (a ``choices`` class or a mapping) translates a
    choice value to its label, once per value and export; an unknown value stays itself,
    as ``get_FOO_display()`` does.  ``repeats=True`` says the values repeat (a birth
    date, a school's name): each distinct value is converted once per export and kept,
    so do not set it on a column of unique values (names, IDs).  On an object (the
    in-memory path) the paths are followed as dotted attributes, so the same column
    serves both."""

    __slots__ = ("labels", "paths", "repeats", "to")

    def __init__(
        self,
        *paths: str,
        to: Callable[..., Any] | None = None,
        labels: Any = None,
        repeats: bool = False,
    ) -> None:
        if not paths:
            raise ValueError("Field needs at least one path")
        self.paths, self.to, self.labels, self.repeats = paths, to, labels, repeats

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

    def column(self) -> Callable[..., Iterable[Any]]:
        """A function of this column's value columns (one per path, for a block of rows)
        giving its cells, converted and neutralised; one function per export, so the
        converted distinct values of a ``labels``/``repeats`` column are kept across
        blocks.  A column needing no conversion is passed through whole when none of its
        texts needs escaping (``_text_cells``), and so is a converted column (masked IDs)."""
        convert = self.bind()
        if self.labels is not None or self.repeats:
            if len(self.paths) == 1:
                once = _Memo(convert)
                return lambda values: map(once.__getitem__, values)
            tuples = _Memo(lambda key: convert(*key))
            return lambda *values: map(tuples.__getitem__, zip(*values, strict=True))
        if self.to is None and len(self.paths) == 1:
            return _text_cells
        return lambda *values: _text_cells(list(map(convert, *values)))


def _first(value: Any, *_rest: Any) -> Any:
    return value


class _Memo(dict[Any, Any]):
    """``memo[value]``: the cell of ``value``, converted on first sight and kept."""

    __slots__ = ("convert",)

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__()
        self.convert = convert

    def __missing__(self, key: Any) -> Any:
        cell = self[key] = _cell(self.convert(key))
        return cell


def _text_cells(values: Sequence[Any]) -> Sequence[Any]:
    # A column of texts and blanks (most of them) is its own cells unless one text needs
    # escaping or is too long: checked with C-level loops, not a Python call per cell.
    if (
        set(map(type, values)) <= _TEXT_TYPES
        and not any(map(str.startswith, filter(None, values), repeat(_FORMULA_TRIGGERS)))
        and max(map(len, filter(None, values)), default=0) <= _CELL_TEXT_MAX // 2
    ):
        return values
    return list(map(_cell, values))


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

    def rows(self, objects: Iterable[Any]) -> Iterator[Sequence[Any]]:
        """Yield one sequence of cell values per object, converted and neutralised.

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
            yield [_cell(resolve(obj, accessor)) for _header, accessor in self.columns]

    def _plain_rows(self, queryset: Any) -> Iterator[tuple[Any, ...]]:
        # A block of rows at a time, column by column: the per-cell work is C-level
        # map/zip over a column, not a Python call per cell (issue 17).
        paths: list[str] = []
        plan: list[tuple[int, int, Callable[..., Iterable[Any]]]] = []
        for _header, field in self.columns:
            assert isinstance(field, Field)  # noqa: S101 -- rows() sends only Field columns
            plan.append((len(paths), len(field.paths), field.column()))
            paths.extend(field.paths)
        size = self.queryset_chunk_size
        source = queryset.values_list(*paths).iterator(chunk_size=size)
        while block := list(islice(source, size)):
            values = list(zip(*block, strict=True))
            yield from zip(*(cells(*values[at : at + n]) for at, n, cells in plan), strict=True)

    def write(
        self, objects: Iterable[Any], stream_or_path: BinaryIO | str | os.PathLike[str]
    ) -> int:
        """Write the workbook for ``objects`` to a binary stream or a file path; the rows
        written (below the header).

        Title lines are merged across the table's width (bold, 12 pt), a blank row, then
        the bold header; every column ``column_width`` wide.  Dates read back as dates
        (``yyyy-mm-dd``), datetimes with ``yyyy-mm-dd h:mm:ss``: a column is a date
        column when its first value among the first rows is a date (the writer formats
        by column); numbers as numbers, text as text (never a formula or a link)."""
        import rustpy_xlsxwriter as xlsx

        keys = _unique([neutralize(header) for header in self.headers()])
        rows = self.rows(objects)
        head = list(islice(rows, _SNIFF_ROWS))
        written = 0

        def records() -> Iterator[dict[str, Any]]:
            nonlocal written
            for record in map(dict, map(zip, repeat(keys), chain(head, rows))):
                written += 1
                yield record
            if not written:  # the writer takes the header from the first record
                yield dict.fromkeys(keys)

        block = [neutralize(str(line)) for line in self.title_lines if line]
        if self.title:
            block.append(neutralize(str(self.title)))
        title = xlsx.Format().set_bold().set_font_size(12)
        last = max(len(keys) - 1, 1)  # Excel refuses a merge of one cell
        xlsx.write_worksheet(
            records(),
            stream_or_path,
            sheet_name=_safe_sheet_name(self.sheet_name),
            header_row=len(block) + 1 if block else 0,
            header_format=xlsx.Format().set_bold(),
            merge_ranges=[(row, 0, row, last, line, title) for row, line in enumerate(block)],
            column_width=self.column_width,
            column_formats=_date_columns(keys, head, xlsx.Format().set_num_format("yyyy-mm-dd")),
            datetime_format="yyyy-mm-dd h:mm:ss",
        )
        return written

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
    # neutralize(to_excel_value(value)) with the common case, plain text, first; text
    # past Excel's limit is cut there, as XlsxWriter did (the Rust writer refuses it).
    if value.__class__ is not str:
        value = neutralize(to_excel_value(value))
        if value.__class__ is not str:
            return value
    elif value.startswith(_FORMULA_TRIGGERS):
        value = "'" + value
    if len(value) > _CELL_TEXT_MAX // 2:
        return _fit_text(value)
    return value


def _fit_text(text: str) -> str:
    # At most _CELL_TEXT_MAX UTF-16 code units (a character past U+FFFF counts two).
    units = 0
    for index, char in enumerate(text):
        units += 2 if ord(char) > 0xFFFF else 1
        if units > _CELL_TEXT_MAX:
            return text[:index]
    return text


# The first rows looked at for each column's kind of value (see ``XlsxExporter.write``).
_SNIFF_ROWS = 500


def _date_columns(keys: Sequence[str], head: Sequence[Sequence[Any]], date: Any) -> dict[str, Any]:
    """``{key: date}`` for each column whose first value in ``head`` is a date (not a
    datetime): the writer formats dates by column, datetimes by default."""
    formats: dict[str, Any] = {}
    for index, key in enumerate(keys):
        first = next((row[index] for row in head if row[index] is not None), None)
        if first.__class__ is dt.date:
            formats[key] = date
    return formats


def _unique(headers: Sequence[str]) -> list[str]:
    # The writer keys a row's cells by header text: a repeated header gets a trailing
    # space per earlier use, so two "Ghi chú" columns both keep their cells.
    keys: list[str] = []
    for header in headers:
        while header in keys:
            header += " "
        keys.append(header)
    return keys


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
    # Excel forbids []:*?/\\ in sheet titles, an apostrophe at either end, and caps them
    # at 31 characters.
    cleaned = re.sub(r"[\[\]:*?/\\]", " ", str(name)).strip()[:31].strip("'").strip()
    return cleaned or "Sheet1"
