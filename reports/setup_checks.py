"""First-run checklist item of reports: who receives the periodic progress report."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext as _

from kernel.setup_checks import SetupItem, register


@register(70)
def report_recipients() -> SetupItem:
    recipients = list(getattr(settings, "REPORT_RECIPIENTS", []) or [])
    return SetupItem(
        label=_("Nơi nhận báo cáo tiến độ định kỳ qua e-mail"),
        done=bool(recipients),
        detail=", ".join(recipients) or _("Chưa có địa chỉ nào."),
        how="REPORT_RECIPIENTS=vanphong@laocai.example.vn",
    )
