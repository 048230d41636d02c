"""XLSX export of the pupil registry (through the portal's one exporter)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from kernel.exporters import Columns, Field, XlsxExporter, label_table
from kernel.spreadsheets import RowNumber
from schools.choices import DeviceNeed
from students.models import Student, mask
from students.selectors import FieldConflict


class _Needs(Field):
    """ "Máy tính bảng, Gói cước": the device asked for, then the data package."""

    def bind(self) -> Any:
        devices, data = label_table(DeviceNeed), str(_("Gói cước"))

        def needs(device: str, wants_data: bool) -> str:
            if device and wants_data:
                return f"{devices.get(device, device)}, {data}"
            if device:
                return devices.get(device, device)
            return data if wants_data else ""

        return needs


def _day_month_year(day: Any) -> str:
    return day.strftime("%d/%m/%Y")


# Read as plain rows (``kernel.exporters.Field``): 470,000 pupils are never model instances;
# ``repeats``: the few distinct values of a column (dates of birth, schools, communes) are
# converted once each.
YES_NO = {True: _("Có"), False: _("Không")}


class StudentExporter(XlsxExporter):
    """The filtered registry list; IDs and phones masked unless ``reveal`` (roles with
    ``can_reveal_personal_ids``), as on the pupil page."""

    title = _("DANH SÁCH HỌC SINH CẦN HỖ TRỢ THIẾT BỊ, GÓI CƯỚC HỌC TRỰC TUYẾN")
    sheet_name = "Danh sách"
    columns: Columns = (
        (_("Họ và tên"), Field("full_name")),
        (_("Ngày sinh"), Field("date_of_birth", to=_day_month_year, repeats=True)),
        (_("Giới tính"), Field("gender", labels=Student.Gender)),
        (_("Dân tộc"), Field("ethnicity__name", repeats=True)),
        (_("Trường"), Field("school__name", repeats=True)),
        (_("Lớp"), Field("class_name", repeats=True)),
        (_("Mã định danh"), Field("pupil_code")),
        (_("Số định danh cá nhân"), Field("personal_id")),
        (_("Họ tên cha/mẹ/người giám hộ"), Field("household__guardian_name")),
        (_("Số điện thoại"), Field("household__guardian_phone")),
        (_("Thôn/bản"), Field("village__name", repeats=True)),
        (_("Xã/phường"), Field("commune__name", repeats=True)),
        (_("Diện hộ"), Field("household__category__name", repeats=True)),
        (_("Mã hộ"), Field("household__code")),
        (_("Nhu cầu hỗ trợ"), _Needs("need_device", "need_data", repeats=True)),
        (_("Đã có thiết bị"), Field("has_device", labels=YES_NO)),
        (_("Trạng thái"), Field("status", labels=Student.Status)),
        (_("Ghi chú"), Field("notes")),
    )

    def __init__(self, *, reveal: bool = False, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if reveal:
            return
        masked = {
            str(_("Mã định danh")): Field("pupil_code", to=mask),
            str(_("Số định danh cá nhân")): Field("personal_id", to=mask),
            str(_("Số điện thoại")): Field("household__guardian_phone", to=mask),
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
