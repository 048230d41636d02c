"""Home-page figures of the pupil registry."""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.home import HomeStat
from accounts.models import User
from students.models import Student


def summary(user: User) -> list[HomeStat]:
    if not any(
        user.can(c) for c in ("can_edit_students", "can_import", "can_approve", "can_view_reports")
    ):
        return []
    counts = Student.objects.visible_to(user).aggregate(
        total=Count("pk", filter=Q(status=Student.Status.STUDYING)),
        needy=Count(
            "pk",
            filter=Q(status=Student.Status.STUDYING) & (~Q(need_device="") | Q(need_data=True)),
        ),
    )
    return [
        HomeStat(
            _("Học sinh trong danh sách"), intcomma(counts["total"]), reverse("students:list")
        ),
        HomeStat(_("Học sinh cần hỗ trợ"), intcomma(counts["needy"]), reverse("students:list")),
    ]
