"""The handover record (biên bản bàn giao thiết bị) as an official PDF."""

from __future__ import annotations

from collections.abc import Collection

from django.utils import timezone

from devices.models import Allocation, StockTransfer
from kernel.documents import OfficialDocument, OfficialHeader, format_date_vi
from kernel.normalize import strip_unit_prefix
from schools.models import Commune, District, School


# size: the official handover record laid out top to bottom, one call per paragraph of the form
def handover_pdf(allocation: Allocation) -> bytes:
    """Biên bản bàn giao between the school and the pupil's parent/guardian.

    Expects ``allocation`` with device, student (household, village, commune) and
    school (district, commune) loaded.
    """
    school = allocation.school
    student = allocation.student
    household = student.household
    device = allocation.device
    on = allocation.handover_date or timezone.localdate()
    place = strip_unit_prefix(school.commune.name) if school.commune_id else ""
    header = OfficialHeader(
        issuer_parent=f"Phòng GD&ĐT {school.district.name}",
        issuer=school.name,
        number=f"Số: {allocation.pk:04d}/BB-BGTB",
        place=place,
        date=on,
    )
    doc = OfficialDocument(
        header,
        "Biên bản bàn giao thiết bị học tập",
        subtitle="Chương trình “Sóng và máy tính cho em”",
    )
    doc.paragraph(
        f"Hôm nay, {format_date_vi(on)}, tại {school.name}"
        f"{', ' + school.commune.name if school.commune_id else ''}, "
        f"{school.district.name}, chúng tôi gồm:"
    )
    doc.heading("BÊN GIAO (Bên A): " + school.name.upper())
    doc.key_values([("Đại diện", "...................................... Chức vụ: Hiệu trưởng")])
    guardian = household.guardian_name or "....................................................."
    doc.heading("BÊN NHẬN (Bên B): CHA/MẸ HOẶC NGƯỜI GIÁM HỘ CỦA HỌC SINH")
    residence = ", ".join(
        part
        for part in (
            student.village.name if student.village is not None else "",
            student.commune.name if student.commune_id else "",
        )
        if part
    )
    doc.key_values(
        [
            (
                "Ông/bà",
                f"{guardian} – quan hệ với học sinh: "
                f"{household.guardian_relation or '..............'}",
            ),
            ("Nơi cư trú", residence or "........................"),
        ]
    )
    doc.heading("HỌC SINH ĐƯỢC HỖ TRỢ")
    doc.key_values(
        [
            ("Họ và tên", student.full_name),
            (
                "Ngày sinh",
                f"{student.date_of_birth:%d/%m/%Y} – lớp {student.class_name} – mã định danh "
                f"{student.pupil_code}",
            ),
        ]
    )
    doc.heading("THIẾT BỊ BÀN GIAO")
    doc.table(
        ["STT", "Thiết bị", "Hãng / Model", "Số serial", "IMEI", "Tình trạng"],
        [
            [
                "1",
                device.get_device_type_display(),
                f"{device.make} {device.model_name}",
                device.serial_number,
                device.imei or "—",
                device.get_condition_display(),
            ]
        ],
        widths=[0.5, 1.5, 2, 1.6, 1.9, 1.2],
    )
    if allocation.terms == Allocation.Terms.LOAN and allocation.loan_until:
        doc.paragraph(
            "Hình thức: CHO MƯỢN đến hết "
            f"{format_date_vi(allocation.loan_until)}. Bên B có trách nhiệm giữ gìn, sử dụng "
            "thiết bị đúng mục đích học tập và trả lại nhà trường khi hết thời hạn mượn, khi "
            "học sinh chuyển trường hoặc nghỉ học; làm mất hoặc hư hỏng phải báo ngay cho nhà "
            "trường.",
            bold=False,
        )
    else:
        doc.paragraph(
            "Hình thức: TẶNG. Thiết bị thuộc quyền sử dụng của học sinh để phục vụ học tập; "
            "Bên B không được bán, cho, cầm cố thiết bị. Khi học sinh chuyển trường hoặc nghỉ "
            "học, nhà trường có thể thu hồi để cấp cho học sinh khác có hoàn cảnh khó khăn."
        )
    doc.paragraph(
        "Bên A đã bàn giao đầy đủ thiết bị nêu trên cho Bên B; Bên B đã kiểm tra và nhận đủ. "
        "Biên bản được lập thành 02 bản có giá trị như nhau, mỗi bên giữ 01 bản."
    )
    doc.signature_blocks(
        [
            ("Đại diện Bên B", "(Ký, ghi rõ họ tên)", household.guardian_name),
            ("Đại diện Bên A", "(Ký, ghi rõ họ tên, đóng dấu)", ""),
        ]
    )
    return doc.output()


