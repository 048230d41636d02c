"""Raw cells of one worksheet (``Sheet``), the error every reader raises, row numbers.

``RowNumber`` numbers the rows of a list spread over several sheets ("Sheet 6A,
dòng 12"); ``Sheet.convert_row`` turns legacy-encoded cells (TCVN3, VNI) into
Unicode as rows are read.  Pure Python: no models, no database.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from kernel.legacy import convert_cell
from kernel.normalize import clean_text, fold
from kernel.xlsx_layout import SheetLayout

DEFAULT_MAX_BYTES = 20 * 1024 * 1024
HEADER_SCAN_ROWS = 30


# Row numbers of a list spread over several sheets: sheet position × ROW_STRIDE +
# Excel row, so every row of the file has its own number (and sorts by sheet).
ROW_STRIDE = 1_000_000


class RowNumber(int):
    """The row number of a list read from several sheets, shown as "Sheet 6A, dòng 12".

    Its ``int`` value is unique across the file's sheets (``ROW_STRIDE``), so it
    keys errors, duplicates and changes like a plain row number; ``excel_row`` is
    the row in Excel and ``sheet`` the sheet's name.  Single-sheet files keep plain
    ``int`` row numbers (and their "Dòng 12" wording).
    """

    sheet: str
    excel_row: int

    def __new__(cls, position: int, excel_row: int, sheet: str) -> RowNumber:
        number = super().__new__(cls, position * ROW_STRIDE + excel_row)
        number.sheet = sheet
        number.excel_row = excel_row
        return number

    def __reduce__(self) -> tuple[Any, ...]:
        return (RowNumber, (int(self) // ROW_STRIDE, self.excel_row, self.sheet))

    def __str__(self) -> str:
        return _("Sheet %(sheet)s, dòng %(row)s") % {"sheet": self.sheet, "row": self.excel_row}

    def __format__(self, spec: str) -> str:
        return str(self) if not spec else format(int(self), spec)

    @staticmethod
    def decode(value: int, sheets: Sequence[str]) -> RowNumber | int:
        """A stored row number back as a ``RowNumber`` given the file's list sheets."""
        position, excel_row = divmod(int(value), ROW_STRIDE)
        if len(sheets) < 2 or position >= len(sheets):
            return int(value)
        return RowNumber(position, excel_row, sheets[position])


def row_ref(row: int) -> str:
    """ "dòng 12", or "Sheet 6A, dòng 12" for a row of a several-sheet list."""
    if isinstance(row, RowNumber):
        return str(row)
    return _("dòng %(row)s") % {"row": row}


_CLASS_SHEET_RE = re.compile(r"^(?:lop )?((\d{1,2}) ?[a-z]?\d{0,2})$")


def sheet_class(sheet_name: str) -> str:
    """The class a sheet is named after ("6A", "Lớp 7B1" -> "7B1"), or ""."""
    text = clean_text(sheet_name)
    match = _CLASS_SHEET_RE.match(re.sub(r"[^a-z0-9]+", " ", fold(text)).strip())
    if match is None or not 1 <= int(match.group(2)) <= 12:
        return ""
    words = text.split()
    return words[-1] if len(words) > 1 and fold(words[0]) == "lop" else text


class SpreadsheetError(Exception):
    """An upload that cannot be used, with one clear Vietnamese sentence for the user."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


_PLAIN_KEPT = 50_000  # bounds the memory of ``Sheet._plain``


@dataclass
class Sheet:
    """Raw cells of one worksheet.

    ``rows[0]`` is Excel row 1 (leading blank rows are kept so row numbers match
    what the user sees).  Values are as calamine gives them: ``str`` ("" for an
    empty cell), ``float`` (also for integers), ``int``, ``bool``, ``date``,
    ``datetime``, ``time``.  ``merged`` lists merged ranges as 0-based
    ``((first_row, first_col), (last_row, last_col))`` when the format reports them.
    """

    rows: list[list[Any]]
    sheet_name: str = ""
    format: str = ""
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)
    # Rows of the whole worksheet when ``rows`` holds only its head (streamed reads).
    height: int | None = None
    # 0-based indexes of rows hidden in Excel (not on the printed, signed list).
    hidden_rows: set[int] = field(default_factory=set)
    # Cells converted from a legacy encoding, per encoding ("tcvn3", "vni").
    converted: dict[str, int] = field(default_factory=dict)
    # (row, col) -> legacy encoding of the cell's font, for rows still to be read.
    cell_encodings: dict[tuple[int, int], str] = field(default_factory=dict, repr=False)
    # The workbook's other non-empty visible worksheets (a list with one sheet per class).
    others: list[Sheet] = field(default_factory=list, repr=False)
    # Non-ASCII texts judged from their text alone to be Unicode (``convert_row``).
    _plain: set[str] = field(default_factory=set, repr=False, compare=False)

    def convert_row(self, index: int, row: list[Any]) -> list[Any]:
        """Convert the legacy-encoded text cells of row ``index`` (0-based) in place."""
        encodings = self.cell_encodings
        if not encodings:
            # The common case: every text is ASCII, or Unicode already seen to stay as it
            # is (names, villages and communes repeat down a list).
            plain = self._plain
            for value in row:
                if value.__class__ is str and value not in plain and not value.isascii():
                    break
            else:
                return row
        for col, value in enumerate(row):
            if not isinstance(value, str) or not value:
                continue
            font = encodings.get((index, col)) if encodings else None
            if font is None and value.isascii():
                continue
            new, encoding = convert_cell(value, font)
            if encoding is not None:
                row[col] = new
                self.converted[encoding] = self.converted.get(encoding, 0) + 1
            elif font is None and len(self._plain) < _PLAIN_KEPT:
                self._plain.add(value)
        return row

    def apply_layout(self, layout: SheetLayout | None) -> None:
        """Take the hidden rows and cell fonts the extent scan read (xlsx) and convert
        legacy-encoded cells."""
        if layout is not None:
            self.hidden_rows = layout.hidden_rows
            self.cell_encodings = layout.cell_encodings
        for index, row in enumerate(self.rows):
            self.convert_row(index, row)

    @property
    def row_count(self) -> int:
        return self.height if self.height is not None else len(self.rows)

    @property
    def width(self) -> int:
        return max((len(row) for row in self.rows), default=0)

    def cell(self, row_index: int, col: int) -> Any:
        """Value at 0-based (row, col), ``""`` outside the data."""
        if 0 <= row_index < len(self.rows) and 0 <= col < len(self.rows[row_index]):
            return self.rows[row_index][col]
        return ""


def is_blank_row(row: Sequence[Any]) -> bool:
    """True when every cell of ``row`` is empty or whitespace."""
    return all(clean_text(v) == "" for v in row)
