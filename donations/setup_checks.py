"""First-run checklist item of donations: the fund account cash is received on."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from donations.models import FundAccount
from kernel.setup_checks import SetupItem, register


@register(50)
def fund_account() -> SetupItem:
    count = FundAccount.objects.count()
    return SetupItem(
        label=_("Tài khoản tiếp nhận tài trợ (cần trước khi ghi nhận tiền tài trợ)"),
        done=count > 0,
        detail=_("%(n)d tài khoản") % {"n": count},
        url=reverse("admin:donations_fundaccount_changelist"),
    )
