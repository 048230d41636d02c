"""The handover record (biên bản bàn giao thiết bị) as an official PDF."""

from __future__ import annotations

from django.utils import timezone

from devices.models import Allocation
from kernel.documents import OfficialDocument, OfficialHeader, format_date_vi
from kernel.normalize import strip_unit_prefix


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
