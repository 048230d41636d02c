"""XLSX exports of the donations lists, through the shared ``XlsxExporter``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kernel.exporters import XlsxExporter

TITLE_LINES = ("UBND TỈNH LÀO CAI", "SỞ GIÁO DỤC VÀ ĐÀO TẠO")


class DonorExporter(XlsxExporter):
    title = _("DANH SÁCH NHÀ TÀI TRỢ")
    title_lines = TITLE_LINES
    sheet_name = "Nhà tài trợ"
    columns = (
        (_("Tên nhà tài trợ"), "name"),
        (_("Loại"), "get_kind_display"),
        (_("Mã số thuế"), "tax_code"),
        (_("Người liên hệ"), "contact_name"),
        (_("Điện thoại"), "phone"),
        (_("E-mail"), "email"),
        (_("Đồng ý công khai tên"), "public_consent"),
        (_("Số cam kết"), "pledge_count"),
        (_("Tiền cam kết (đồng)"), "pledged_cash"),
        (_("Tiền đã nhận (đồng)"), "received_cash"),
        (_("Thiết bị cam kết"), "pledged_devices"),
        (_("Thiết bị đã nhận"), "received_devices"),
        (_("Có đợt nộp quá hạn"), "has_overdue"),
    )


class CashReceiptExporter(XlsxExporter):
    title = _("DANH SÁCH KHOẢN THU TÀI TRỢ BẰNG TIỀN")
    title_lines = TITLE_LINES
    sheet_name = "Khoản thu"
    columns = (
        (_("Ngày nhận"), "received_on"),
        (_("Nhà tài trợ"), "pledge.donor.name"),
        (_("Số chứng từ"), "reference"),
        (_("Tài khoản"), "account.name"),
        (_("Số tiền (đồng)"), "amount"),
        (_("Đã chi (đồng)"), "spent"),
        (_("Vượt cam kết"), "over_delivery"),
        (_("Lý do vượt cam kết"), "over_delivery_reason"),
        (_("Người ghi"), "recorded_by"),
    )


def _draws(spending: Any) -> str:
    return "; ".join(
        f"{d.receipt.reference} ({d.receipt.pledge.donor.name}): {d.amount}"
        for d in spending.draws.all()
    )


class SpendingExporter(XlsxExporter):
    title = _("DANH SÁCH KHOẢN CHI TỪ NGUỒN TÀI TRỢ")
    title_lines = TITLE_LINES
    sheet_name = "Khoản chi"
    columns = (
        (_("Ngày chi"), "spent_on"),
        (_("Số chứng từ"), "reference"),
        (_("Mục đích"), "get_purpose_display"),
        (_("Nội dung"), "description"),
        (_("Số tiền (đồng)"), "amount"),
        (_("Tài khoản"), "account.name"),
        (_("Lô thiết bị mua"), "purchase"),
        (_("Số thiết bị"), "device_count"),
        (_("Số thuê bao"), "subscriptions_count"),
        (_("Chi từ khoản thu"), _draws),
    )


class TracedDeviceExporter(XlsxExporter):
    """A donor's devices and where each went (rows are ``(device, place)`` pairs)."""

    title = _("THIẾT BỊ TỪ NHÀ TÀI TRỢ VÀ NƠI SỬ DỤNG")
    title_lines = TITLE_LINES
    sheet_name = "Thiết bị"
    columns = (
        (_("Nguồn"), lambda r: str(r[0].source)),
        (_("Loại thiết bị"), lambda r: r[0].get_device_type_display()),
        (_("Hãng"), lambda r: r[0].make),
        (_("Model"), lambda r: r[0].model_name),
        (_("Số serial"), lambda r: r[0].serial_number),
        (_("IMEI"), lambda r: r[0].imei or ""),
        (_("Trạng thái"), lambda r: r[0].get_status_display()),
        (_("Huyện"), lambda r: r[1]["district"]),
        (_("Trường"), lambda r: r[1]["school"]),
        (_("Đang chuyển đến"), lambda r: r[1]["in_transit_to"]),
        (_("Đã bàn giao"), lambda r: r[1]["handed_over"]),
        (_("Ngày bàn giao"), lambda r: r[1]["handover_date"]),
    )
