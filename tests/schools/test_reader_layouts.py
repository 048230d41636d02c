"""The shared reading pipeline: legacy encodings, sections, notes, merged and hidden rows (issue 12)."""

from __future__ import annotations

import io
import unicodedata

import openpyxl
import pytest
from openpyxl.styles import Font

from kernel.legacy import TCVN3, VNI, convert_cell, decode_vni, looks_like_vni
from kernel.normalize import _TCVN3_TO_UNICODE
from kernel.spreadsheets import ColumnSpec, locate_table, read_rows

COLUMNS = (
    ColumnSpec("name", "Họ và tên", ("họ tên",), required=True),
    ColumnSpec("dob", "Ngày sinh", required=True),
    ColumnSpec("class_name", "Lớp", required=True, from_section=True),
    ColumnSpec("village", "Thôn/bản"),
    ColumnSpec("phone", "Số điện thoại"),
)

# ------------------------------------------------------------ test-side encoders

_TONE_VNI = {"\u0301": "ù", "\u0300": "ø", "\u0309": "û", "\u0303": "õ", "\u0323": "ï"}
_CIRC_VNI = {"": "â", "\u0301": "á", "\u0300": "à", "\u0309": "å", "\u0303": "ã", "\u0323": "ä"}
_BREVE_VNI = {"": "ê", "\u0301": "é", "\u0300": "è", "\u0309": "ú", "\u0303": "ü", "\u0323": "ë"}
_I_VNI = {"\u0301": "í", "\u0300": "ì", "\u0309": "æ", "\u0303": "ó", "\u0323": "ò"}


def vni_encode(text: str) -> str:
    """Unicode to VNI-Windows bytes (as cp1252 letters), from the VNI key layout."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        upper = ch.isupper()
        low = ch.lower()
        if low == "đ":
            out.append("Ñ" if upper else "ñ")
            continue
        parts = unicodedata.normalize("NFD", low)
        base, marks = parts[0], parts[1:]
        if not marks:
            out.append(ch)
            continue
        tone = next((m for m in marks if m in _TONE_VNI), "")
        shape = next((m for m in marks if m in "\u0302\u0306\u031b"), "")
        if base == "i" and not shape:
            coded = _I_VNI[tone]
        elif base == "y" and tone == "\u0323":
            coded = "î"
        elif shape == "\u031b":
            coded = ("ö" if base == "u" else "ô") + _TONE_VNI.get(tone, "")
        elif shape == "\u0302":
            coded = base + _CIRC_VNI[tone]
        elif shape == "\u0306":
            coded = base + _BREVE_VNI[tone]
        else:
            coded = base + _TONE_VNI[tone]
        out.append(coded.upper() if upper else coded)
    return "".join(out)


_UNICODE_TO_TCVN3 = {v: k for k, v in _TCVN3_TO_UNICODE.items()}


def tcvn3_encode(text: str, *, upper_font: bool = False) -> str:
    """Unicode to TCVN3 bytes; ``upper_font`` types capitals the ".VnTimeH" way (lower codes)."""
    text = unicodedata.normalize("NFC", text)
    if upper_font:
        text = text.lower()
    return "".join(_UNICODE_TO_TCVN3.get(ch, ch) for ch in text)


NAMES = [
    "Nguyễn Văn Nam", "Trường", "Đỗ Thị Hoa", "Hoàng Thị Ngọc Ánh", "Lường Văn Hưởng",
    "Vũ Đức Thắng", "Phạm Quỳnh Anh", "Bế Thị Mỹ", "Lý Thị Ỵ", "Sùng Seo Chứ",
]  # fmt: skip


def test_vni_round_trip_both_directions():
    assert vni_encode("Nguyễn") == "Nguyeãn"
    assert vni_encode("Trường") == "Tröôøng"
    for name in NAMES:
        legacy = vni_encode(name)
        assert decode_vni(legacy) == name
        assert convert_cell(legacy, VNI) == (name, VNI)
        assert vni_encode(decode_vni(legacy)) == legacy
    upper = "NGUYỄN VĂN TRƯỜNG"
    assert decode_vni(vni_encode(upper)) == upper


def test_text_alone_detects_vni_and_tcvn3_but_leaves_unicode():
    assert convert_cell("Nguyeãn Vaên Nam") == ("Nguyễn Văn Nam", VNI)
    assert convert_cell("Tröôøng Tieåu hoïc") == ("Trường Tiểu học", VNI)
    assert convert_cell(tcvn3_encode("Hoàng Văn Nam")) == ("Hoàng Văn Nam", TCVN3)
    for text in ("Hoàng Lò", "Mùa A Sình", "Thào Seo Lử", "Giàng Seo Phủ", "Lò Thị Mai", "Lê"):
        assert convert_cell(text) == (text, None)
        assert not looks_like_vni(text)
    assert convert_cell(12.0) == (12.0, None)


def _book(rows, *, fonts=None, hidden=(), merges=(), title="Danh sach"):
    """xlsx from ``rows``; ``fonts`` maps (excel_row, col_1based) or excel_row to a font name."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for row in rows:
        sheet.append(list(row))
    for key, name in (fonts or {}).items():
        if isinstance(key, int):
            for cell in sheet[key]:
                cell.font = Font(name=name)
        else:
            sheet.cell(row=key[0], column=key[1]).font = Font(name=name)
    for number in hidden:
        sheet.row_dimensions[number].hidden = True
    for cell_range in merges:
        sheet.merge_cells(cell_range)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


