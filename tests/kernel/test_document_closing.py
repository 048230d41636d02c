"""The closing block of an official document: "Nơi nhận" and signatures, kept with what precedes."""

import datetime
from io import BytesIO

import pytest
from pypdf import PdfReader

from kernel.documents import OfficialDocument, OfficialHeader

HEADER = OfficialHeader(
    issuer_parent="UBND tỉnh Lào Cai",
    issuer="Sở Giáo dục và Đào tạo",
    number="Số: 03/BC-SGDĐT",
    place="Lào Cai",
    date=datetime.date(2021, 11, 5),
)
RECIPIENTS = ["- UBND tỉnh (b/c);", "- Lưu: VT."]
SIGNATURES = [("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", ""), ("GIÁM ĐỐC", "(Ký tên, đóng dấu)", "")]


def _pages(rows: int, orientation: str = "P") -> list[str]:
    doc = OfficialDocument(HEADER, "Báo cáo tiến độ", orientation=orientation)
    doc.table(
        ["STT", "Trường", "Mã trường"],
        [[str(i), f"Trường số {i}", f"087{i:05d}"] for i in range(1, rows + 1)],
        widths=[0.5, 3, 1],
        keep_with_next=doc.closing_height(RECIPIENTS, SIGNATURES),
    )
    doc.closing(RECIPIENTS, SIGNATURES)
    return [p.extract_text() for p in PdfReader(BytesIO(doc.output())).pages]


def test_closing_has_the_recipients_and_the_signatures_side_by_side():
    [page] = _pages(3)
    assert "Nơi nhận:" in page and "- UBND tỉnh (b/c);" in page and "- Lưu: VT." in page
    assert "GIÁM ĐỐC" in page and "NGƯỜI LẬP BIỂU" in page


@pytest.mark.parametrize("orientation", ["P", "L"])
def test_signatures_are_never_alone_on_a_page(orientation):
    """Every table length near a page's end: the last row and the signatures share a page."""
    seen_break = False
    for rows in range(10, 60):
        pages = _pages(rows, orientation)
        last = pages[-1]
        assert "GIÁM ĐỐC" in last, rows
        assert f"Trường số {rows}" in last, (rows, orientation)
        assert "GIÁM ĐỐC" not in "".join(pages[:-1])
        seen_break = seen_break or len(pages) > 1
    assert seen_break  # the range did cross a page end
