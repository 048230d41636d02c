"""Home-page figures of support rounds."""

from __future__ import annotations

from django.contrib.humanize.templatetags.humanize import intcomma
from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.access import is_commune_user, is_district_user, is_provincial_user
from accounts.home import HomeStat
from accounts.models import User
from rounds.models import Proposal, ProposalItem


def summary(user: User) -> list[HomeStat]:
    if not any(user.can(c) for c in ("can_propose", "can_approve", "can_manage_rounds")):
        return []
    waiting = Proposal.objects.visible_to(user).aggregate(
        submitted=Count("pk", filter=Q(status=Proposal.Status.SUBMITTED)),
        approved=Count(
            "pk",
            filter=Q(status=Proposal.Status.APPROVED, round__requires_province_confirmation=True),
        ),
    )
    beneficiaries = ProposalItem.objects.visible_to(user).beneficiaries().count()
    stats = [
        HomeStat(_("Lượt hỗ trợ đã được duyệt"), intcomma(beneficiaries), reverse("rounds:list"))
    ]
    if is_district_user(user):
        stats.append(
            HomeStat(
                _("Danh sách chờ Phòng duyệt"),
                intcomma(waiting["submitted"]),
                reverse("rounds:list"),
            )
        )
    elif is_commune_user(user):
        stats.append(
            HomeStat(
                _("Danh sách chờ UBND xã duyệt"),
                intcomma(waiting["submitted"]),
                reverse("rounds:list"),
            )
        )
    elif is_provincial_user(user):
        stats.append(
            HomeStat(
                _("Danh sách chờ Sở xác nhận"),
                intcomma(waiting["approved"]),
                reverse("rounds:list"),
            )
        )
    return stats
