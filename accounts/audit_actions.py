"""The words for the audit actions accounts writes, and for change keys of any model."""

from django.utils.translation import gettext_lazy as _

from accounts.models import Activation, User
from kernel.history import ChangeKey, register_actions, register_change_keys

register_actions(
    {
        "user.create": _("Tạo tài khoản"),
        "user.deactivate_abolished_office": _(
            "Khóa tài khoản của Phòng GD&ĐT đã kết thúc hoạt động"
        ),
        "activation.issued": _("Cấp đường dẫn hoặc mã kích hoạt"),
        "activation.used": _("Kích hoạt tài khoản, đặt mật khẩu lần đầu"),
        "activation.replaced": _("Thay đường dẫn hoặc mã kích hoạt bằng cái mới"),
        "activation.expired": _("Đường dẫn hoặc mã kích hoạt hết hạn"),
        "activation.locked": _("Khóa mã kích hoạt do nhập sai nhiều lần"),
        "otp_enrolled": _("Đăng ký xác thực hai bước"),
        "otp_replaced": _("Thay thiết bị xác thực hai bước"),
        "otp_reset": _("Đặt lại xác thực hai bước"),
        "otp_backup_codes_regenerated": _("Tạo lại mã dự phòng"),
        "otp_device_deleted": _("Xóa thiết bị xác thực hai bước"),
    }
)

# Keys several services write on rows of different models (counts, lists of names).
register_change_keys(
    None,
    {
        "n": ChangeKey(_("số lượng")),
        "created": ChangeKey(_("số tạo mới")),
        "updated": ChangeKey(_("số cập nhật")),
        "rows": ChangeKey(_("số dòng")),
        "pupils": ChangeKey(_("học sinh")),
        "pupil": ChangeKey(_("học sinh")),
        "devices": ChangeKey(_("thiết bị")),
        "kinds": ChangeKey(_("theo loại")),
        "kind": ChangeKey(_("loại")),
        "approved": ChangeKey(_("được duyệt")),
        "to": ChangeKey(_("nơi nhận")),
        "school": ChangeKey(_("trường")),
        "round": ChangeKey(_("đợt hỗ trợ")),
        "reason": ChangeKey(_("lý do")),
        "note": ChangeKey(_("ghi chú")),
        "name": ChangeKey(_("tên")),
        "conflicts": ChangeKey(_("lựa chọn khi trùng")),
        "merged_into": ChangeKey(_("gộp vào hồ sơ")),
        "not_duplicate_of": ChangeKey(_("không trùng với")),
        "file": ChangeKey(_("tệp")),
        "period": ChangeKey(_("kỳ báo cáo")),
        "quantity": ChangeKey(_("số lượng")),
    },
)

# What the activation events of an account record (the audited object is the user).
register_change_keys(
    User,
    {
        "activation": ChangeKey(_("lần kích hoạt số")),
        "channel": ChangeKey(_("cách gửi"), Activation._meta.get_field("channel")),
        "expires_at": ChangeKey(_("hết hạn lúc"), Activation._meta.get_field("expires_at")),
    },
)
