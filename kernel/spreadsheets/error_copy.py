"""The uploaded rows back as .xlsx with a "Lỗi" column, to fix and upload again."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

from django.utils.translation import gettext as _

from kernel.spreadsheets.sheet import ROW_STRIDE, Sheet
from kernel.spreadsheets.tables import Table


def write_error_copy(
    sheet: Sheet, table: Table, errors_by_row: Mapping[int, Sequence[str]]
) -> bytes:
    """Return an .xlsx of the original rows plus a last column "Lỗi" with each row's errors.

    ``errors_by_row`` is keyed by 1-based Excel row number (as in
    ``ImportReport.errors_by_row()``).  Header rows are bold; every value is
    neutralised against formula injection.

    A list over several sheets gives one sheet per list sheet, same name, same
    rows, each with its own "Lỗi" column (``errors_by_row`` keyed by ``RowNumber``
    values): the school fixes each class where it always keeps it.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    if table.position is None:
        _write_error_sheet(workbook, sheet, table, errors_by_row)
    else:
        for each in table.tables:
            own = {
                number % ROW_STRIDE: messages
                for number, messages in errors_by_row.items()
                if number // ROW_STRIDE == each.position
            }
            _write_error_sheet(workbook, each.sheet, each, own)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _write_error_sheet(
    workbook: Any, sheet: Sheet, table: Table, errors_by_row: Mapping[int, Sequence[str]]
) -> None:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    from kernel.exporters import neutralize

    worksheet = workbook.create_sheet(title=(sheet.sheet_name or "Danh sách")[:31] or "Sheet1")
    bold = Font(bold=True)
    red = Font(color="C00000")
    width = sheet.width
    error_col = width
    worksheet.column_dimensions[_column_letter(error_col)].width = 60
    header_index = table.header_row - 1  # -1 when no header was found
    header_top = table.first_header_row - 1
    for index, row in enumerate(sheet.rows):
        is_header = 0 <= header_top <= index <= header_index
        cells: list[Any] = []
        for col in range(width):
            value = neutralize(row[col] if col < len(row) else "")
            cell = WriteOnlyCell(worksheet, value=value)
            if is_header:
                cell.font = bold
            cells.append(cell)
        if index == header_index:
            tail = WriteOnlyCell(worksheet, value=_("Lỗi"))
            tail.font = bold
            cells.append(tail)
        else:
            messages = errors_by_row.get(index + 1)
            if messages:
                tail = WriteOnlyCell(worksheet, value=neutralize("; ".join(messages)))
                tail.font = red
                tail.alignment = Alignment(wrap_text=True, vertical="top")
                cells.append(tail)
        worksheet.append(cells)


def _column_letter(index: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(index + 1)
