import datetime as dt
import io
import os
import unicodedata
import zipfile
from pathlib import Path

import openpyxl
import pytest
from django.conf import settings

if not os.environ.get("DJANGO_SETTINGS_MODULE") and not settings.configured:
    # Pure-Python tests: gettext only needs USE_I18N when run without pytest-django.
    settings.configure(USE_I18N=False)

from kernel.normalize import clean_text, decode_legacy_vietnamese, normalize_digits, parse_date  # noqa: E402
from kernel.spreadsheets import (  # noqa: E402
    ColumnSpec,
    Sheet,
    SpreadsheetError,
    guess_table,
    locate_table,
    read_rows,
    write_error_copy,
)

# The programme's sample household list, kept with the registry's test data.
SAMPLE = Path(__file__).resolve().parents[1] / "students" / "data" / "danh-sach-hoc-sinh-mau.xlsx"

PUPIL_COLUMNS = [
    ColumnSpec("full_name", "Họ và tên", ("họ tên", "họ và tên học sinh", "tên học sinh"), True),
    ColumnSpec("date_of_birth", "Ngày sinh", ("ngày tháng năm sinh",), True),
    ColumnSpec(
        "guardian", "Họ tên cha/mẹ", ("họ tên cha/mẹ/người giám hộ", "họ tên cha mẹ"), False
    ),
    ColumnSpec("pupil_code", "Mã định danh", ("mã định danh học sinh", "mã hs"), False),
    ColumnSpec("phone", "Số điện thoại", ("sđt", "số đt", "điện thoại"), False),
    ColumnSpec("household_type", "Diện hộ", ("đối tượng",), False),
    ColumnSpec("household_code", "Mã hộ", (), False),
]


def _save(wb: openpyxl.Workbook, path: Path) -> Path:
    wb.save(path)
    return path


@pytest.fixture
def official_xlsx(tmp_path):
    """An official-looking list: title block, two-row merged header, column numbers,
    mixed date/ID representations, a totals row and a signature block."""
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "DS HS"
    ws["A1"] = "UBND HUYỆN BẢO YÊN"
    ws["E1"] = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
    ws["A2"] = "TRƯỜNG PTDTBT THCS TÂN TIẾN"
    ws["E2"] = "Độc lập - Tự do - Hạnh phúc"
    ws["A4"] = "DANH SÁCH HỌC SINH CẦN HỖ TRỢ THIẾT BỊ"
    ws.merge_cells("A4:H4")
    # Two-row header (rows 6-7).
    for col, text in zip(
        "ABCDEFG",
        ["STT", "Họ và tên", "Ngày sinh", "Mã định danh", "Số ĐT", "Thông tin hộ", None],
        strict=True,
    ):
        if text:
            ws[f"{col}6"] = text
    ws["H6"] = "Họ tên cha/mẹ/người giám hộ"
    for col in "ABCDEH":
        ws.merge_cells(f"{col}6:{col}7")
    ws.merge_cells("F6:G6")
    ws["F7"] = "Diện hộ"
    ws["G7"] = "Mã hộ"
    # Column numbers.
    for index, col in enumerate("ABCDEFGH", start=1):
        ws[f"{col}8"] = f"({index})"
    data = [
        [
            1,
            "Tẩn Phù Dũng",
            dt.datetime(2009, 4, 21),
            308246281,
            399351819,
            "Hộ cận nghèo",
            "HN-3375",
            "Đặng Phù Pao",
        ],
        [
            2,
            unicodedata.normalize("NFD", "Nông Thị Xuân"),
            39313,
            "3194875749",
            "0852760189",
            "Hộ nghèo",
            "HN-5141",
            "Hoàng Minh Hùng",
        ],
        [None, None, None, None, None, None, None, None],  # blank row inside the table
        [
            3,
            "Hoµng V¨n Nam",
            "5-7-2012",
            497465075,
            "+84 842 366 712",
            "Hộ nghèo",
            "HN-6581",
            "§µo ThÞ Hång",
        ],
        [None, "Tổng cộng", None, None, None, "3 hộ", None, None],
        [None] * 8,
        [None, None, None, None, None, "Bảo Yên, ngày 15 tháng 9 năm 2021", None, None],
        [None, "Người lập biểu", None, None, None, "Hiệu trưởng", None, None],
        [None] * 8,
        [None, "Nguyễn Văn Lập", None, None, None, "Lò Văn Trưởng", None, None],
    ]
    for offset, values in enumerate(data):
        for col_index, value in enumerate(values, start=1):
            if value is not None:
                ws.cell(row=9 + offset, column=col_index, value=value)
    return _save(wb, tmp_path / "danh-sach.xlsx")


