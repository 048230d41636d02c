"""The progress report in its official form, as XLSX (openpyxl) and PDF (OfficialDocument).

Both are built from the figures stored on the report, so a report can be
rebuilt identically and the files always match what the portal shows.
"""

from __future__ import annotations

import datetime as dt
import io
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from kernel.documents import OfficialDocument, OfficialHeader, format_date_vi, format_vnd
from kernel.exporters import neutralize
from schools.grouping import CURRENT

ISSUER_PARENT = "UBND TỈNH {province}"
ISSUER = "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
MOTTO_1 = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO_2 = "Độc lập - Tự do - Hạnh phúc"
TITLE = "BÁO CÁO TIẾN ĐỘ THỰC HIỆN CHƯƠNG TRÌNH “SÓNG VÀ MÁY TÍNH CHO EM”"

# (key in the figures, column header)
COLUMNS = [
    ("needy", "HS khó khăn cần hỗ trợ"),
    ("approved_pupils", "HS được duyệt hỗ trợ"),
    ("proposed", "Lượt đề xuất"),
    ("approved", "Suất hỗ trợ được duyệt"),
    ("handed_over", "Thiết bị đã bàn giao"),
    ("data_active", "Gói cước đang hoạt động"),
    ("coverage_covered", "Điểm đã phủ sóng"),
    ("coverage_total", "Tổng số điểm phủ sóng"),
]
CHANGE_KEYS = [
    "needy",
    "approved_pupils",
    "approved",
    "handed_over",
    "data_active",
    "coverage_covered",
]


def _date(value: str) -> dt.date:
    return dt.date.fromisoformat(value[:10])


def _province() -> str:
    return settings.PORTAL_PROVINCE_NAME


def period_line(figures: dict[str, Any]) -> str:
    start, end = _date(figures["period_start"]), _date(figures["period_end"])
    return f"(Từ ngày {start:%d/%m/%Y} đến ngày {end:%d/%m/%Y})"


def _signed(n: int) -> str:
    return f"+{n}" if n > 0 else str(n)


def by_communes(figures: dict[str, Any]) -> bool:
    """Tabled by the communes of 1 July 2025 (a period since the reform), not districts."""
    return figures.get("grouping") == CURRENT


def unit_name(row: dict[str, Any]) -> str:
    """The row's body as it was in the period (Phòng GD&ĐT huyện …), else its unit."""
    return str(row.get("body") or row["name"])


def district_rows(figures: dict[str, Any]) -> list[list[Any]]:
    return [
        [i, unit_name(d), *[d[key] for key, _label in COLUMNS], outreach_for(figures, d)]
        for i, d in enumerate(figures["districts"], start=1)
    ]


def outreach_for(figures: dict[str, Any], district: dict[str, Any]) -> int:
    counts = figures["outreach"]["by_commune" if by_communes(figures) else "by_district"]
    return counts.get(str(district["id"]), {}).get("period", 0)


def units_heading(figures: dict[str, Any]) -> str:
    if by_communes(figures):
        return "II. SỐ LIỆU THEO XÃ, PHƯỜNG (ĐƠN VỊ HÀNH CHÍNH TỪ 01/7/2025)"
    return "II. SỐ LIỆU THEO ĐƠN VỊ CẤP HUYỆN"


def totals_row(figures: dict[str, Any]) -> list[Any]:
    t = figures["totals"]
    return ["", "Tổng cộng", *[t[key] for key, _label in COLUMNS], figures["outreach"]["period"]]


def change_rows(figures: dict[str, Any], *, signed: bool = True) -> list[list[Any]]:
    """Per district, the change of each figure since the previous report ("+3", or 3)."""
    changes = figures.get("changes") or {}
    fmt = _signed if signed else int
    return [
        [unit_name(d), *[fmt(changes.get(d["code"], {}).get(k, 0)) for k in CHANGE_KEYS]]
        for d in figures["districts"]
    ]


