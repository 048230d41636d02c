"""The words for the audit actions devices writes (stock, transfers, allocations, packages)."""

from django.utils.translation import gettext_lazy as _

from devices.models import Subscription
from kernel.history import ChangeKey, register_actions, register_change_keys

register_actions(
    {
        "device_source.create": _("Tạo nguồn thiết bị"),
        "device_source.import": _("Nhập danh sách thiết bị"),
        "device.receive": _("Nhập kho thiết bị"),
        "import.done": _("Hoàn tất nhập danh sách"),
        "device.transfer_send": _("Chuyển thiết bị đi"),
        "device.transfer_receive": _("Nhận thiết bị được chuyển đến"),
        "device.transfer_cancel": _("Hủy chuyển thiết bị"),
        "device.transfer_short": _("Không nhận được khi điều chuyển (giao thiếu)"),
        "transfer.send": _("Gửi phiếu điều chuyển"),
        "transfer.receive": _("Xác nhận nhận phiếu điều chuyển"),
        "transfer.cancel": _("Hủy phiếu điều chuyển"),
        "device.allocate": _("Cấp phát cho học sinh"),
        "device.allocation_cancel": _("Hủy cấp phát"),
        "device.handover": _("Bàn giao cho học sinh"),
        "device.return": _("Học sinh trả thiết bị"),
        "device.write_off": _("Thanh lý thiết bị"),
        "allocation.create": _("Cấp phát thiết bị"),
        "allocation.cancel": _("Hủy cấp phát thiết bị"),
        "allocation.handover": _("Bàn giao thiết bị"),
        "allocation.return": _("Nhận lại thiết bị"),
        "subscription.create": _("Đăng ký gói cước"),
        "subscription.problem": _("Báo sự cố thuê bao"),
        "subscription.problem_resolved": _("Đã khắc phục sự cố thuê bao"),
        "subscription.expire": _("Thuê bao hết hạn"),
        "subscription.carrier_status": _("Cập nhật trạng thái từ nhà mạng"),
        "transition.run": _("Chuyển giao việc của các Phòng GD&ĐT đã giải thể"),
        "transition.device": _("Chuyển thiết bị từ kho Phòng GD&ĐT đã giải thể"),
        "transition.transfer": _("Chuyển hướng phiếu điều chuyển của Phòng GD&ĐT đã giải thể"),
        "transition.quota": _("Chia chỉ tiêu của huyện cho các xã kế thừa"),
        "transition.proposal": _("Chuyển danh sách chờ duyệt cho cơ quan duyệt mới"),
        "transition.round": _("Đợt hỗ trợ chuyển sang UBND xã duyệt"),
        "transition.placement": _("Chọn xã của trường khi chuyển giao"),
    }
)

register_change_keys(
    Subscription,
    {"signal_acknowledged": ChangeKey(_("đã xác nhận cảnh báo thiếu sóng khi đăng ký"))},
)
