"""Home-page figures of mobile coverage."""

from __future__ import annotations

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.home import HomeStat
from accounts.models import User
from coverage.selectors import progress_by_district, progress_total


def summary(user: User) -> list[HomeStat]:
    if not any(
        user.can(c) for c in ("can_manage_coverage", "can_report_coverage", "can_view_reports")
    ):
        return []
    total = progress_total(progress_by_district(user))
    return [
        HomeStat(
            _("Điểm đã phủ sóng"),
            f"{total.covered}/{total.total}",
            reverse("coverage:progress"),
        )
    ]