def headers() -> list[str]:
    return ["STT", "Đơn vị", *[label for _key, label in COLUMNS], "Tuyên truyền trong kỳ"]


def change_headers() -> list[str]:
    labels = dict(COLUMNS)
    return ["Đơn vị", *[f"{labels[k]} (tăng/giảm)" for k in CHANGE_KEYS]]


def summary_lines(figures: dict[str, Any]) -> list[str]:
    t = figures["totals"]
    donations = figures.get("donations") or {}
    c = figures["completeness"]
    lines = [
        _(
            "Toàn tỉnh có %(needy)s học sinh khó khăn cần hỗ trợ thiết bị hoặc gói cước; "
            "%(pupils)s học sinh đã được duyệt hỗ trợ (%(approved)s suất hỗ trợ); "
            "%(handed_over)s thiết bị đã bàn giao; %(data_active)s gói cước đang hoạt động; "
            "%(covered)s/%(points)s điểm đã phủ sóng (4G trở lên; điểm có kế hoạch phủ sóng "
            "khi kế hoạch đã nghiệm thu)."
        )
        % {
            "needy": t["needy"],
            "pupils": t.get("approved_pupils", 0),
            "approved": t["approved"],
            "handed_over": t["handed_over"],
            "data_active": t["data_active"],
            "covered": t["coverage_covered"],
            "points": t["coverage_total"],
        },
    ]
    if donations:
        lines.append(
            _("Tài trợ bằng tiền: cam kết %(pledged)s, đã nhận %(received)s.")
            % {
                "pledged": format_vnd(donations["pledged"]),
                "received": format_vnd(donations["received"]),
            }
        )
    lines.append(
        _(
            "Hoạt động tuyên truyền: %(period)s hoạt động trong kỳ, "
            "%(total)s hoạt động từ đầu chương trình."
        )
        % {"period": figures["outreach"]["period"], "total": figures["outreach"]["total"]}
    )
    lines.append(
        _(
            "Cập nhật dữ liệu: %(updated)s/%(schools)s trường có cập nhật từ ngày %(since)s; "
            "%(districts)s đơn vị cấp huyện không có trường nào cập nhật."
        )
        % {
            "updated": c["schools_updated"],
            "schools": c["schools_total"],
            "since": f"{_date(c['since']):%d/%m/%Y}",
            "districts": len(c["districts"]),
        }
    )
    return lines


# "Nơi nhận" of the report (Decree 30/2020): who it is sent to, and the copy kept on file.
RECIPIENTS = [
    "- Bộ Giáo dục và Đào tạo (b/c);",
    "- UBND tỉnh (b/c);",
    "- Ban Chỉ đạo Chương trình tỉnh;",
    "- Giám đốc, các Phó Giám đốc Sở;",
    "- Lưu: VT, Văn phòng.",
]
SIGNATURES = [
    ("NGƯỜI LẬP BIỂU", "(Ký, ghi rõ họ tên)", ""),
    ("KT. GIÁM ĐỐC\nPHÓ GIÁM ĐỐC", "(Ký tên, đóng dấu)", ""),
]