HEADER = ["STT", "Họ và tên", "Ngày sinh", "Lớp", "Thôn/bản", "Số điện thoại"]


def test_whole_file_in_tcvn3_headers_included_is_read():
    title = ["UBND HUYỆN BẢO YÊN", "TRƯỜNG THCS TÂN TIẾN", "DANH SÁCH HỌC SINH"]
    unicode_rows = [
        ["1", "Hoàng Văn Nam", "05/04/2013", "6A", "Thôn Nậm Đét", "0912300001"],
        ["2", "Lường Thị Hoa", "06/04/2013", "6A", "Bản Khuổi Phầy", "0912300002"],
    ]
    rows = [[tcvn3_encode(line, upper_font=True)] for line in title]
    rows.append([tcvn3_encode(h) for h in HEADER])
    rows += [[tcvn3_encode(c) for c in r] for r in unicode_rows]
    fonts = {1: ".VnTimeH", 2: ".VnTimeH", 3: ".VnTimeH", 4: ".VnTime", 5: ".VnTime", 6: ".VnTime"}
    sheet = read_rows(_book(rows, fonts=fonts))
    table = locate_table(sheet, COLUMNS)
    assert table.header_row == 4
    assert table.title_lines == title
    assert [(n, v["name"], v["village"]) for n, v in table.data_rows()] == [
        (5, "Hoàng Văn Nam", "Thôn Nậm Đét"),
        (6, "Lường Thị Hoa", "Bản Khuổi Phầy"),
    ]
    # 3 title lines, 5 non-ASCII headers ("Họ và tên", "Ngày sinh", "Lớp", ...) and 4 cells.
    assert sheet.converted == {TCVN3: 3 + 5 + 4}


def test_single_pasted_legacy_cells_in_a_unicode_list():
    rows = [
        HEADER,
        ["1", "Giàng Seo Phủ", "05/04/2013", "6A", "Thôn Nậm Đét", ""],
        ["2", vni_encode("Nguyễn Thị Thuỷ"), "06/04/2013", "6A", vni_encode("Bản Mường"), ""],
        ["3", tcvn3_encode("Hoàng Văn Thắng"), "07/04/2013", "6A", "Thôn Nậm Đét", ""],
        ["4", vni_encode("Đỗ Văn Tuấn"), "08/04/2013", "6A", "", ""],
    ]
    fonts = {(3, 2): "VNI-Times", (3, 5): "VNI-Times", (4, 2): ".VnTime"}  # row 5: no font hint
    sheet = read_rows(_book(rows, fonts=fonts))
    table = locate_table(sheet, COLUMNS)
    assert [(v["name"], v["village"]) for _n, v in table.data_rows()] == [
        ("Giàng Seo Phủ", "Thôn Nậm Đét"),
        ("Nguyễn Thị Thuỷ", "Bản Mường"),
        ("Hoàng Văn Thắng", "Thôn Nậm Đét"),
        ("Đỗ Văn Tuấn", ""),
    ]
    assert sheet.converted == {VNI: 3, TCVN3: 1}


