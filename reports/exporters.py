"""XLSX exports of the reports app, all through ``kernel.exporters.XlsxExporter``."""

from __future__ import annotations

from typing import Any

from kernel.exporters import XlsxExporter
from reports.selectors import Dashboard


class OutreachExporter(XlsxExporter):
    title = "DANH SÁCH HOẠT ĐỘNG TUYÊN TRUYỀN"
    sheet_name = "Tuyên truyền"
    columns = (
        ("Ngày", "held_on"),
        ("Đơn vị", "unit_label"),
        ("Hình thức", "get_channel_display"),
        ("Nội dung", "title"),
        ("Đường dẫn", "link"),
        ("Người ghi", "created_by"),
    )


def figures_exporter(board: Dashboard) -> XlsxExporter:
    """The main dashboard table: one row per unit, then the totals row."""
    columns: list[tuple[str, Any]] = [
        ("Mã", "code"),
        ("Đơn vị", "name"),
        ("HS khó khăn cần hỗ trợ", "needy"),
        ("Lượt đề xuất", "proposed"),
        ("Suất hỗ trợ được duyệt", "approved"),
        ("Được duyệt – thiết bị", "approved_devices"),
        ("Được duyệt – gói cước", "approved_data"),
        ("HS được duyệt hỗ trợ", "approved_pupils"),
        ("Thiết bị đã bàn giao", "handed_over"),
        ("Gói cước đang hoạt động", "data_active"),
        ("Điểm đã phủ sóng", "coverage_covered"),
        ("Tổng số điểm phủ sóng", "coverage_total"),
    ]
    return XlsxExporter(
        title=f"SỐ LIỆU CHƯƠNG TRÌNH “SÓNG VÀ MÁY TÍNH CHO EM” – {board.title.upper()}",
        columns=columns,
        sheet_name="Số liệu",
    )


def categories_exporter(board: Dashboard) -> XlsxExporter:
    """Needy pupils per unit and household category."""
    columns: list[tuple[str, Any]] = [("Mã", "code"), ("Đơn vị", "name")]
    columns.extend(
        (category.name, lambda row, pk=category.pk: row.by_category.get(pk, 0))
        for category in board.categories
    )
    columns.append(("Tổng", "needy"))
    return XlsxExporter(
        title=f"HỌC SINH KHÓ KHĂN CẦN HỖ TRỢ THEO DIỆN – {board.title.upper()}",
        columns=columns,
        sheet_name="Theo diện",
    )