# size: the official report workbook laid out sheet by sheet, top to bottom
def build_xlsx(figures: dict[str, Any], *, number: str, issued_on: dt.date) -> bytes:
    """The report workbook: main sheet, changes, completeness."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, Side
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Báo cáo"
    ncols = len(headers())
    half = ncols // 2
    bold, center = (
        Font(bold=True),
        Alignment(horizontal="center", vertical="center", wrap_text=True),
    )
    thin = Side(style="thin", color="999999")
    box = Border(left=thin, right=thin, top=thin, bottom=thin)

    def merged(row: int, c1: int, c2: int, value: str, font: Font | None = None) -> None:
        ws.merge_cells(start_row=row, start_column=c1, end_row=row, end_column=c2)
        cell = ws.cell(row=row, column=c1, value=neutralize(value))
        cell.alignment = center
        if font:
            cell.font = font

    merged(1, 1, half, ISSUER_PARENT.format(province=_province().upper()))
    merged(2, 1, half, ISSUER, bold)
    merged(1, half + 1, ncols, MOTTO_1, bold)
    merged(2, half + 1, ncols, MOTTO_2, Font(bold=True, underline="single"))
    merged(3, 1, half, f"Số: {number}")
    merged(
        3,
        half + 1,
        ncols,
        f"{_province()}, {format_date_vi(issued_on, pad=True)}",
        Font(italic=True),
    )
    merged(5, 1, ncols, TITLE, Font(bold=True, size=13))
    merged(6, 1, ncols, period_line(figures), Font(italic=True))
    if by_communes(figures):
        merged(7, 1, ncols, units_heading(figures)[4:].capitalize(), Font(italic=True))
    row = 8
    for line in summary_lines(figures):
        merged(row, 1, ncols, line)
        ws.cell(row=row, column=1).alignment = Alignment(wrap_text=True, vertical="top")
        ws.row_dimensions[row].height = 32
        row += 1
    row += 1
    header_row = row
    for col, text in enumerate(headers(), start=1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font, cell.alignment, cell.border = bold, center, box
    ws.row_dimensions[row].height = 45
    row += 1
    for col in range(1, ncols + 1):
        cell = ws.cell(row=row, column=col, value=f"({col})")
        cell.alignment, cell.border = center, box
    row += 1
    for values in district_rows(figures):
        for col, value in enumerate(values, start=1):
            ws.cell(row=row, column=col, value=neutralize(value)).border = box
        row += 1
    for col, value in enumerate(totals_row(figures), start=1):
        cell = ws.cell(row=row, column=col, value=neutralize(value))
        cell.font, cell.border = bold, box
    row += 3
    for i, (title, note, _name) in enumerate(SIGNATURES):
        c1, c2 = (1, half) if i == 0 else (half + 1, ncols)
        merged(row, c1, c2, title.replace("\n", " – "), bold)
        merged(row + 1, c1, c2, note, Font(italic=True))
    # "Nơi nhận" under the signatures' space, on the left as on the PDF.
    row += 7
    # The lines are the portal's own text, not data: written as they are ("- …" is no formula
    # for a cell typed as text).
    for offset, line in enumerate(["Nơi nhận:", *RECIPIENTS]):
        ws.merge_cells(
            start_row=row + offset, start_column=1, end_row=row + offset, end_column=half
        )
        cell = ws.cell(row=row + offset, column=1, value=line)
        cell.data_type = "s"
        cell.alignment = Alignment(horizontal="left")
        cell.font = Font(bold=True, italic=True) if offset == 0 else Font(size=10)
    ws.column_dimensions["A"].width = 6
    ws.column_dimensions["B"].width = 30
    for col in range(3, ncols + 1):
        ws.column_dimensions[get_column_letter(col)].width = 15
    ws.freeze_panes = ws.cell(row=header_row + 2, column=3)
    ws.page_setup.orientation = "landscape"

    changes = wb.create_sheet("Thay đổi")
    previous = figures.get("previous")
    changes.append(
        [
            "So với báo cáo trước: "
            + (
                f"{previous['number']} (đến ngày {_date(previous['period_end']):%d/%m/%Y})"
                if previous
                else "chưa có báo cáo trước"
            )
        ]
    )
    changes.append(change_headers())
    for values in change_rows(figures, signed=False):
        changes.append([neutralize(v) for v in values])
        for cell in changes[changes.max_row][1:]:
            cell.number_format = "+#,##0;-#,##0;0"
    changes.column_dimensions["A"].width = 30

    comp = wb.create_sheet("Chưa cập nhật")
    c = figures["completeness"]
    comp.append(
        [f"Đơn vị chưa cập nhật dữ liệu từ ngày {_date(c['since']):%d/%m/%Y} đến hết kỳ báo cáo"]
    )
    comp.append(["Cấp huyện", "Mã"])
    for d in c["districts"]:
        comp.append([neutralize(d["name"]), d["code"]])
    comp.append([])
    comp.append(["Trường", "Mã trường", "Huyện"])
    for s in c["schools"]:
        comp.append([neutralize(s["name"]), s["code"], neutralize(s["district"])])
    comp.column_dimensions["A"].width = 40

    out = wb.create_sheet("Tuyên truyền")
    out.append(["Hình thức", "Trong kỳ", "Từ đầu chương trình"])
    labels = figures["outreach"].get("channel_labels", {})
    for channel, counts in sorted(figures["outreach"]["by_channel"].items()):
        out.append([labels.get(channel, channel), counts["period"], counts["total"]])
    out.append(["Tổng cộng", figures["outreach"]["period"], figures["outreach"]["total"]])
    out.column_dimensions["A"].width = 36

    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _unupdated_units(doc: OfficialDocument, figures: dict[str, Any]) -> None:
    """Section IV, the last before the closing block, which stays on its page."""
    # The last table or paragraph stays on the page of the closing block; a section of
    # one or two lines takes its heading along.
    keep = doc.closing_height(RECIPIENTS, SIGNATURES)
    c = figures["completeness"]
    short = 0 if c["schools"] else keep + 2 * doc.line_height + 3
    doc.heading("IV. ĐƠN VỊ CHƯA CẬP NHẬT DỮ LIỆU", keep_with_next=short)
    if c["districts"]:
        doc.paragraph(
            "Đơn vị cấp huyện: " + "; ".join(d["name"] for d in c["districts"]) + ".",
            keep_with_next=0 if c["schools"] else keep,
        )
    if c["schools"]:
        doc.table(
            ["Trường", "Mã trường", "Đơn vị cấp huyện"],
            [[s["name"], s["code"], s["district"]] for s in c["schools"]],
            widths=[3, 1, 2],
            font_size=9,
            keep_with_next=keep,
        )
    if not c["districts"] and not c["schools"]:
        doc.paragraph("Tất cả các trường đã cập nhật dữ liệu trong kỳ.", keep_with_next=keep)


def build_pdf(figures: dict[str, Any], *, number: str, issued_on: dt.date) -> bytes:
    """The report as an official PDF document, A4 landscape."""
    doc = OfficialDocument(
        OfficialHeader(
            issuer_parent=ISSUER_PARENT.format(province=_province()),
            issuer=ISSUER,
            number=f"Số: {number}",
            place=_province(),
            date=issued_on,
        ),
        title=TITLE,
        subtitle=period_line(figures),
        orientation="L",
    )
    doc.heading("I. KẾT QUẢ THỰC HIỆN")
    for line in summary_lines(figures):
        doc.paragraph(line)
    doc.heading(units_heading(figures))
    doc.table(
        headers(),
        district_rows(figures),
        widths=[0.5, 2.2, 1.1, 1, 1, 1, 1.1, 1.1, 1, 1, 1.1],
        totals=totals_row(figures),
        font_size=9,
    )
    doc.heading("III. THAY ĐỔI SO VỚI BÁO CÁO TRƯỚC")
    previous = figures.get("previous")
    if previous:
        doc.paragraph(
            f"So với báo cáo số {previous['number']} "
            f"(đến ngày {_date(previous['period_end']):%d/%m/%Y})."
        )
        doc.table(
            change_headers(),
            change_rows(figures),
            widths=[2.4] + [1.2] * len(CHANGE_KEYS),
            font_size=9,
        )
    else:
        doc.paragraph("Đây là báo cáo đầu tiên; chưa có số liệu để so sánh.")
    _unupdated_units(doc, figures)
    doc.closing(RECIPIENTS, SIGNATURES)
    return doc.output()
