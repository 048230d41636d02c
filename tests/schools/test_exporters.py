import datetime as dt
import enum
import io
import os
from decimal import Decimal
from types import SimpleNamespace
from urllib.parse import unquote
from zoneinfo import ZoneInfo

import openpyxl
import pytest
from django.conf import settings

if not os.environ.get("DJANGO_SETTINGS_MODULE") and not settings.configured:
    # Pure-Python tests: HttpResponse only needs default settings.
    settings.configure(USE_I18N=False)

from kernel.exporters import (  # noqa: E402
    XLSX_CONTENT_TYPE,
    XlsxExporter,
    content_disposition,
    neutralize,
    resolve,
    to_excel_value,
)


class Status(enum.Enum):
    APPROVED = "approved"


def _pupil(name, school="THCS Tân Tiến", dob=dt.date(2009, 4, 21)):
    district = SimpleNamespace(name="Bảo Yên")
    return SimpleNamespace(
        full_name=name,
        date_of_birth=dob,
        school=SimpleNamespace(name=school, district=district),
        get_status_display=lambda: "Đã duyệt",
    )


class PupilExporter(XlsxExporter):
    title = "DANH SÁCH HỌC SINH ĐƯỢC HỖ TRỢ"
    title_lines = ("SỞ GIÁO DỤC VÀ ĐÀO TẠO LÀO CAI",)
    columns = (
        ("Họ và tên", "full_name"),
        ("Ngày sinh", "date_of_birth"),
        ("Trường", "school.name"),
        ("Huyện", "school.district.name"),
        ("Trạng thái", "get_status_display"),
        ("Tên in hoa", lambda p: p.full_name.upper()),
    )


def _load(data: bytes):
    return openpyxl.load_workbook(io.BytesIO(data)).active


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("=1+1", "'=1+1"),
        ("+84912345678", "'+84912345678"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=cmd", "'\t=cmd"),
        ("\r=cmd", "'\r=cmd"),
        ("Giàng Seo Phủ", "Giàng Seo Phủ"),
        ("a=b", "a=b"),
        (5, 5),
        (None, None),
    ],
)
def test_neutralize(value, expected):
    assert neutralize(value) == expected


def test_resolve_paths_callables_mappings_and_none():
    pupil = _pupil("A")
    assert resolve(pupil, "school.district.name") == "Bảo Yên"
    assert resolve(pupil, "get_status_display") == "Đã duyệt"
    assert resolve(pupil, lambda p: p.full_name + "!") == "A!"
    assert resolve({"school": {"name": "X"}}, "school.name") == "X"
    assert resolve(SimpleNamespace(school=None), "school.name") is None


def test_to_excel_value_conversions():
    aware = dt.datetime(2021, 9, 15, 1, 0, tzinfo=dt.UTC)
    assert to_excel_value(aware) == dt.datetime(2021, 9, 15, 8, 0)  # Asia/Ho_Chi_Minh
    naive = dt.datetime(2021, 9, 15, 8, 0)
    assert to_excel_value(naive) == naive
    assert to_excel_value(True) == "Có"
    assert to_excel_value(False) == "Không"
    assert to_excel_value(Decimal("1234567")) == Decimal("1234567")
    assert to_excel_value(Status.APPROVED) == "approved"
    assert to_excel_value(ZoneInfo("UTC")) == "UTC"


def test_write_streams_title_block_bold_header_and_rows(tmp_path):
    pupils = [_pupil("Tẩn Phù Dũng"), _pupil('=HYPERLINK("http://evil")', school="+x")]
    path = tmp_path / "ds.xlsx"
    PupilExporter().write(pupils, path)
    ws = _load(path.read_bytes())
    assert ws.title == "Danh sách"
    assert ws["A1"].value == "SỞ GIÁO DỤC VÀ ĐÀO TẠO LÀO CAI"
    assert ws["A2"].value == "DANH SÁCH HỌC SINH ĐƯỢC HỖ TRỢ"
    assert ws["A3"].value is None
    header = [c.value for c in ws[4]]
    assert header == ["Họ và tên", "Ngày sinh", "Trường", "Huyện", "Trạng thái", "Tên in hoa"]
    assert all(c.font.bold for c in ws[4])
    first = [c.value for c in ws[5]]
    assert first == [
        "Tẩn Phù Dũng",
        dt.datetime(2009, 4, 21),
        "THCS Tân Tiến",
        "Bảo Yên",
        "Đã duyệt",
        "TẨN PHÙ DŨNG",
    ]
    assert not ws["A5"].font.bold
    assert ws["A6"].value == '\'=HYPERLINK("http://evil")'
    assert ws["A6"].data_type == "s"
    assert ws["C6"].value == "'+x"
    assert ws.max_row == 6


def test_write_to_stream_without_title_and_with_constructor_arguments():
    exporter = XlsxExporter(columns=[("Mã", "code")], sheet_name="Thiết bị: [mới]")
    buffer = io.BytesIO()
    exporter.write([{"code": "TB-1"}, {"code": "TB-2"}], buffer)
    ws = _load(buffer.getvalue())
    assert [[c.value for c in row] for row in ws.iter_rows()] == [["Mã"], ["TB-1"], ["TB-2"]]
    assert ws.title == "Thiết bị   mới"


