"""Stages "locate header" and "map columns": where a sheet's list of pupils starts and
which column holds what (``kernel.spreadsheets.guess_table`` with the pupil columns)."""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _

from kernel.normalize import clean_text
from kernel.spreadsheets import Sheet, SpreadsheetError, Table, guess_table
from students.importers.columns import COLUMNS
from students.importers.layouts import missing_required

__all__ = ["guess", "is_list", "locate_table"]


def is_list(table: Table) -> bool:
    """A sheet with a pupil-list header and every required column."""
    return table.header_row > 0 and bool(table.mapping) and not table.missing_required


def year_or_male(table: Table) -> None:
    """Give a "Năm"/"Nam" column to the birth year or to the male mark by its accented header."""
    for wrong, right, word in (
        ("birth_year", "gender_male", "nam"),
        ("gender_male", "birth_year", "năm"),
    ):
        col = table.mapping.get(wrong)
        if col is None or right in table.mapping:
            continue
        words = clean_text(table.headers.get(col, "")).lower().split(" ")
        if words[-1:] == [word]:
            table.mapping[right] = table.mapping.pop(wrong)


def guess(
    sheet: Sheet,
    *,
    override: Mapping[str, int] | None = None,
    header_row: int | None = None,
) -> Table:
    """The header row and the column mapping of one sheet."""
    table = guess_table(sheet, COLUMNS, override=override, header_row=header_row)
    # A name in "Họ đệm" + "Tên", a date in "Ngày | Tháng | Năm", marks under
    # "Nam | Nữ" or one column per category stand for the required columns.
    year_or_male(table)
    table.missing_required = missing_required(table.missing_required, table.mapping)
    return table


def locate_table(
    sheet: Sheet,
    *,
    override: Mapping[str, int] | None = None,
    header_row: int | None = None,
) -> Table:
    """The table of pupils in ``sheet``; raises ``SpreadsheetError`` when it cannot be used.

    A workbook with one sheet per class: the table is found on the first sheet
    with a list header (``override`` and ``header_row`` apply to that one), and
    every other sheet whose header has the same required columns is read as
    more rows of the list (``Table.extra``); the others are named in
    ``Table.ignored_sheets``.
    """
    sheets = [sheet, *sheet.others]
    found = [guess(each) for each in sheets] if len(sheets) > 1 else []
    first = next((i for i, t in enumerate(found) if is_list(t)), 0)
    if found and not (override or header_row) and is_list(found[first]):
        table = found[first]
    else:
        table = guess(sheets[first], override=override, header_row=header_row)
    if found:
        # Every required column is mapped on a list sheet: the same as the first one's.
        read = {i for i, t in enumerate(found) if i > first and is_list(t)}
        table.add_sheets(
            [found[i] for i in sorted(read)],
            [t.sheet.sheet_name for i, t in enumerate(found) if i != first and i not in read],
        )
    if table.header_row == 0 or not table.mapping:
        raise SpreadsheetError(
            _(
                "Không tìm thấy dòng tiêu đề cột (ví dụ “Họ và tên”, “Ngày sinh”) "
                "trong 30 dòng đầu của tệp."
            )
        )
    return table
