"""The words for the audit actions reports writes (progress reports, outreach activities)."""

from django.utils.translation import gettext_lazy as _

from kernel.history import register_actions

register_actions(
    {
        "report.create": _("Tạo báo cáo tiến độ"),
        "report.generate": _("Lập báo cáo tiến độ"),
        "report.retry": _("Lập lại báo cáo tiến độ"),
        "outreach.create": _("Thêm hoạt động tuyên truyền"),
        "outreach.update": _("Sửa hoạt động tuyên truyền"),
        "outreach.delete": _("Xóa hoạt động tuyên truyền"),
    }
)