def test_rows_uses_queryset_iterator():
    class FakeQuerySet(list):
        def __init__(self, items):
            super().__init__(items)
            self.chunk_sizes = []

        def iterator(self, chunk_size=None):
            self.chunk_sizes.append(chunk_size)
            return iter(list(self))

    qs = FakeQuerySet([{"code": "A"}])
    rows = list(XlsxExporter(columns=[("Mã", "code")]).rows(qs))
    assert rows == [["A"]]
    assert qs.chunk_sizes == [2000]


def test_exporter_without_columns_is_a_programming_error():
    with pytest.raises(ValueError):
        XlsxExporter(title="x")


def test_content_disposition_has_ascii_fallback_and_rfc5987_name():
    value = content_disposition("Danh sách học sinh Bảo Yên.xlsx")
    assert value.startswith('attachment; filename="Danh_sach_hoc_sinh_Bao_Yen.xlsx"')
    encoded = value.split("filename*=UTF-8''", 1)[1]
    assert " " not in encoded
    assert unquote(encoded) == "Danh sách học sinh Bảo Yên.xlsx"
    assert value.isascii()


def test_content_disposition_strips_path_and_quote_characters():
    value = content_disposition('../"evil"\r\n.xlsx')
    assert "\r" not in value and "\n" not in value
    fallback = value.split('filename="', 1)[1].split('"', 1)[0]
    assert "/" not in fallback and '"' not in fallback


def test_as_http_response():
    response = PupilExporter().as_http_response([_pupil("Lý A Chứ")], "Danh sách đề xuất")
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_CONTENT_TYPE
    assert (
        "filename*=UTF-8''Danh%20s%C3%A1ch%20%C4%91%E1%BB%81%20xu%E1%BA%A5t.xlsx"
        in response["Content-Disposition"]
    )
    ws = _load(response.content)
    assert ws["A5"].value == "Lý A Chứ"


def _calamine(data: bytes) -> list[list]:
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    return sheet.to_python(skip_empty_area=False)


def test_cells_keep_their_types_in_openpyxl_and_calamine():
    """Dates as dates, numbers as numbers, text as text: an ID's leading zero survives."""
    row = {
        "code": "0308246281",
        "count": 12,
        "share": 0.25,
        "amount": Decimal("1234567"),
        "day": dt.date(2021, 9, 15),
        "at": dt.datetime(2021, 9, 15, 1, 30, tzinfo=dt.UTC),
        "blank": "",
        "none": None,
        "flag": True,
    }
    exporter = XlsxExporter(columns=[(key, key) for key in row], title="T")
    data = exporter.to_bytes([row, {**row, "day": None, "count": 0}])
    ws = _load(data)
    cells = ws[4]
    assert [c.value for c in cells] == [
        "0308246281",
        12,
        0.25,
        1234567,
        dt.datetime(2021, 9, 15),
        dt.datetime(2021, 9, 15, 8, 30),  # shown in Asia/Ho_Chi_Minh
        None,
        None,
        "Có",
    ]
    assert [c.data_type for c in cells[:6]] == ["s", "n", "n", "n", "d", "d"]
    assert cells[4].number_format == "yyyy-mm-dd"
    assert cells[5].number_format == "yyyy-mm-dd h:mm:ss"
    assert ws["B5"].value == 0 and ws["E5"].value is None
    calamine = _calamine(data)
    assert calamine[3][:6] == [
        "0308246281",
        12,
        0.25,
        1234567,
        dt.date(2021, 9, 15),
        dt.datetime(2021, 9, 15, 8, 30),
    ]
    assert calamine[3][6:] == ["", "", "Có"]


def test_an_empty_list_still_has_its_title_and_header():
    exporter = XlsxExporter(columns=[("Mã", "code"), ("Tên", "name")], title="DANH SÁCH")
    buffer = io.BytesIO()
    assert exporter.write([], buffer) == 0
    ws = _load(buffer.getvalue())
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["DANH SÁCH", None],
        [None, None],
        ["Mã", "Tên"],
    ]
    assert all(c.font.bold for c in ws[3])


def test_one_column_list_with_a_title_and_a_repeated_header():
    one = _load(XlsxExporter(columns=[("Mã", "code")], title="T").to_bytes([{"code": "A"}]))
    assert [row[0] for row in one.iter_rows(values_only=True)] == ["T", None, "Mã", "A"]
    assert one["A1"].font.bold and one["A1"].font.size == 12
    twice = XlsxExporter(columns=[("Ghi chú", "a"), ("Ghi chú", "b")])
    ws = _load(twice.to_bytes([{"a": "x", "b": "y"}]))
    assert [[c.value for c in row] for row in ws.iter_rows()] == [
        ["Ghi chú", "Ghi chú "],
        ["x", "y"],
    ]


def test_text_past_excel_limit_is_cut_there_and_odd_sheet_names_are_fixed():
    emoji = "😀" * 20000  # two UTF-16 units each: 16,383 of them fit
    exporter = XlsxExporter(columns=[("a", "a"), ("b", "b")], sheet_name="'Danh sách'")
    ws = _load(exporter.to_bytes([{"a": "x" * 40000, "b": emoji}]))
    assert ws["A2"].value == "x" * 32767
    assert ws["B2"].value == "😀" * 16383
    assert ws.title == "Danh sách"
