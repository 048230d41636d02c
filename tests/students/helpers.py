"""Build small spreadsheets in the layouts real household lists use."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Iterable, Sequence
from typing import Any

import openpyxl

HEADER = [
    "STT", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Lớp", "Mã định danh",
    "Họ tên cha/mẹ/người giám hộ", "Số điện thoại", "Thôn/bản", "Xã/phường", "Diện hộ", "Mã hộ",
    "Nhu cầu hỗ trợ", "Ghi chú",
]  # fmt: skip
TITLE = ["UBND HUYỆN BẢO YÊN", "TRƯỜNG PTDTBT THCS TÂN TIẾN", "", "DANH SÁCH HỌC SINH", ""]


FAMILY = ["Giàng", "Sùng", "Thào", "Lý", "Vàng", "Hầu", "Mua"]
MIDDLE = ["Seo", "A", "Thị", "Mí"]
GIVEN = ["Phủ", "Chứ", "Sinh", "Lử", "Pà", "Dế", "Mẩy", "Súa"]


def pupil(n: int, **overrides: Any) -> list[Any]:
    """One valid row of the standard layout; ``overrides`` by header text."""
    row = {
        "STT": n,
        "Họ và tên": f"{FAMILY[n % 7]} {MIDDLE[n % 4]} {GIVEN[n % 8]}",
        "Ngày sinh": f"{(n % 27) + 1:02d}/04/2009",
        "Giới tính": "Nam" if n % 2 else "Nữ",
        "Dân tộc": "Mông",
        "Lớp": "6A",
        "Mã định danh": f"{3000000000 + n}",
        "Họ tên cha/mẹ/người giám hộ": f"{FAMILY[n % 7]} A Páo",
        "Số điện thoại": f"09123{n:05d}",
        "Thôn/bản": "Thôn Nậm Đét",
        "Xã/phường": "Xã Tân Tiến",
        "Diện hộ": "Hộ nghèo",
        "Mã hộ": f"HN-{n:04d}",
        "Nhu cầu hỗ trợ": "Máy tính bảng, Gói cước",
        "Ghi chú": "",
    }
    row.update(overrides)
    return [row[h] for h in HEADER]


def sibling(n: int, of: int, **overrides: Any) -> list[Any]:
    """Pupil ``n`` of the household of pupil ``of``: same household code and head of household."""
    first = dict(zip(HEADER, pupil(of), strict=True))
    same = {key: first[key] for key in ("Mã hộ", "Họ tên cha/mẹ/người giám hộ")}
    return pupil(n, **{**same, **overrides})


def born_for_grade(grade: int, day_month: str = "05/04") -> str:
    """A birth date typical of ``grade`` this school year (6 years old in grade 1)."""
    today = dt.date.today()
    start = today.year if today.month >= 8 else today.year - 1
    return f"{day_month}/{start - grade - 6}"


def xlsx(
    rows: Iterable[Sequence[Any]], *, merges: Sequence[str] = (), title: str = "Danh sach"
) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def standard(pupils: Iterable[Sequence[Any]], *, title: Sequence[str] = TITLE) -> bytes:
    return xlsx([[line] for line in title] + [HEADER, *pupils])