def _xlsx_bytes(rows, *, title="Sheet") -> bytes:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = title
    for row in rows:
        ws.append(row)
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


# ----------------------------------------------------------------- real sample


def test_real_sample_header_title_and_data_rows():
    sheet = read_rows(SAMPLE)
    assert sheet.format == "xlsx"
    table = locate_table(sheet, PUPIL_COLUMNS)
    assert table.header_row == 6
    assert "TRƯỜNG PTDTBT THCS TÂN TIẾN" in table.title_lines
    assert table.mapping["full_name"] == 1
    assert table.mapping["guardian"] == 7  # "Họ tên cha/mẹ/..." is not the pupil's name
    rows = list(table.data_rows())
    assert len(rows) == 30
    assert rows[0][0] == 7
    assert rows[0][1]["full_name"] == "Tẩn Phù Dũng"
    assert rows[-1][0] == 36
    # Row 18 has no name but is still a data row the importer must flag.
    assert 18 in [number for number, _values in rows]
    assert {text for _col, text in table.unknown_columns} >= {"Giới tính", "Dân tộc", "Lớp"}
    assert "STT" not in {text for _col, text in table.unknown_columns}


def test_real_sample_pupil_name_column_not_confused_without_guardian_spec():
    sheet = read_rows(SAMPLE)
    columns = [spec for spec in PUPIL_COLUMNS if spec.field != "guardian"]
    table = locate_table(sheet, columns)
    assert table.mapping["full_name"] == 1


# --------------------------------------------------------- official layout


def test_two_row_merged_header_with_column_numbers(official_xlsx):
    sheet = read_rows(official_xlsx)
    table = locate_table(sheet, PUPIL_COLUMNS)
    assert table.header_row == 7
    assert table.mapping == {
        "full_name": 1,
        "date_of_birth": 2,
        "pupil_code": 3,
        "phone": 4,
        "household_type": 5,
        "household_code": 6,
        "guardian": 7,
    }
    assert table.first_header_row == 6
    assert table.title_lines == [
        "UBND HUYỆN BẢO YÊN",
        "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM",
        "TRƯỜNG PTDTBT THCS TÂN TIẾN",
        "Độc lập - Tự do - Hạnh phúc",
        "DANH SÁCH HỌC SINH CẦN HỖ TRỢ THIẾT BỊ",
    ]
    assert table.field_labels()["household_type"] == "Diện hộ"
    assert table.field_labels()["full_name"] == "Họ và tên"


def test_data_rows_skip_blank_and_totals_and_stop_at_signature(official_xlsx):
    table = locate_table(read_rows(official_xlsx), PUPIL_COLUMNS)
    rows = list(table.data_rows())
    assert [number for number, _ in rows] == [9, 10, 12]
    names = [clean_text(values["full_name"]) for _, values in rows]
    assert names[:2] == ["Tẩn Phù Dũng", "Nông Thị Xuân"]  # NFD text is NFC once cleaned
    assert "Nguyễn Văn Lập" not in names


def test_data_rows_values_feed_normalisers(official_xlsx):
    rows = dict(locate_table(read_rows(official_xlsx), PUPIL_COLUMNS).data_rows())
    assert parse_date(rows[9]["date_of_birth"]) == dt.date(2009, 4, 21)
    assert parse_date(rows[10]["date_of_birth"]) == dt.date(2007, 8, 19)  # serial 39313
    assert parse_date(rows[12]["date_of_birth"]) == dt.date(2012, 7, 5)
    assert isinstance(rows[9]["pupil_code"], float)  # raw, normalisers decide
    assert normalize_digits(rows[9]["pupil_code"], length=10) == "0308246281"
    assert normalize_digits(rows[10]["pupil_code"], length=10) == "3194875749"
    assert decode_legacy_vietnamese(rows[12]["full_name"]) == "Hoàng Văn Nam"
    assert decode_legacy_vietnamese(rows[12]["guardian"]) == "Đào Thị Hồng"


def test_two_row_header_without_merge_information_in_csv():
    text = (
        "STT,Họ và tên,Thông tin hộ,,Ngày sinh\n"
        ",,Diện hộ,Mã hộ,\n"
        "1,Lý A Chứ,Hộ nghèo,HN-7244,18/02/2006\n"
    )
    sheet = read_rows(text.encode("utf-8"))
    table = locate_table(sheet, PUPIL_COLUMNS)
    assert table.header_row == 2
    assert table.mapping == {
        "full_name": 1,
        "household_type": 2,
        "household_code": 3,
        "date_of_birth": 4,
    }
    assert list(table.data_rows()) == [
        (
            3,
            {
                "full_name": "Lý A Chứ",
                "household_type": "Hộ nghèo",
                "household_code": "HN-7244",
                "date_of_birth": "18/02/2006",
            },
        )
    ]


