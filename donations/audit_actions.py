"""The words for the audit actions donations writes (donors, pledges, receipts, spending)."""

from django.utils.translation import gettext_lazy as _

from kernel.history import register_actions

register_actions(
    {
        "donation.donor.create": _("Thêm nhà tài trợ"),
        "donation.donor.update": _("Sửa thông tin nhà tài trợ"),
        "donation.pledge.create": _("Ghi nhận cam kết ủng hộ"),
        "donation.pledge.update": _("Sửa cam kết ủng hộ"),
        "donation.cash_receipt.create": _("Ghi nhận tiền ủng hộ"),
        "donation.inkind_receipt.create": _("Ghi nhận hiện vật ủng hộ"),
        "donation.spending.create": _("Ghi nhận khoản chi"),
    }
)
