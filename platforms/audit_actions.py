"""The words for the audit actions platforms writes (the catalogue, pupils' accounts)."""

from django.utils.translation import gettext_lazy as _

from kernel.history import register_actions

register_actions(
    {
        "platform.create": _("Thêm nền tảng học trực tuyến"),
        "platform.update": _("Sửa nền tảng học trực tuyến"),
        "platform_account.create": _("Ghi tài khoản học trực tuyến"),
        "platform_account.deactivate": _("Ngừng tài khoản học trực tuyến"),
        "platform_account.delete": _("Xóa tài khoản học trực tuyến cùng học sinh"),
    }
)