def test_combined_parent_child_header_matches_synonym():
    columns = [
        ColumnSpec("full_name", "Họ và tên", (), True),
        ColumnSpec("father", "Họ tên cha", ("cha họ tên",), False),
        ColumnSpec("mother", "Họ tên mẹ", ("mẹ họ tên",), False),
    ]
    sheet = Sheet(
        rows=[
            ["Họ và tên", "Cha", "Mẹ"],
            ["", "Họ tên", "Họ tên"],
            ["Sùng A Tủa", "Sùng A Páo", "Lù Thị Mai"],
        ],
        format="csv",
    )
    table = locate_table(sheet, columns)
    assert table.mapping == {"full_name": 0, "father": 1, "mother": 2}


def test_longest_synonym_wins_over_shorter_prefix():
    sheet = Sheet(rows=[["Họ tên cha/mẹ", "Họ tên", "Ngày sinh"], ["A", "B", "1/1/2010"]])
    table = locate_table(sheet, PUPIL_COLUMNS)
    assert table.mapping["full_name"] == 1
    assert table.mapping["guardian"] == 0


def test_header_cells_with_marks_and_spacing_still_match():
    sheet = Sheet(
        rows=[
            ["Họ  và tên (*)", "NGÀY SINH (dd/mm/yyyy)", "Số điện thoại:"],
            ["A", "1/1/2010", "0912345678"],
        ]
    )
    table = locate_table(sheet, PUPIL_COLUMNS)
    assert table.mapping == {"full_name": 0, "date_of_birth": 1, "phone": 2}


def test_staff_position_hieu_truong_in_data_does_not_stop_table():
    columns = [
        ColumnSpec("full_name", "Họ và tên", (), True),
        ColumnSpec("position", "Chức vụ", (), False),
    ]
    sheet = Sheet(
        rows=[
            ["Họ và tên", "Chức vụ"],
            ["Lò Văn Trưởng", "Hiệu trưởng"],
            ["Hà Thị Phó", "Giáo viên"],
            ["", "Hiệu trưởng"],
            ["", "Lò Văn Trưởng"],
        ]
    )
    rows = list(locate_table(sheet, columns).data_rows())
    assert [number for number, _ in rows] == [2, 3]


def test_override_mapping_replaces_detected_columns(official_xlsx):
    sheet = read_rows(official_xlsx)
    table = locate_table(sheet, PUPIL_COLUMNS, override={"full_name": 7})
    assert table.mapping["full_name"] == 7
    assert "guardian" not in table.mapping  # its column was taken by the override
    first = next(table.data_rows())
    assert first[1]["full_name"] == "Đặng Phù Pao"


def test_override_with_unknown_column_is_refused(official_xlsx):
    with pytest.raises(SpreadsheetError, match="không có trong bảng tính"):
        locate_table(read_rows(official_xlsx), PUPIL_COLUMNS, override={"full_name": 99})


def test_missing_header_raises_clear_message_and_guess_does_not():
    sheet = Sheet(rows=[["Một", "Hai"], ["x", "y"]])
    with pytest.raises(SpreadsheetError) as excinfo:
        locate_table(sheet, PUPIL_COLUMNS)
    assert excinfo.value.message == (
        'Không tìm thấy dòng tiêu đề cột (ví dụ "Họ và tên", "Ngày sinh") '
        "trong 30 dòng đầu của tệp."
    )
    guess = guess_table(sheet, PUPIL_COLUMNS)
    assert not guess.found
    assert guess.header_row == 0
    assert {spec.field for spec in guess.missing_required} == {"full_name", "date_of_birth"}
    assert list(guess.data_rows()) == []


def test_missing_required_column_is_named_and_guess_shows_partial_mapping():
    sheet = Sheet(rows=[["STT", "Họ và tên", "Lớp"], [1, "A", "6A"]])
    with pytest.raises(SpreadsheetError, match="thiếu cột bắt buộc: “Ngày sinh”"):
        locate_table(sheet, PUPIL_COLUMNS)
    guess = guess_table(sheet, PUPIL_COLUMNS)
    assert guess.header_row == 1
    assert guess.mapping == {"full_name": 1}
    assert guess.unknown_columns == [(2, "Lớp")]
    fixed = locate_table(sheet, PUPIL_COLUMNS, override={"date_of_birth": 2})
    assert fixed.found


