"""The words for the audit actions donations writes (donors, pledges, receipts, spending)."""

from typing import Any

from django.utils.translation import gettext_lazy as _

from donations.models import CashReceipt, Pledge, Spending
from kernel.documents import format_vnd
from kernel.history import ChangeKey, register_actions, register_change_keys
from schools.choices import SupportKind

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


def _money(value: Any) -> str:
    try:
        return format_vnd(int(value))
    except (TypeError, ValueError):
        return str(value)


def _item(value: Any) -> str:
    """``"20 × tablet"`` (a pledge's in-kind line as stored) → "20 × Máy tính bảng"."""
    quantity, _sep, kind = str(value).partition(" × ")
    try:
        return f"{quantity} × {SupportKind(kind).label}"
    except ValueError:
        return str(value)


def _instalment(value: Any) -> str:
    """``"19/09/2026: 150000000"`` → "19/09/2026: 150.000.000 đ"."""
    due, _sep, amount = str(value).partition(": ")
    return f"{due}: {_money(amount)}" if amount.isdigit() else str(value)


register_change_keys(
    Pledge,
    {
        "cash_amount": ChangeKey(
            Pledge._meta.get_field("cash_amount").verbose_name, display=_money
        ),
        "in_kind": ChangeKey(_("hiện vật cam kết"), display=_item),
        "instalments": ChangeKey(_("các đợt nộp tiền"), display=_instalment),
    },
)
for _model in (CashReceipt, Spending):
    register_change_keys(
        _model, {"amount": ChangeKey(_model._meta.get_field("amount").verbose_name, display=_money)}
    )
