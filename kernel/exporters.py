"""The one XLSX export mechanism for every list in the portal.

Subclass ``XlsxExporter`` (or instantiate it) with a title and columns, then
``write()`` to a file or stream, or ``as_http_response()``.  Rows are streamed
through openpyxl's write-only mode, so a province-wide list (250k pupils) does
not build a workbook in memory; run large exports in a Celery task.
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
    "XlsxExporter",
    "content_disposition",
    "neutralize",
    "resolve",
    "to_excel_value",
]

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

# Spreadsheet programs evaluate text starting with these as a formula (CSV/DDE
# injection, OWASP).  openpyxl even stores any str starting with "=" as a formula.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

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

        A queryset is iterated with ``.iterator()`` so rows are not all cached.
        """
        iterator = getattr(objects, "iterator", None)
        source = iterator(chunk_size=self.queryset_chunk_size) if callable(iterator) else objects
        for obj in source:
            yield [
                neutralize(to_excel_value(resolve(obj, accessor)))
                for _header, accessor in self.columns
            ]

    def write(
        self, objects: Iterable[Any], stream_or_path: IO[bytes] | str | os.PathLike[str]
    ) -> None:
        """Write the workbook for ``objects`` to a binary stream or a file path."""
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell
        from openpyxl.styles import Font
        from openpyxl.utils import get_column_letter

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(title=_safe_sheet_name(self.sheet_name))
        for index in range(len(self.columns)):
            sheet.column_dimensions[get_column_letter(index + 1)].width = self.column_width
        bold = Font(bold=True)
        block = [line for line in self.title_lines if line]
        if self.title:
            block.append(self.title)
        for line in block:
            cell = WriteOnlyCell(sheet, value=neutralize(str(line)))
            cell.font = Font(bold=True, size=12)
            sheet.append([cell])
        if block:
            sheet.append([])
        header_cells = []
        for header in self.headers():
            cell = WriteOnlyCell(sheet, value=neutralize(header))
            cell.font = bold
            header_cells.append(cell)
        sheet.append(header_cells)
        for row in self.rows(objects):
            sheet.append(row)
        workbook.save(stream_or_path)

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