def test_explicit_header_row():
    sheet = Sheet(rows=[["Họ và tên", "Ngày sinh"], ["Họ và tên", "Ngày sinh"], ["A", "1/1/2010"]])
    table = locate_table(sheet, PUPIL_COLUMNS, header_row=2)
    assert table.header_row == 2
    assert [n for n, _ in table.data_rows()] == [3]


def test_header_beyond_scan_rows_is_not_found():
    rows = [[f"Dòng {i}"] for i in range(35)] + [["Họ và tên", "Ngày sinh"], ["A", "1/1/2010"]]
    with pytest.raises(SpreadsheetError, match="30 dòng đầu"):
        locate_table(Sheet(rows=rows), PUPIL_COLUMNS)


# ------------------------------------------------------------------- reading


def test_read_rows_accepts_path_bytes_and_file_like(official_xlsx):
    data = official_xlsx.read_bytes()
    upload = io.BytesIO(data)
    upload.size = len(data)  # like Django's UploadedFile
    for source in (official_xlsx, str(official_xlsx), data, upload):
        sheet = read_rows(source)
        assert sheet.sheet_name == "DS HS"
        assert sheet.rows[0][0] == "UBND HUYỆN BẢO YÊN"


def test_format_is_detected_by_content_not_extension(official_xlsx, tmp_path):
    renamed = tmp_path / "danh-sach.csv"
    renamed.write_bytes(official_xlsx.read_bytes())
    assert read_rows(renamed, filename="danh-sach.csv").format == "xlsx"


def test_first_visible_non_empty_sheet_is_used():
    wb = openpyxl.Workbook()
    wb.active.title = "Trống"
    hidden = wb.create_sheet("Ẩn")
    hidden.append(["bí mật"])
    hidden.sheet_state = "hidden"
    wb.create_sheet("Danh sách").append(["Họ và tên"])
    buffer = io.BytesIO()
    wb.save(buffer)
    sheet = read_rows(buffer.getvalue())
    assert sheet.sheet_name == "Danh sách"
    assert sheet.rows == [["Họ và tên"]]


def test_leading_blank_rows_keep_excel_row_numbers():
    wb = openpyxl.Workbook()
    wb.active["B3"] = "Họ và tên"
    wb.active["C3"] = "Ngày sinh"
    wb.active["B4"] = "A"
    buffer = io.BytesIO()
    wb.save(buffer)
    table = locate_table(read_rows(buffer.getvalue()), PUPIL_COLUMNS)
    assert table.header_row == 3
    assert [n for n, _ in table.data_rows()] == [4]


def test_file_over_limit_is_refused_before_reading():
    class Upload(io.BytesIO):
        size = 25 * 1024 * 1024

    with pytest.raises(SpreadsheetError) as excinfo:
        read_rows(Upload(b"PK"), max_bytes=20 * 1024 * 1024)
    assert excinfo.value.message == "Tệp vượt quá giới hạn 20 MB."


def test_bytes_over_limit_are_refused():
    with pytest.raises(SpreadsheetError, match="vượt quá giới hạn"):
        read_rows(b"a,b\n" * 100, max_bytes=50)


@pytest.mark.parametrize(
    "content",
    [
        b"%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\n",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        b"\xff\xd8\xff\xe0\x00\x10JFIF",
    ],
)
def test_renamed_non_spreadsheet_is_refused(tmp_path, content):
    path = tmp_path / "danh-sach.xlsx"
    path.write_bytes(content)
    with pytest.raises(SpreadsheetError, match="không phải là bảng tính"):
        read_rows(path, filename=path.name)


def test_word_document_zip_is_not_a_spreadsheet():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w:document/>")
    with pytest.raises(SpreadsheetError, match="không phải là bảng tính"):
        read_rows(buffer.getvalue())


def test_html_disguised_as_xls_is_explained():
    with pytest.raises(SpreadsheetError, match="HTML"):
        read_rows(b"<html><body><table><tr><td>1</td></tr></table></body></html>", filename="a.xls")