def test_unicode_text_in_a_legacy_font_cell_is_left_alone():
    rows = [HEADER, ["1", "Hoàng Thị Mỹ", "05/04/2013", "6A", "Thôn Nậm Đét", ""]]
    sheet = read_rows(_book(rows, fonts={2: ".VnTime"}))
    table = locate_table(sheet, COLUMNS)
    assert [v["name"] for _n, v in table.data_rows()] == ["Hoàng Thị Mỹ"]
    assert sheet.converted == {}


def test_sections_subtotals_notes_and_signatures():
    rows = [
        ["DANH SÁCH HỌC SINH"],
        ["STT", "Họ và tên", "Ngày sinh", "Thôn/bản"],
        ["Lớp 6A"],
        [1, "Giàng Seo Phủ", "05/04/2013", "Nậm Đét"],
        [2, "Sùng Thị Mẩy", "06/04/2013", "Nậm Đét"],
        ["", "Cộng lớp 6A: 2 học sinh"],
        [],
        ["LỚP 6B"],
        [1, "Lý A Sinh", "07/04/2013", "Khuổi Phầy"],
        ["Cộng lớp 6B: 1 học sinh"],
        [],
        ["Ghi chú: danh sách gồm học sinh thuộc hộ nghèo, cận nghèo"],
        ["Danh sách có 3 học sinh"],
        ["", "", "Bảo Yên, ngày 05 tháng 9 năm 2026"],
        ["Người lập biểu", "", "HIỆU TRƯỞNG"],
        ["(Ký, ghi rõ họ tên)", "", "(Ký tên, đóng dấu)"],
        [],
        ["Thào A Dế", "", "Vàng Văn Minh"],
    ]
    table = locate_table(read_rows(_book(rows)), COLUMNS)
    assert "class_name" not in table.mapping and table.found
    assert list(table.data_rows()) == [
        (4, {"name": "Giàng Seo Phủ", "dob": "05/04/2013", "village": "Nậm Đét", "class_name": "6A"}),
        (5, {"name": "Sùng Thị Mẩy", "dob": "06/04/2013", "village": "Nậm Đét", "class_name": "6A"}),
        (9, {"name": "Lý A Sinh", "dob": "07/04/2013", "village": "Khuổi Phầy", "class_name": "6B"}),
    ]  # fmt: skip
    assert table.sections == ["6A", "6B"]


def test_without_sections_a_missing_class_column_is_still_missing():
    rows = [["Họ và tên", "Ngày sinh"], ["Giàng Seo Phủ", "05/04/2013"]]
    table = locate_table(read_rows(_book(rows)), COLUMNS[:2])
    assert table.found
    with pytest.raises(Exception, match="Lớp"):
        locate_table(read_rows(_book(rows)), COLUMNS)


def test_vertically_merged_values_belong_to_every_row_and_hidden_rows_are_skipped():
    rows = [
        HEADER,
        [1, "Giàng Seo Phủ", "05/04/2013", "6A", "Nậm Đét", "0912300001"],
        [2, "Giàng Thị Mẩy", "06/04/2013", "7A", "", ""],
        [3, "Giàng A Sinh", "07/04/2013", "8A", "", ""],
        [4, "Lý A Dế", "08/04/2013", "6A", "Khuổi Phầy", "0912300004"],
        [5, "Lý Thị Pà", "09/04/2013", "6A", "Khuổi Phầy", ""],
        [6, "Lý Thị Súa", "10/04/2013", "6A", "Khuổi Phầy", ""],
        [7, "Thào A Lử", "11/04/2013", "6A", "Nậm Đét", ""],
    ]
    data = _book(rows, merges=["E2:E4", "F2:F4"], hidden=[6, 7])
    sheet = read_rows(data)
    assert sheet.hidden_rows == {5, 6}
    table = locate_table(sheet, COLUMNS)
    assert [(n, v["name"], v["village"], v["phone"]) for n, v in table.data_rows()] == [
        (2, "Giàng Seo Phủ", "Nậm Đét", "0912300001"),
        (3, "Giàng Thị Mẩy", "Nậm Đét", "0912300001"),
        (4, "Giàng A Sinh", "Nậm Đét", "0912300001"),
        (5, "Lý A Dế", "Khuổi Phầy", "0912300004"),
        (8, "Thào A Lử", "Nậm Đét", ""),
    ]
    assert table.hidden_skipped == [6, 7]
    assert table.hidden_ranges() == [(6, 7)]


