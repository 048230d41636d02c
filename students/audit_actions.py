"""The words for the audit actions students writes (pupils, households, imports, merges)."""

from django.utils.translation import gettext_lazy as _

from kernel.history import register_actions

register_actions(
    {
        "student.create": _("Tạo học sinh"),
        "student.update": _("Sửa thông tin học sinh"),
        "student.delete": _("Xóa học sinh"),
        "student.import": _("Nhập danh sách học sinh"),
        "student.merge": _("Gộp hồ sơ học sinh trùng"),
        "student.merged_away": _("Hồ sơ được gộp vào hồ sơ khác"),
        "student.duplicate_dismiss": _("Xác nhận không phải hồ sơ trùng"),
        # Written by migration 0006 when it cleared duplicated personal IDs.
        "student.personal_id_cleared": _("Xóa số định danh bị trùng"),
        "household.link": _("Gắn vào hộ gia đình"),
        "household.update": _("Sửa thông tin hộ gia đình"),
        "student_import.upload": _("Tải lên danh sách học sinh"),
        "student_import.cancel": _("Hủy lần nhập danh sách học sinh"),
        "student_import.choose": _("Chọn cách xử lý dữ liệu trùng khi nhập"),
    }
)