def test_truncated_xlsx_is_corrupt(official_xlsx):
    data = official_xlsx.read_bytes()
    with pytest.raises(SpreadsheetError, match="bị hỏng"):
        read_rows(data[: len(data) // 2])


def test_xlsx_with_garbage_parts_is_corrupt():
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "this is not xml <<<")
    with pytest.raises(SpreadsheetError, match="bị hỏng"):
        read_rows(buffer.getvalue())


def test_zip_bomb_is_refused_before_parsing():
    buffer = io.BytesIO()
    chunk = bytes(1024 * 1024)
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("xl/workbook.xml", "<workbook/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member:
            for _ in range(300):
                member.write(chunk)
    data = buffer.getvalue()
    assert len(data) < 2 * 1024 * 1024
    with pytest.raises(SpreadsheetError, match="độc hại"):
        read_rows(data)


def test_password_protected_workbook_is_refused():
    blob = (
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
        + bytes(504)
        + "EncryptionInfo".encode("utf-16-le")
        + bytes(50)
        + "EncryptedPackage".encode("utf-16-le")
        + bytes(1000)
    )
    with pytest.raises(SpreadsheetError, match="mật khẩu"):
        read_rows(blob, filename="bao-mat.xlsx")


def test_ole2_word_document_is_not_a_spreadsheet():
    blob = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "WordDocument".encode("utf-16-le")
    with pytest.raises(SpreadsheetError, match="không phải là bảng tính"):
        read_rows(blob)


def test_empty_workbook_and_empty_file_are_refused():
    with pytest.raises(SpreadsheetError, match="không có dữ liệu"):
        read_rows(_xlsx_bytes([]))
    with pytest.raises(SpreadsheetError, match="không có dữ liệu"):
        read_rows(b"")
    with pytest.raises(SpreadsheetError, match="không có dữ liệu"):
        read_rows(b" \r\n,,\r\n")


def test_too_many_rows_is_refused():
    rows = [["Họ và tên", "Ngày sinh"]] + [[f"HS {i}", "1/1/2010"] for i in range(60)]
    assert len(read_rows(_xlsx_bytes(rows), max_rows=60).rows) == 61
    with pytest.raises(SpreadsheetError, match="tối đa 20 dòng"):
        read_rows(_xlsx_bytes(rows), max_rows=20)


def test_csv_utf8_with_bom_and_semicolons():
    data = "\ufeffHọ và tên;Ngày sinh\nGiàng Seo Phủ;05/07/2012\n".encode()
    sheet = read_rows(data, filename="ds.csv")
    assert sheet.format == "csv"
    assert sheet.rows == [["Họ và tên", "Ngày sinh"], ["Giàng Seo Phủ", "05/07/2012"]]


def _encode_cp1258(text: str) -> bytes:
    # cp1258 has â ê ô ă ơ ư đ precomposed but tones only as combining marks.
    out = b""
    for ch in unicodedata.normalize("NFC", text):
        try:
            out += ch.encode("cp1258")
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            out += unicodedata.normalize("NFC", parts[:-1]).encode("cp1258")
            out += parts[-1].encode("cp1258")
    return out


def test_csv_in_windows_vietnamese_cp1258():
    data = _encode_cp1258("Họ và tên,Ngày sinh\r\nNguyễn Thị Ngọc,05/07/2012\r\n")
    with pytest.raises(UnicodeDecodeError):
        data.decode("utf-8")
    sheet = read_rows(data)
    table = locate_table(sheet, PUPIL_COLUMNS)
    [(row, values)] = list(table.data_rows())
    assert row == 2
    assert clean_text(values["full_name"]) == "Nguyễn Thị Ngọc"


# ---------------------------------------------------------------- error copy


def test_write_error_copy_adds_error_column_and_neutralises(official_xlsx, tmp_path):
    sheet = read_rows(official_xlsx)
    sheet.rows[9][7] = '=HYPERLINK("http://evil","x")'
    table = locate_table(sheet, PUPIL_COLUMNS)
    data = write_error_copy(
        sheet,
        table,
        {9: ["Ngày sinh: ngày không tồn tại"], 12: ["Mã hộ: bắt buộc", "trùng với dòng 9"]},
    )
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb.active
    width = sheet.width
    assert ws.cell(row=7, column=width + 1).value == "Lỗi"
    assert ws.cell(row=7, column=width + 1).font.bold
    assert ws.cell(row=6, column=2).font.bold  # upper header row too
    assert not ws.cell(row=9, column=2).font.bold
    assert ws.cell(row=9, column=width + 1).value == "Ngày sinh: ngày không tồn tại"
    assert ws.cell(row=12, column=width + 1).value == "Mã hộ: bắt buộc; trùng với dòng 9"
    assert ws.cell(row=10, column=width + 1).value is None
    assert ws.cell(row=2, column=1).value == "TRƯỜNG PTDTBT THCS TÂN TIẾN"
    assert ws.cell(row=10, column=8).value == '\'=HYPERLINK("http://evil","x")'
    assert ws.cell(row=10, column=8).data_type == "s"
    # The copy can be read and located again.
    again = locate_table(read_rows(data), PUPIL_COLUMNS)
    assert again.header_row == 7
