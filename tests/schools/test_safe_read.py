"""A spreadsheet cannot take the process down: extent checks and the limited child parser."""

import datetime as dt
import io
import pickle
import re
import zipfile

import openpyxl
import pytest

from kernel import safe_read
from kernel.spreadsheets import SpreadsheetError, read_rows
from students.fastrows import read_streaming


def _xlsx(cells: dict[str, object], title: str = "Danh sách") -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = title
    for ref, value in cells.items():
        sheet[ref] = value
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _with_dimension(data: bytes, ref: str) -> bytes:
    """The same workbook with its first sheet's ``<dimension ref>`` rewritten."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            content = source.read(info.filename)
            if info.filename == "xl/worksheets/sheet1.xml":
                content = re.sub(
                    rb'<dimension ref="[^"]*"', f'<dimension ref="{ref}"'.encode(), content
                )
            target.writestr(info.filename, content)
    return out.getvalue()


def far_cell_workbook() -> bytes:
    """A 5 KB workbook whose only cell is XFD1048576 (the last one Excel allows)."""
    return _xlsx({"XFD1048576": "x"}, title="Bom")


@pytest.fixture
def no_child(monkeypatch):
    """Fail the test if a workbook reaches the parser."""

    def refuse(*args, **kwargs):
        raise AssertionError("the parser must not run")

    monkeypatch.setattr(safe_read, "parse_in_child", refuse)
    monkeypatch.setattr(safe_read, "stream_in_child", refuse)


def test_single_far_cell_is_refused_naming_sheet_and_cell_before_parsing(no_child):
    data = far_cell_workbook()
    assert len(data) < 10_000

    with pytest.raises(SpreadsheetError) as caught:
        read_rows(data, filename="bom.xlsx")

    message = caught.value.message
    assert "“Bom”" in message
    assert "XFD1048576" in message
    assert "200 cột" in message


def test_streaming_reader_refuses_the_same_file(no_child):
    with pytest.raises(SpreadsheetError) as caught:
        read_streaming(far_cell_workbook(), filename="bom.xlsx", max_bytes=1_000_000)
    assert "XFD1048576" in caught.value.message


def test_real_cell_past_a_lying_dimension_is_found(no_child):
    data = _with_dimension(_xlsx({"A1": "Họ và tên", "HZ3": "x"}), "A1")

    with pytest.raises(SpreadsheetError) as caught:
        read_rows(data)

    assert "HZ3" in caught.value.message
    assert "cột thứ 234" in caught.value.message


def test_declared_dimension_past_the_caps_is_refused(no_child):
    data = _with_dimension(_xlsx({"A1": "Họ và tên", "B2": "x"}), "A1:C2000000")

    with pytest.raises(SpreadsheetError) as caught:
        read_rows(data)

    assert "khai báo vùng dữ liệu đến ô C2000000" in caught.value.message


def test_row_cap_names_the_row(settings, no_child):
    settings.SPREADSHEET_MAX_ROWS = 50
    with pytest.raises(SpreadsheetError) as caught:
        read_rows(_xlsx({"A1": "Họ và tên", "A60": "x"}))
    assert "A60" in caught.value.message
    assert "dòng 60" in caught.value.message
    assert "50 dòng" in caught.value.message


def test_cell_cap_counts_the_area_from_a1(settings, no_child):
    settings.SPREADSHEET_MAX_CELLS = 1000
    with pytest.raises(SpreadsheetError) as caught:
        read_rows(_xlsx({"A1": "Họ và tên", "CV100": "x"}))  # 100 columns × 100 rows
    assert "10000 ô" in caught.value.message
    assert "1000 ô" in caught.value.message


def test_normal_workbook_is_read_in_the_child_with_dates_and_numbers():
    data = _xlsx(
        {
            "A1": "Họ và tên",
            "B1": "Ngày sinh",
            "C1": "Điểm",
            "A2": "Giàng Seo Phủ",
            "B2": dt.datetime(2015, 3, 1),
            "C2": 7.5,
        }
    )

    sheet = read_rows(data)

    assert sheet.sheet_name == "Danh sách"
    assert sheet.rows[1][0] == "Giàng Seo Phủ"
    assert sheet.rows[1][1] in (dt.date(2015, 3, 1), dt.datetime(2015, 3, 1))
    assert sheet.rows[1][2] == 7.5


def test_bomb_that_reaches_the_parser_kills_only_the_child():
    # Without the scan, calamine densifies 16384 × 1048576 cells and aborts: the
    # child dies, this process gets a SpreadsheetError.
    with pytest.raises(SpreadsheetError) as caught:
        safe_read.parse_in_child(far_cell_workbook(), nrows=None)
    assert "quá nhiều bộ nhớ" in caught.value.message


def test_child_out_of_memory_becomes_a_spreadsheet_error(settings):
    settings.SPREADSHEET_PARSER_MEMORY_BYTES = 16 * 1024 * 1024  # below what Python needs
    with pytest.raises(SpreadsheetError) as caught:
        read_rows(_xlsx({"A1": "Họ và tên", "A2": "Giàng Seo Phủ"}))
    assert "quá nhiều bộ nhớ hoặc bị dừng" in caught.value.message


def test_child_timeout_becomes_a_spreadsheet_error(settings):
    settings.SPREADSHEET_PARSER_TIMEOUT = 0.001
    with pytest.raises(SpreadsheetError) as caught:
        read_rows(_xlsx({"A1": "Họ và tên", "A2": "Giàng Seo Phủ"}))
    assert "Đọc tệp quá" in caught.value.message


def test_child_errors_keep_their_own_messages():
    with pytest.raises(SpreadsheetError) as caught:
        read_rows(_xlsx({}))
    assert "không có dữ liệu" in caught.value.message


def test_unpickler_builds_no_other_objects():
    payload = pickle.dumps(("ok", [[zipfile.ZipInfo("x")]], "x", [], 1))
    with pytest.raises(pickle.UnpicklingError):
        safe_read._PlainUnpickler(io.BytesIO(payload)).load()


def test_csv_with_too_many_columns_names_the_cell(settings):
    settings.SPREADSHEET_MAX_COLUMNS = 10
    data = ("Họ và tên,Ngày sinh\n" + ",".join(["x"] * 12) + "\n").encode()
    with pytest.raises(SpreadsheetError) as caught:
        read_rows(data, filename="ds.csv")
    assert "“ds”" in caught.value.message
    assert "L2" in caught.value.message


def test_csv_with_too_many_lines_is_refused_before_parsing(settings):
    settings.SPREADSHEET_MAX_ROWS = 100
    data = b"Ho va ten,Ngay sinh\n" + b"\n" * 500
    with pytest.raises(SpreadsheetError) as caught:
        read_rows(data, filename="ds.csv")
    assert "100 dòng" in caught.value.message


def test_rows_read_from_other_formats_are_capped_too(settings):
    settings.SPREADSHEET_MAX_COLUMNS = 5
    with pytest.raises(SpreadsheetError) as caught:
        safe_read.check_rows([["a"], ["a"] * 9], "Trang 1")
    assert "“Trang 1”" in caught.value.message
    assert "I2" in caught.value.message


def test_streaming_read_takes_rows_from_the_child_as_they_are_needed():
    cells = {"A1": "Họ và tên", "B1": "Ngày sinh"}
    cells.update({f"A{n}": f"Học sinh {n}" for n in range(2, 5002)})
    sheet, rest = read_streaming(_xlsx(cells), filename="ds.xlsx", max_bytes=10_000_000)

    assert sheet.sheet_name == "Danh sách" and len(sheet.rows) == 50
    assert sheet.rows[1][0] == "Học sinh 2"
    remaining = list(rest)
    assert len(remaining) == 5001 - 50 and remaining[-1][0] == "Học sinh 5001"


def test_streamed_rows_are_capped_as_they_pass(settings):
    settings.SPREADSHEET_MAX_COLUMNS = 3
    chunks = iter([[["Họ và tên", "Ngày sinh"]] * 100, [["a", "b", "c", "d", "e"]]])
    rows = safe_read._capped(chunks, "Trang 1")
    with pytest.raises(SpreadsheetError) as caught:
        list(rows)
    assert "“Trang 1”" in caught.value.message and "E101" in caught.value.message


def test_values_repeated_across_chunks_come_back_as_they_were():
    cells = {"A1": "Họ và tên", "B1": "Ghi chú"}
    cells.update({f"A{n}": f"Học sinh {n}" for n in range(2, 4500)})
    cells.update({f"B{n}": "rows" for n in range(2, 4500, 7)})
    rows = read_rows(_xlsx(cells)).rows
    assert [row[1] for row in rows[1:9]] == ["rows", "", "", "", "", "", "", "rows"]
    assert rows[-1] == ["Học sinh 4499", ""]