def _unit_name(
    district: District | None, school: School | None, commune: Commune | None = None
) -> str:
    if school is not None:
        return school.name
    if commune is not None:
        return f"UBND {commune.name}"
    if district is not None:
        return f"Phòng GD&ĐT {district.name}"
    return "Sở GD&ĐT"


# size: the official transfer slip laid out top to bottom, one call per part of the form
def transfer_slip_pdf(transfer: StockTransfer, missing: Collection[str] = ()) -> bytes:
    """Biên bản giao nhận thiết bị between the sending and the receiving unit.

    ``missing``: serial numbers the receiver reported not received (a short delivery).
    Expects the transfer's districts, school and users loaded."""
    destination = transfer.to_school.district if transfer.to_school else transfer.to_district
    to_province = destination.province if destination else None
    if to_province is None and transfer.to_commune is not None:
        to_province = transfer.to_commune.province
    assert to_province is not None  # a transfer always has a destination (a constraint)
    province = to_province.name
    if not province.lower().startswith(("tỉnh", "thành phố")):
        province = f"tỉnh {province}"
    from_province = transfer.from_district is None and transfer.from_commune is None
    sender = _unit_name(transfer.from_district, None, transfer.from_commune)
    if from_province:
        sender = f"Sở GD&ĐT {province}"
    receiver = _unit_name(transfer.to_district, transfer.to_school, transfer.to_commune)
    on = timezone.localdate(transfer.sent_at)
    header = OfficialHeader(
        issuer_parent=f"UBND {province}" if from_province else "",
        issuer=sender,
        number=f"Số: {transfer.pk:04d}/BB-GNTB",
        place=strip_unit_prefix(to_province.name),
        date=on,
    )
    doc = OfficialDocument(
        header,
        "Biên bản giao nhận thiết bị",
        subtitle="Chương trình “Sóng và máy tính cho em”",
    )
    doc.paragraph(f"Hôm nay, {format_date_vi(on)}, chúng tôi gồm:")
    doc.heading("BÊN GIAO (Bên A): " + sender.upper())
    doc.key_values([("Đại diện", str(transfer.sent_by))])
    doc.heading("BÊN NHẬN (Bên B): " + receiver.upper())
    doc.key_values(
        [("Đại diện", str(transfer.received_by or "......................................"))]
    )
    doc.paragraph("Bên A giao cho Bên B các thiết bị học tập sau:")
    devices = list(transfer.devices.order_by("device_type", "serial_number"))
    received = transfer.status == StockTransfer.Status.RECEIVED
    doc.table(
        ["STT", "Thiết bị", "Hãng / Model", "Số serial", "IMEI", "Khi nhận"],
        [
            [
                str(n),
                device.get_device_type_display(),
                f"{device.make} {device.model_name}",
                device.serial_number,
                device.imei or "—",
                ("Thiếu" if device.serial_number in missing else "Đã nhận") if received else "",
            ]
            for n, device in enumerate(devices, start=1)
        ],
        widths=[0.5, 1.5, 2.1, 1.7, 1.9, 1.0],
    )
    short = sum(1 for d in devices if d.serial_number in missing)
    if received:
        doc.paragraph(
            f"Tổng số giao: {len(devices)} thiết bị. Bên B đã kiểm đếm và nhận "
            f"{len(devices) - short} thiết bị"
            + (
                f"; thiếu {short} thiết bị (ghi “Thiếu” ở bảng trên), hai bên cùng xác minh."
                if short
                else "."
            )
        )
    else:
        doc.paragraph(
            f"Tổng số giao: {len(devices)} thiết bị. Bên B kiểm đếm khi nhận, ghi số thiết bị "
            "thiếu (nếu có) vào biên bản này."
        )
    doc.paragraph("Biên bản được lập thành 02 bản có giá trị như nhau, mỗi bên giữ 01 bản.")
    doc.signature_blocks(
        [
            ("Đại diện Bên B", "(Ký, ghi rõ họ tên)", str(transfer.received_by or "")),
            ("Đại diện Bên A", "(Ký, ghi rõ họ tên, đóng dấu)", str(transfer.sent_by)),
        ]
    )
    return doc.output()
