"""The parser child sends typed columns, the extent scan reads the layout on the way."""

import datetime as dt
import io
import pickle

import openpyxl
import pytest
import python_calamine

from kernel import safe_read, xlsx_layout
from kernel._parse_child import encode_column
from kernel.spreadsheets import SpreadsheetError, read_rows
from students.fastrows import read_streaming


def _xlsx(fill) -> bytes:
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "Danh sách"
    fill(sheet)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _in_process(data: bytes) -> list[list[object]]:
    workbook = python_calamine.CalamineWorkbook.from_filelike(io.BytesIO(data))
    return workbook.get_sheet_by_index(0).to_python(skip_empty_area=False)


def test_rows_come_back_cell_for_cell_as_calamine_reads_them_in_process():
    def fill(sheet):
        # The table starts at C3: rows and columns before it are blank, as to_python gives.
        sheet["C3"], sheet["D3"], sheet["E3"], sheet["F3"] = "Họ và tên", "Ngày sinh", "Điểm", "x"
        for n in range(4, 2600):  # more than one chunk
            sheet[f"C{n}"] = f"Học sinh {n}"
            sheet[f"D{n}"] = dt.datetime(2012, 1 + n % 12, 1 + n % 28)
            sheet[f"E{n}"] = float(n) if n % 3 else None  # numbers with blank cells
            sheet[f"F{n}"] = "Nam" if n % 2 else "Nữ"

    data = _xlsx(fill)

    rows = read_rows(data).rows

    expected = _in_process(data)
    assert rows == [list(row) for row in expected]
    assert rows[2][:3] == ["", "", "Họ và tên"]
    assert rows[4][2:6] == ["Học sinh 5", expected[4][3], 5.0, "Nam"]
    assert rows[5][4] == ""


def test_equal_texts_of_a_column_come_back_as_one_string():
    def fill(sheet):
        sheet.append(["Họ và tên", "Giới tính"])
        for n in range(200):
            sheet.append([f"Học sinh {n}", "Nữ" if n % 2 else "Nam"])

    rows = read_rows(_xlsx(fill)).rows

    assert rows[1][1] == rows[3][1] == "Nam" and rows[2][1] == "Nữ"
    assert rows[1][1] is rows[3][1]  # one object, not one per cell
    assert len({id(row[0]) for row in rows}) == len(rows)


@pytest.mark.parametrize(
    "column",
    [
        ("a", "a\x00b", "c"),  # a NUL inside a cell
        ("x", "x", "x", "y"),
        ("Hà", "Lâm", "Bắc"),
        (1.5, float("inf"), -0.0),
        (1.0, "", 3.0),
        (dt.date(2012, 5, 1), "", True, 7),
    ],
)
def test_every_kind_of_column_survives_the_transport(column):
    encoded = encode_column(column)
    payload = pickle.dumps(("cols", len(column), [encoded]))
    item = safe_read._PlainUnpickler(io.BytesIO(payload)).load()

    rows = safe_read._rows(item)

    assert [row[0] for row in rows] == list(column)
    assert [type(row[0]) for row in rows] == [type(v) for v in column]


def test_a_chunk_that_does_not_add_up_is_refused():
    encoded = encode_column(("a", "b", "c"))
    with pytest.raises(SpreadsheetError) as caught:
        safe_read._rows(("cols", 5, [encoded]))
    assert "không đọc được tệp" in caught.value.message.lower()
    with pytest.raises(SpreadsheetError):
        safe_read._rows(("cols", 1, [("k", ["a"], b"\x09\x00\x00\x00")]))


def test_extent_scan_returns_each_sheets_hidden_rows():
    def fill(sheet):
        sheet.append(["Họ và tên", "Ngày sinh"])
        for n in range(2, 30):
            sheet.append([f"Học sinh {n}", "1/1/2015"])
        for n in (14, 15, 16, 25):
            sheet.row_dimensions[n].hidden = True

    layouts = safe_read.check_extent(_xlsx(fill))

    assert set(layouts) == {"Danh sách"}
    assert layouts["Danh sách"].hidden_rows == {13, 14, 15, 24}
    assert layouts["Danh sách"].cell_encodings == {}


def test_readers_take_the_layout_from_the_extent_scan_without_a_second_pass(monkeypatch):
    def refuse(*args, **kwargs):
        raise AssertionError("the sheet XML must be read once")

    monkeypatch.setattr(xlsx_layout, "scan_layout", refuse)

    def fill(sheet):
        sheet.append(["Họ và tên", "Ngày sinh"])
        for n in range(2, 80):
            sheet.append([f"Học sinh {n}", "1/1/2015"])
        sheet.row_dimensions[5].hidden = True
        sheet.row_dimensions[70].hidden = True

    data = _xlsx(fill)

    assert read_rows(data).hidden_rows == {4, 69}
    sheet, rest = read_streaming(data, max_bytes=1_000_000, head_rows=10)
    assert sheet.hidden_rows == {4, 69} and len(list(rest)) == 79 - 10


def test_legacy_font_cells_are_found_by_the_same_scan():
    from openpyxl.styles import Font

    def fill(sheet):
        sheet.append(["Họ và tên", "Ngày sinh"])
        sheet.append(["Hoµng V¨n Nam", "1/1/2015"])
        sheet["A2"].font = Font(name=".VnTime")

    layouts = safe_read.check_extent(_xlsx(fill))

    assert layouts["Danh sách"].cell_encodings == {(1, 0): "tcvn3"}
    assert read_rows(_xlsx(fill)).rows[1][0] == "Hoàng Văn Nam"


def test_rows_without_numbers_are_counted_for_hidden_rows():
    scan = xlsx_layout.LayoutScan({})
    scan.feed(b"<sheetData><row><c><v>1</v></c></row><row hidden='0'></row><ro")
    scan.feed(b'w hidden="1"><c/></row><row></row></sheetData>')
    assert scan.close().hidden_rows == {2}
