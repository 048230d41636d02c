"""Official-document PDF rendering: read back with pypdf, no database needed."""

import datetime
import unicodedata
from decimal import Decimal
from io import BytesIO

import pytest
from pypdf import PdfReader

from kernel.documents import OfficialDocument, OfficialHeader, format_date_vi, format_vnd

HEADER = OfficialHeader(
    issuer_parent="UBND huyện Bảo Yên",
    issuer="Trường PTDTBT THCS Tân Tiến",
    number="Số: 12/BB-THCSTT",
    place="Bảo Yên",
    date=datetime.date(2021, 11, 5),
)
NAMES = ["Giàng Seo Phủ", "Nguyễn Thị Ngọc Ánh", "Lù Thị Mỷ", "Vàng A Dính", "Đặng Văn Lợi"]


def _handover_pdf(rows: int = 35) -> bytes:
    doc = OfficialDocument(
        HEADER,
        "Biên bản bàn giao thiết bị học tập",
        subtitle="Chương trình “Sóng và máy tính cho em” năm học 2021-2022",
    )
    doc.heading("I. THÀNH PHẦN")
    doc.key_values([("Bên giao", "Trường PTDTBT THCS Tân Tiến"), ("Bên nhận", "Giàng Seo Phủ")])
    doc.paragraph("Hôm nay, hai bên cùng tiến hành bàn giao thiết bị học tập trực tuyến. " * 3)
    doc.heading("II. DANH SÁCH THIẾT BỊ")
    doc.table(
        ["STT", "Họ và tên học sinh", "Lớp", "Thiết bị", "Số seri", "Giá trị"],
        [
            [
                i,
                NAMES[i % len(NAMES)],
                f"{6 + i % 4}A{i % 3 + 1}",
                "Máy tính bảng Samsung Galaxy Tab A7 Lite kèm SIM 4G"
                if i % 7 == 0
                else "Máy tính bảng",
                f"SN-{i:05d}",
                format_vnd(3_490_000 + i),
            ]
            for i in range(1, rows + 1)
        ],
        widths=[8, 30, 10, 32, 18, 20],
        totals=["", "Tổng cộng", "", f"{rows} máy", "", format_vnd(3_490_000 * rows)],
    )
    doc.signature_blocks(
        [
            ("Đại diện nhà trường", "(Ký, ghi rõ họ tên, đóng dấu)", "Nguyễn Thị Ngọc Ánh"),
            ("Đại diện gia đình học sinh", "(Ký, ghi rõ họ tên)", ""),
        ]
    )
    return doc.output()


@pytest.fixture(scope="module")
def handover_text() -> list[str]:
    pdf = _handover_pdf()
    assert pdf.startswith(b"%PDF")
    reader = PdfReader(BytesIO(pdf))
    return [unicodedata.normalize("NFC", page.extract_text()) for page in reader.pages]


def test_header_block_renders_vietnamese(handover_text):
    first = handover_text[0]
    assert "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in first
    assert "Độc lập - Tự do - Hạnh phúc" in first
    assert "UBND HUYỆN BẢO YÊN" in first
    assert "TRƯỜNG PTDTBT THCS TÂN TIẾN" in first
    assert "Số: 12/BB-THCSTT" in first
    assert "Bảo Yên, ngày 05 tháng 11 năm 2021" in first
    assert "BIÊN BẢN BÀN GIAO THIẾT BỊ HỌC TẬP" in first


def test_table_spans_pages_with_repeated_header_and_page_numbers(handover_text):
    assert len(handover_text) == 2
    everything = "\n".join(handover_text)
    assert "Giàng Seo Phủ" in everything
    assert "Nguyễn Thị Ngọc Ánh" in everything
    assert "SN-00001" in handover_text[0]
    assert "SN-00035" in handover_text[1]
    assert "3.490.035 đ" in everything
    assert "122.150.000 đ" in handover_text[1]  # totals row
    assert "Họ và tên học sinh" in handover_text[1]  # header repeated
    assert "Trang 1/2" in handover_text[0]
    assert "Trang 2/2" in handover_text[1]
    assert "ĐẠI DIỆN GIA ĐÌNH HỌC SINH" in handover_text[1]
    assert "(Ký, ghi rõ họ tên, đóng dấu)" in handover_text[1]


def test_decomposed_input_is_normalised_and_landscape_works():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ngọc Ánh")
    doc = OfficialDocument(
        OfficialHeader("UBND tỉnh Lào Cai", "Sở Giáo dục và Đào tạo", place="Lào Cai"),
        "Báo cáo tiến độ",
        orientation="L",
        page_numbers=False,
    )
    doc.table(["Huyện", "Số máy"], [[decomposed, 1234]])
    reader = PdfReader(BytesIO(doc.output()))
    page = reader.pages[0]
    assert page.mediabox.width > page.mediabox.height
    text = unicodedata.normalize("NFC", page.extract_text())
    assert "Nguyễn Thị Ngọc Ánh" in text
    assert "1.234" in text
    assert "Trang" not in text


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (0, "0 đ"),
        (500, "500 đ"),
        (1_234_567, "1.234.567 đ"),
        (-50_000, "-50.000 đ"),
        (Decimal("1234567.5"), "1.234.568 đ"),
        (Decimal("1000000.00"), "1.000.000 đ"),
    ],
)
def test_format_vnd(amount, expected):
    assert format_vnd(amount) == expected


def test_format_vnd_refuses_float():
    with pytest.raises(TypeError):
        format_vnd(1.5)


def test_format_date_vi():
    assert format_date_vi(datetime.date(2021, 7, 5)) == "ngày 5 tháng 7 năm 2021"
    assert format_date_vi(datetime.date(2021, 10, 16)) == "ngày 16 tháng 10 năm 2021"
    assert format_date_vi(datetime.date(2022, 2, 3), pad=True) == "ngày 03 tháng 02 năm 2022"
    assert format_date_vi(datetime.date(2021, 7, 5), pad=True) == "ngày 05 tháng 7 năm 2021"
    late_utc = datetime.datetime(2021, 10, 15, 20, 0, tzinfo=datetime.UTC)
    assert format_date_vi(late_utc) == "ngày 16 tháng 10 năm 2021"  # 03:00 in Hà Nội
