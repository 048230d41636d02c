"""XLSX export of the pupil registry (through the portal's one exporter)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kernel.exporters import Columns, XlsxExporter
from kernel.spreadsheets import RowNumber
from students.models import Student, mask
from students.selectors import FieldConflict


def _needs(student: Student) -> str:
    parts = []
    if student.need_device:
        parts.append(str(student.get_need_device_display()))
    if student.need_data:
        parts.append(str(_("Gói cước")))
    return ", ".join(parts)


class StudentExporter(XlsxExporter):
    """The filtered registry list; IDs and phones masked unless ``reveal`` (roles with
    ``can_reveal_personal_ids``), as on the pupil page."""

    title = _("DANH SÁCH HỌC SINH CẦN HỖ TRỢ THIẾT BỊ, GÓI CƯỚC HỌC TRỰC TUYẾN")
    sheet_name = "Danh sách"
    columns: Columns = (
        (_("Họ và tên"), "full_name"),
        (_("Ngày sinh"), lambda s: s.date_of_birth.strftime("%d/%m/%Y")),
        (_("Giới tính"), "get_gender_display"),
        (_("Dân tộc"), "ethnicity.name"),
        (_("Trường"), "school.name"),
        (_("Lớp"), "class_name"),
        (_("Mã định danh"), "pupil_code"),
        (_("Số định danh cá nhân"), "personal_id"),
        (_("Họ tên cha/mẹ/người giám hộ"), "household.guardian_name"),
        (_("Số điện thoại"), "household.guardian_phone"),
        (_("Thôn/bản"), "village.name"),
        (_("Xã/phường"), "commune.name"),
        (_("Diện hộ"), "household.category.name"),
        (_("Mã hộ"), "household.code"),
        (_("Nhu cầu hỗ trợ"), _needs),
        (_("Đã có thiết bị"), "has_device"),
        (_("Trạng thái"), "get_status_display"),
        (_("Ghi chú"), "notes"),
    )

    def __init__(self, *, reveal: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if reveal:
            return
        masked = {
            str(_("Mã định danh")): lambda s: mask(s.pupil_code),
            str(_("Số định danh cá nhân")): lambda s: mask(s.personal_id),
            str(_("Số điện thoại")): lambda s: mask(s.household.guardian_phone),
        }
        self.columns = tuple(
            (header, masked.get(str(header), accessor)) for header, accessor in self.columns
        )

    @classmethod
    def for_user(cls, user: Any) -> StudentExporter:
        """The registry export as ``user`` may see it: full IDs only with the capability."""
        return cls(
            reveal=user.can("can_reveal_personal_ids"),
            title_lines=[user.unit_label],
        )


class ImportChangesExporter(XlsxExporter):
    """A checked list's per-field difference: one line per value the import would change
    or that conflicts with a value set in the portal.  Objects are
    ``(selectors.PupilChange, FieldChange | FieldConflict)`` pairs."""

    title = _("DANH SÁCH THAY ĐỔI KHI NHẬP TỆP")
    sheet_name = "Thay đổi"
    columns = (
        (_("Dòng"), lambda item: _row(item[0].row)),
        (_("Học sinh"), lambda item: item[0].full_name),
        (_("Thông tin"), lambda item: item[1].label),
        (_("Giá trị hiện tại"), lambda item: _current(item[1])),
        (_("Giá trị trong tệp"), lambda item: _in_file(item[1])),
        (_("Sửa trên cổng"), lambda item: _edited(item[1])),
        (_("Sẽ lấy"), lambda item: _taken(item[1])),
    )


def _row(row: int) -> int | str:
    return str(row) if isinstance(row, RowNumber) else row


def _current(item: Any) -> str:
    return item.portal if isinstance(item, FieldConflict) else item.old


def _in_file(item: Any) -> str:
    return item.file if isinstance(item, FieldConflict) else item.new


def _edited(item: Any) -> str:
    if not isinstance(item, FieldConflict):
        return ""
    return str(_("%(by)s, %(at)s") % {"by": item.by, "at": item.at})


def _taken(item: Any) -> str:
    if isinstance(item, FieldConflict) and not item.takes_file:
        return str(_("Giá trị trên cổng"))
    return str(_("Giá trị trong tệp"))
