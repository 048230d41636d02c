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
        "school.place": _("Ghi địa bàn của trường theo thời kỳ"),
        "school.unplace": _("Xóa địa bàn của trường theo thời kỳ"),
        "unit.commune.create": _("Thêm xã vào danh mục trước 1/7/2025"),
        "unit.interim_change.create": _("Thêm lần sắp xếp xã 2023–2024"),
        "unit.interim_change.update": _("Sửa lần sắp xếp xã 2023–2024"),
        "unit.interim_change.delete": _("Xóa lần sắp xếp xã 2023–2024"),
    }
)
