"""Acknowledgement of receipt and thank-you letter, as an official PDF."""

from __future__ import annotations

import datetime as dt

from django.db.models import Q, Sum

from devices.models import Device
from donations.models import CashReceipt, Donor, InKindReceipt
from kernel.documents import OfficialDocument, OfficialHeader, format_date_vi, format_vnd
from kernel.numbers_vi import amount_in_words

ISSUER_PARENT = "UBND TỈNH LÀO CAI"
ISSUER = "SỞ GIÁO DỤC VÀ ĐÀO TẠO"
PLACE = "Lào Cai"
TITLE = "Giấy xác nhận tiếp nhận tài trợ và thư cảm ơn"
PROGRAMME = "“Sóng và máy tính cho em” (Kế hoạch số 365/KH-UBND của UBND tỉnh Lào Cai)"
SIGNATURE = ("GIÁM ĐỐC", "(Ký, ghi rõ họ tên, đóng dấu)", "")


def _document(number: str, date) -> OfficialDocument:
    header = OfficialHeader(
        issuer_parent=ISSUER_PARENT, issuer=ISSUER, number=number, place=PLACE, date=date
    )
    return OfficialDocument(header, TITLE, subtitle=f"Chương trình {PROGRAMME}")


def _donor_lines(doc: OfficialDocument, donor: Donor) -> None:
    pairs = [("Kính gửi", donor.name)]
    if donor.tax_code:
        pairs.append(("Mã số thuế", donor.tax_code_display))
    if donor.address:
        pairs.append(("Địa chỉ", donor.address))
    doc.key_values(pairs)


def _thanks(doc: OfficialDocument, donor: Donor) -> None:
    doc.paragraph(
        f"Sở Giáo dục và Đào tạo tỉnh Lào Cai trân trọng cảm ơn {donor.name} đã chung tay cùng "
        "ngành Giáo dục tỉnh Lào Cai, để không học sinh nào bị bỏ lại phía sau. Khoản tài trợ được "
        "quản lý, sử dụng công khai, minh bạch, đúng mục đích, đúng đối tượng; kết quả được công "
        "bố trên trang công khai của Cổng thông tin chương trình."
    )


def _cash_as_at(receipts: object, receipt: CashReceipt) -> int:
    """Cash of ``receipts`` received up to this receipt: earlier days, and earlier the same day.

    A letter printed again later says what it said on its date, whatever came in after.
    """
    assert hasattr(receipts, "filter")
    earlier = Q(received_on__lt=receipt.received_on) | Q(
        received_on=receipt.received_on, pk__lte=receipt.pk
    )
    return receipts.filter(earlier).aggregate(t=Sum("amount"))["t"] or 0


def _devices_as_at(donor: Donor, day: dt.date) -> int:
    """Devices the donor had delivered up to ``day`` (the in-kind letter's date)."""
    return Device.objects.filter(
        source__donation_receipt__pledge__donor=donor, source__received_on__lte=day
    ).count()


def cash_receipt_pdf(receipt: CashReceipt) -> bytes:
    """Acknowledgement of one cash receipt, with the pledge's running total."""
    pledge = receipt.pledge
    donor = pledge.donor
    doc = _document(f"Số: {receipt.pk:04d}/GXN-SGDĐT", receipt.received_on)
    _donor_lines(doc, donor)
    doc.paragraph(
        f"Sở Giáo dục và Đào tạo tỉnh Lào Cai xác nhận đã tiếp nhận khoản tài trợ bằng tiền "
        f"của {donor.name} cho Chương trình {PROGRAMME}, cụ thể:"
    )
    received = _cash_as_at(pledge.cash_receipts, receipt)
    donor_total = _cash_as_at(CashReceipt.objects.filter(pledge__donor=donor), receipt)
    day = f"{receipt.received_on:%d/%m/%Y}"
    doc.key_values(
        [
            ("Số tiền", format_vnd(receipt.amount)),
            ("Bằng chữ", amount_in_words(receipt.amount)),
            ("Ngày nhận", f"{receipt.received_on:%d/%m/%Y}"),
            ("Tài khoản nhận", f"{receipt.account.name}, {receipt.account.bank}"),
            ("Số tài khoản", receipt.account.number),
            ("Số chứng từ", receipt.reference),
            (
                "Theo cam kết",
                f"{format_date_vi(pledge.pledged_on)}, {format_vnd(pledge.cash_amount)}",
            ),
            (f"Đã nhận theo cam kết đến ngày {day}", format_vnd(received)),
            (f"Tổng số tiền {donor.name} đã tài trợ đến ngày {day}", format_vnd(donor_total)),
            ("Bằng chữ", amount_in_words(donor_total)),
        ]
    )
    _thanks(doc, donor)
    doc.signature_blocks([SIGNATURE])
    return doc.output()


def inkind_receipt_pdf(receipt: InKindReceipt) -> bytes:
    """Acknowledgement of one in-kind delivery, listing every device received."""
    pledge = receipt.pledge
    donor = pledge.donor
    source = receipt.source
    devices = list(Device.objects.filter(source=source).order_by("device_type", "serial_number"))
    doc = _document(f"Số: {receipt.pk:04d}/GXN-HV-SGDĐT", source.received_on)
    _donor_lines(doc, donor)
    doc.paragraph(
        f"Sở Giáo dục và Đào tạo tỉnh Lào Cai xác nhận đã tiếp nhận tài trợ bằng hiện vật "
        f"của {donor.name} cho Chương trình {PROGRAMME}, cụ thể:"
    )
    doc.key_values(
        [
            ("Biên bản giao nhận số", source.reference),
            ("Ngày nhận", f"{source.received_on:%d/%m/%Y}"),
            ("Số thiết bị", f"{len(devices)} thiết bị, nhập kho Sở Giáo dục và Đào tạo"),
            (
                f"Tổng số thiết bị {donor.name} đã tài trợ đến ngày {source.received_on:%d/%m/%Y}",
                f"{_devices_as_at(donor, source.received_on)} thiết bị",
            ),
        ]
    )
    doc.table(
        ["STT", "Loại thiết bị", "Hãng, model", "Số serial", "IMEI", "Tình trạng"],
        [
            [
                str(i),
                d.get_device_type_display(),
                f"{d.make} {d.model_name}",
                d.serial_number,
                d.imei or "",
                d.get_condition_display(),
            ]
            for i, d in enumerate(devices, start=1)
        ],
        widths=[0.6, 1.6, 2.0, 1.6, 1.8, 1.2],
        totals=["", "Tổng cộng", f"{len(devices)} thiết bị", "", "", ""],
        font_size=9,
    )
    _thanks(doc, donor)
    doc.signature_blocks([SIGNATURE])
    return doc.output()
