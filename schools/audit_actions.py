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
    }
)
