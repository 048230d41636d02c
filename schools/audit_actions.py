"""The words for the audit actions schools (units, import batches, exports) writes."""

from django.utils.translation import gettext_lazy as _

from kernel.history import register_actions

register_actions(
    {
        "school.create": _("Tạo trường"),
        "school.update": _("Sửa thông tin trường"),
        "import.upload": _("Tải lên tệp nhập"),
        "import.file_deleted": _("Xóa tệp đã nhập"),
        "export.start": _("Bắt đầu xuất tệp"),
        "school.place": _("Gắn trường vào xã (sau sắp xếp đơn vị)"),
        "school.unplace": _("Bỏ gắn trường khỏi xã"),
        "unit.commune.create": _("Tạo xã/phường"),
        "unit.interim_change.create": _("Thêm thay đổi đơn vị hành chính 2023–2024"),
        "unit.interim_change.update": _("Sửa thay đổi đơn vị hành chính 2023–2024"),
        "unit.interim_change.delete": _("Xóa thay đổi đơn vị hành chính 2023–2024"),
    }
)
