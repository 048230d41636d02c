"""Pupil lists in the layouts of issue 12: legacy encodings, class sections, merged and hidden rows."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest
from django.urls import reverse
from openpyxl.styles import Font

from schools.models import ImportBatch
from students.models import Student
from tests.schools.test_reader_layouts import tcvn3_encode, vni_encode
from tests.students.test_cell_values import Y6, errors_of, run, stored
from tests.students.test_import_flow import check, upload

pytestmark = pytest.mark.django_db

Y7 = Y6 - 1
SCHOOL, COMMUNE = "08700002", "Xã Tân Tiến"
TITLE = ["UBND HUYỆN BẢO YÊN", "TRƯỜNG PTDTBT THCS TÂN TIẾN", "DANH SÁCH HỌC SINH"]
HEADER = ["STT", "Họ và tên", "Ngày sinh", "Giới tính", "Mã định danh",
          "Họ tên cha/mẹ/người giám hộ", "Số điện thoại", "Diện hộ", "Mã hộ"]  # fmt: skip


def book(rows, *, fonts=None, hidden=(), merges=()):
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh sach"
    for row in rows:
        sheet.append(list(row))
    for number, name in (fonts or {}).items():
        for cell in sheet[number]:
            cell.font = Font(name=name)
    for number in hidden:
        sheet.row_dimensions[number].hidden = True
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def legacy_sections_list(*, bad_date: bool = False) -> bytes:
    """A list typed in TCVN3 (ABC), headers included, in class sections, siblings merged."""
    unicode_rows = [
        ["Lớp 6A"],  # row 5
        [1, "Giàng Seo Phủ", f"05/07/{Y6}", "Nam", "3000000001", "Giàng A Páo", "0912300001",
         "Hộ nghèo", "HN-1"],
        [2, "Giàng Thị Mẩy", f"31/02/{Y6}" if bad_date else f"06/08/{Y6}", "Nữ", "3000000002",
         "", "", "", ""],
        [3, "Lường Văn Thắng", f"07/09/{Y6}", "Nam", "3000000003", "Lường Văn Hưởng",
         "0912300003", "Hộ cận nghèo", "HCN-3"],
        [4, "Thào A Dế", f"08/09/{Y6}", "Nam", "3000000004", "Thào A Lử", "0912300004",
         "Hộ nghèo", "HN-4"],  # row 9, hidden
        ["", "Cộng lớp 6A: 4 học sinh"],
        [],
        ["Lớp 7A"],  # row 12
        [1, "Hoàng Thị Ngọc", f"09/10/{Y7}", "Nữ", "3000000005", "Hoàng Văn Đức", "0912300005",
         "Hộ nghèo", "HN-5"],
        ["Cộng lớp 7A: 1 học sinh"],
        [],
        ["Ghi chú: danh sách gồm học sinh thuộc hộ nghèo, cận nghèo"],
        ["", "", "", "", "Bảo Yên, ngày 05 tháng 9 năm 2026"],
        ["Người lập biểu", "", "", "", "HIỆU TRƯỞNG"],
        ["(Ký, ghi rõ họ tên)", "", "", "", "(Ký tên, đóng dấu)"],
        ["Vàng Văn Minh", "", "", "", "Lý Thị Hoa"],
    ]  # fmt: skip
    rows = [[tcvn3_encode(line, upper_font=True)] for line in TITLE]
    rows.append([tcvn3_encode(h) for h in HEADER])
    rows += [[tcvn3_encode(c) if isinstance(c, str) else c for c in r] for r in unicode_rows]
    fonts = dict.fromkeys((1, 2, 3), ".VnTimeH") | dict.fromkeys(range(4, 4 + 21), ".VnTime")
    return book(rows, fonts=fonts, hidden=[9], merges=["F6:F7", "G6:G7", "H6:H7", "I6:I7"])


EXPECTED = [
    ("3000000001", "Giàng Seo Phủ", dt.date(Y6, 7, 5), "M", None, SCHOOL, "6A", 6, "", COMMUNE,
     None, "poor", "HN-1", "Giàng A Páo", "0912300001", "", ("", False), False, ""),
    ("3000000002", "Giàng Thị Mẩy", dt.date(Y6, 8, 6), "F", None, SCHOOL, "6A", 6, "", COMMUNE,
     None, "poor", "HN-1", "Giàng A Páo", "0912300001", "", ("", False), False, ""),
    ("3000000003", "Lường Văn Thắng", dt.date(Y6, 9, 7), "M", None, SCHOOL, "6A", 6, "",
     COMMUNE, None, "near-poor", "HCN-3", "Lường Văn Hưởng", "0912300003", "", ("", False),
     False, ""),
    ("3000000005", "Hoàng Thị Ngọc", dt.date(Y7, 10, 9), "F", None, SCHOOL, "7A", 7, "",
     COMMUNE, None, "poor", "HN-5", "Hoàng Văn Đức", "0912300005", "", ("", False), False, ""),
]  # fmt: skip


def test_tcvn3_list_in_class_sections_with_merged_siblings_and_a_hidden_row(school_staff):
    report = run(legacy_sections_list(), school_staff)
    assert errors_of(report) == []
    assert report.rows == 4
    assert stored() == EXPECTED


def test_strict_import_with_an_error_writes_nothing_and_names_the_row(school_staff):
    data = legacy_sections_list(bad_date=True)
    report = run(data, school_staff)
    assert errors_of(report) == [(7, "date_of_birth", "ngày không tồn tại")]
    assert Student.objects.count() == 0
    run(data, school_staff, skip_invalid=True)
    assert stored() == [EXPECTED[0], EXPECTED[2], EXPECTED[3]]


def test_vni_cells_pasted_into_a_unicode_list(school_staff):
    rows = [
        *([t] for t in TITLE),
        [*HEADER, "Lớp"],
        [1, "Giàng Seo Phủ", f"05/07/{Y6}", "Nam", "3000000001", "Giàng A Páo", "0912300001",
         "Hộ nghèo", "HN-1", "6A"],
        [2, vni_encode("Lường Văn Thắng"), f"07/09/{Y6}", "Nam", "3000000003",
         vni_encode("Lường Văn Hưởng"), "0912300003", vni_encode("Hộ cận nghèo"), "HCN-3", "6A"],
    ]  # fmt: skip
    report = run(book(rows, fonts={6: "VNI-Times"}), school_staff)
    assert errors_of(report) == []
    assert stored() == [EXPECTED[0], EXPECTED[2]]


def test_dry_run_page_shows_conversions_hidden_rows_and_sections(client_for, school_staff):
    client = client_for(school_staff)
    upload(client, legacy_sections_list())
    batch = ImportBatch.objects.get()
    check(client, batch)
    batch.refresh_from_db()
    assert batch.status == "validated"
    assert (batch.rows, batch.created, batch.error_count) == (4, 4, 0)
    # 3 title lines + 8 headers + 26 accented cells below (incl. the hidden row, the
    # headings, notes and signatures; "HIỆU TRƯỞNG" has no TCVN3 form and stays Unicode).
    assert batch.options["reading"] == [
        "37 ô được chuyển từ bảng mã TCVN3 (ABC) sang Unicode.",
        "Dòng 9 bị ẩn, không nhập.",
        "Đã đọc 2 mục lớp: 6A, 7A.",
    ]
    notices = batch.options["reading"]
    page = client.get(reverse("students:import_detail", args=[batch.pk])).content.decode()
    for notice in notices:
        assert notice in page
    assert Student.objects.count() == 0