@pytest.mark.django_db
def test_delivery_list_signature_and_notes_blocks_are_not_rows():
    from devices.importers import parse_device_list

    rows = [
        ["BIÊN BẢN BÀN GIAO THIẾT BỊ"],
        ["STT", "Loại thiết bị", "Hãng", "Model", "Số serial", "IMEI", "Tình trạng"],
        [1, "Máy tính xách tay", "Dell", "Latitude 3440", "SN-0001", "", "Mới"],
        [2, "Máy tính xách tay", "Dell", "Latitude 3440", "SN-0002", "", "Mới"],
        ["Ghi chú: bàn giao đủ sạc kèm theo"],
        ["", "", "Bảo Yên, ngày 05 tháng 9 năm 2026"],
        ["", "Bên giao", "", "", "Bên nhận"],
        ["Người lập biểu", "", "", "", "HIỆU TRƯỞNG"],
        ["(Ký, ghi rõ họ tên)", "", "", "", "(Ký, ghi rõ họ tên)"],
        ["Nguyễn Văn An", "", "", "", "Hoàng Thị Bình"],
    ]
    report, valid = parse_device_list(io.BytesIO(_book(rows)), filename="bangiao.xlsx")
    assert [(e.row, e.field, e.message) for e in report.errors] == []
    assert report.rows == 2
    assert [(d.row, d.serial_number) for d in valid] == [(3, "SN-0001"), (4, "SN-0002")]


@pytest.mark.django_db
def test_delivery_list_in_vni_with_hidden_row():
    from devices.importers import parse_device_list

    header = ["STT", "Loại thiết bị", "Hãng", "Model", "Số serial", "IMEI", "Tình trạng"]
    rows = [
        [vni_encode(h) for h in header],
        [1, vni_encode("Máy tính xách tay"), "Dell", "Latitude 3440", "SN-0001", "", "Mới"],
        [2, vni_encode("Máy tính xách tay"), "Dell", "Latitude 3440", "SN-0002", "", "hỏng"],
        [3, vni_encode("Máy tính xách tay"), "Dell", "Latitude 3440", "SN-0003", "", "Mới"],
    ]
    data = _book(
        rows, fonts={1: "VNI-Times", 2: "VNI-Times", 3: "VNI-Times", 4: "VNI-Times"}, hidden=[3]
    )
    report, valid = parse_device_list(io.BytesIO(data), filename="bangiao.xlsx")
    assert [(e.row, e.field, e.message) for e in report.errors] == []
    assert [(d.row, d.serial_number) for d in valid] == [(2, "SN-0001"), (4, "SN-0003")]


@pytest.mark.django_db
def test_account_list_in_tcvn3_with_signature_block_and_hidden_row(admin_user, school):
    from accounts.importers import import_accounts
    from accounts.models import User

    header = ["Tên đăng nhập", "Họ và tên", "E-mail", "Vai trò", "Mã đơn vị"]
    rows = [
        [tcvn3_encode("DANH SÁCH TÀI KHOẢN", upper_font=True)],
        [tcvn3_encode(h) for h in header],
        ["gv1", tcvn3_encode("Hoàng Văn Nam"), "", "school", school.code],
        ["gv2", tcvn3_encode("Lường Thị Hoa"), "", "school", school.code],
        ["gv3", tcvn3_encode("Lò Văn Hưởng"), "", "school", school.code],
        [tcvn3_encode("Ghi chú: mật khẩu gửi riêng từng người")],
        ["", "", tcvn3_encode("Bảo Yên, ngày 05 tháng 9 năm 2026")],
        [tcvn3_encode("Người lập biểu"), "", tcvn3_encode("Thủ trưởng đơn vị")],
    ]
    data = _book(rows, fonts={1: ".VnTimeH"} | dict.fromkeys(range(2, 9), ".VnTime"), hidden=[4])
    report = import_accounts(actor=admin_user, source=io.BytesIO(data))
    assert [str(e) for e in report.errors] == []
    assert report.created == 2
    assert sorted(
        User.objects.filter(username__startswith="gv").values_list("username", "full_name")
    ) == [
        ("gv1", "Hoàng Văn Nam"),
        ("gv3", "Lò Văn Hưởng"),
    ]
