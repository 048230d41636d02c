"""Issue 12: a pupil list with one sheet per class ("6A", "6B") and a summary sheet."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse

from schools.models import ImportBatch
from students.models import Student
from tests.students.helpers import HEADER, TITLE, born_for_grade, pupil
from tests.students.test_cell_values import errors_of, run, stored
from tests.students.test_import_flow import check, upload

pytestmark = pytest.mark.django_db

# The class comes from the sheet name: no "Lớp" column.
CLASS_COL = HEADER.index("Lớp")
SHEET_HEADER = HEADER[:CLASS_COL] + HEADER[CLASS_COL + 1 :]


def row(n: int, grade: int, **overrides):
    cells = pupil(n, **{"Ngày sinh": born_for_grade(grade, f"{n:02d}/04"), **overrides})
    return cells[:CLASS_COL] + cells[CLASS_COL + 1 :]


def workbook(sheets: dict[str, list[list]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for cells in rows:
            sheet.append(list(cells))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def class_sheet(class_name: str, pupils: list[list]) -> list[list]:
    """Title block (rows 1-5), a second title line naming the class (row 6), header (row 7)."""
    return [*([t] for t in TITLE), [f"LỚP {class_name}"], SHEET_HEADER, *pupils]


SUMMARY = [["TỔNG HỢP SỐ HỌC SINH"], ["Lớp", "Số học sinh"], ["6A", 2], ["6B", 1], ["Cộng", 3]]


def per_class(*, bad_6b: bool = False, twin_in_6b: bool = False) -> bytes:
    sheet_6b = [row(3, 6, **({"Ngày sinh": "31/02/2014"} if bad_6b else {}))]
    if twin_in_6b:
        sheet_6b.append(row(1, 6))  # pupil 1 again: also on sheet 6A, row 8
    return workbook(
        {
            "6A": class_sheet("6A", [row(1, 6), row(2, 6)]),  # rows 8, 9
            "6B": class_sheet("6B", sheet_6b),  # row 8 (and 9)
            "Tổng hợp": SUMMARY,
        }
    )


def expected(n: int, class_name: str) -> tuple:
    dob = born_for_grade(6, f"{n:02d}/04")
    day, month, year = (int(part) for part in dob.split("/"))
    cells = dict(zip(HEADER, pupil(n), strict=True))
    return (
        cells["Mã định danh"],
        cells["Họ và tên"],
        dt.date(year, month, day),
        "M" if n % 2 else "F",
        "Mông",
        "08700002",
        class_name,
        6,
        "",
        "Xã Tân Tiến",
        "Thôn Nậm Đét",
        "poor",
        cells["Mã hộ"],
        cells["Họ tên cha/mẹ/người giám hộ"],
        cells["Số điện thoại"],
        "",
        ("tablet", True),
        False,
        "",
    )


def test_every_class_sheet_is_read_with_its_class_and_the_summary_is_ignored(school_staff):
    report = run(per_class(), school_staff)
    assert errors_of(report) == []
    assert report.rows == 3
    assert stored() == [expected(1, "6A"), expected(2, "6A"), expected(3, "6B")]


def test_an_error_on_sheet_6b_names_the_sheet_and_a_strict_import_writes_nothing(
    client_for, school_staff
):
    client = client_for(school_staff)
    upload(client, per_class(bad_6b=True))
    batch = ImportBatch.objects.get()
    assert batch.rows == 3
    check(client, batch)
    batch.refresh_from_db()
    assert (batch.status, batch.message, batch.error_count) == ("validated", "", 1)
    assert batch.options["reading"][0] == (
        "Đã đọc 2 sheet: 6A, 6B. Bỏ qua sheet không phải danh sách: Tổng hợp."
    )
    page = client.get(reverse("students:import_detail", args=[batch.pk])).content.decode()
    assert "Sheet 6B, dòng 8, Ngày sinh: ngày không tồn tại" in page
    assert "Dòng 8" not in page
    assert "Bỏ qua sheet không phải danh sách: Tổng hợp." in page

    # The error copy keeps the class sheets, with the error on sheet 6B's row 8.
    copy = client.get(reverse("students:import_error_file", args=[batch.pk]))
    book = openpyxl.load_workbook(io.BytesIO(copy.content))
    assert book.sheetnames == ["6A", "6B"]
    error_col = len(SHEET_HEADER) + 1
    assert book["6B"].cell(row=7, column=error_col).value == "Lỗi"
    assert book["6B"].cell(row=8, column=error_col).value == "Ngày sinh: ngày không tồn tại"
    assert book["6A"].cell(row=8, column=error_col).value is None
    assert book["6A"].cell(row=8, column=2).value == pupil(1)[1]

    client.post(reverse("students:import_confirm", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.status == "validated"
    assert Student.objects.count() == 0


def test_strict_import_of_a_file_with_an_error_on_6b_writes_nothing(school_staff):
    report = run(per_class(bad_6b=True), school_staff)
    assert [str(e) for e in report.errors] == ["Sheet 6B, dòng 8, Ngày sinh: ngày không tồn tại"]
    assert Student.objects.count() == 0
    run(per_class(bad_6b=True), school_staff, skip_invalid=True)
    assert stored() == [expected(1, "6A"), expected(2, "6A")]


def test_a_duplicate_across_sheets_names_the_sheet_of_the_first_row(school_staff):
    report = run(per_class(twin_in_6b=True), school_staff)
    assert [str(e) for e in report.errors] == ["Sheet 6B, dòng 9: trùng với Sheet 6A, dòng 8"]
    assert Student.objects.count() == 0


def test_one_class_sheet_keeps_plain_row_numbers_and_names_the_ignored_sheet(school_staff):
    data = workbook(
        {
            "Tổng hợp": SUMMARY,
            "6A": class_sheet("6A", [row(1, 6), row(2, 6, **{"Ngày sinh": "31/02/2014"})]),
        }
    )
    report = run(data, school_staff)
    assert [str(e) for e in report.errors] == ["Dòng 9, Ngày sinh: ngày không tồn tại"]
    run(data, school_staff, skip_invalid=True)
    assert stored() == [expected(1, "6A")]


def test_reimport_changes_and_hidden_rows_name_their_sheet(client_for, school_staff):
    run(per_class(), school_staff)
    changed = row(3, 6, **{"Số điện thoại": "0987654321"})
    sheets = {
        "6A": class_sheet("6A", [row(1, 6), row(2, 6), row(4, 6)]),  # row 10 hidden
        "6B": class_sheet("6B", [changed]),
        "Tổng hợp": SUMMARY,
    }
    book = openpyxl.Workbook()
    book.remove(book.active)
    for name, rows in sheets.items():
        sheet = book.create_sheet(name)
        for cells in rows:
            sheet.append(list(cells))
    book["6A"].row_dimensions[10].hidden = True
    buffer = io.BytesIO()
    book.save(buffer)

    client = client_for(school_staff)
    upload(client, buffer.getvalue())
    batch = ImportBatch.objects.get()
    check(client, batch)
    batch.refresh_from_db()
    assert (batch.status, batch.error_count) == ("validated", 0)
    assert batch.options["reading"] == [
        "Đã đọc 2 sheet: 6A, 6B. Bỏ qua sheet không phải danh sách: Tổng hợp.",
        "Sheet 6A: Dòng 10 bị ẩn, không nhập.",
    ]
    page = client.get(reverse("students:import_detail", args=[batch.pk])).content.decode()
    assert "<td>Sheet 6B, dòng 8</td>" in page
    client.post(reverse("students:import_confirm", args=[batch.pk]))
    assert Student.objects.get(pupil_code=pupil(3)[6]).household.guardian_phone == "0987654321"
    assert Student.objects.count() == 3


def test_the_extent_guard_and_the_row_limit_hold_for_every_sheet(school_staff, settings):
    from kernel.spreadsheets import SpreadsheetError, read_rows
    from students.fastrows import read_streaming

    book = openpyxl.Workbook()
    book.active.title = "6A"
    book.active.append(["Họ và tên"])
    book.create_sheet("6B")["XFD1048576"] = "x"
    buffer = io.BytesIO()
    book.save(buffer)
    with pytest.raises(SpreadsheetError) as caught:
        read_rows(buffer.getvalue())
    assert "“6B”" in caught.value.message and "XFD1048576" in caught.value.message

    # 2 + 1 data rows over two class sheets: a limit of 2 rows counts them all.
    limit = "tối đa 2 dòng dữ liệu"
    padded = workbook(
        {name: [[""]] * 30 + rows for name, rows in (("6A", [["a"], ["b"]]), ("6B", [["c"]]))}
    )
    with pytest.raises(SpreadsheetError, match=limit):
        read_rows(padded, max_rows=2)
    with pytest.raises(SpreadsheetError, match=limit):
        read_streaming(padded, max_bytes=10**7, max_rows=2)
    sheet = read_rows(padded)
    assert [s.sheet_name for s in (sheet, *sheet.others)] == ["6A", "6B"]


def test_one_sheet_files_stream_and_the_exact_limit_counts_every_class_sheet(
    school_staff, monkeypatch
):
    from kernel import safe_read
    from kernel.spreadsheets import SpreadsheetError
    from students.fastrows import read_streaming

    # Three data rows over sheets 6A and 6B: the fourth-row limit error names the sheet.
    with pytest.raises(SpreadsheetError) as caught:
        run(per_class(), school_staff, max_rows=2)
    assert "(Sheet 6B, dòng 8 đã là dòng dữ liệu thứ 3)" in caught.value.message

    # A one-sheet workbook (a hidden sheet does not count) keeps the chunked stream.
    book = openpyxl.Workbook()
    book.active.title = "6A"
    for cells in class_sheet("6A", [row(1, 6)]):
        book.active.append(cells)
    book.create_sheet("Ẩn").sheet_state = "hidden"
    buffer = io.BytesIO()
    book.save(buffer)

    def whole(*args, **kwargs):
        raise AssertionError("read whole")

    monkeypatch.setattr(safe_read, "read_workbook", whole)
    sheet, rest = read_streaming(buffer.getvalue(), max_bytes=10**7)
    assert (sheet.sheet_name, sheet.others, len(sheet.rows) + len(list(rest))) == ("6A", [], 8)
