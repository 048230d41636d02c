"""Who is told what when a round opens, quotas are set or pupils are not approved.

Each helper is called inside the service's transaction, after its writes, and only
for what actually changed: saving the same quotas again tells nobody anything twice.
The notifications' e-mails leave through the outbox once the transaction commits.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import notify
from rounds import chain
from rounds.communes import round_communes
from rounds.models import Proposal, ProposalItem, Quota, SupportRound
from rounds.services.common import school_staff_of
from schools.choices import SupportKind
from schools.models import Commune, District, School

# Notification.message holds 500 characters; lists of pupils are cut to fit, with a count.
MESSAGE_LIMIT = 500


def _round_url(round_: SupportRound) -> str:
    return reverse("rounds:detail", args=[round_.pk])


def _deadline(round_: SupportRound) -> str:
    return round_.ends_on.strftime("%d/%m/%Y")


def _amounts(amounts: Mapping[str, int]) -> str:
    """ "Máy tính bảng 15, Gói cước 20" in the order kinds are offered."""
    return ", ".join(
        f"{SupportKind(kind).label} {amounts[kind]}"
        for kind in SupportKind.values
        if kind in amounts
    )


def names_within(labels: Sequence[str], budget: int) -> str:
    """``labels`` joined by commas, as many as fit in ``budget`` characters, then a count."""
    shown: list[str] = []
    for n, label in enumerate(labels):
        rest = len(labels) - n - 1
        tail = _(" và %(n)s học sinh khác") % {"n": rest} if rest else ""
        candidate = ", ".join([*shown, label])
        if shown and len(candidate) + len(tail) > budget:
            return ", ".join(shown) + _(" và %(n)s học sinh khác") % {"n": len(labels) - n}
        shown.append(label)
    return ", ".join(shown)


def round_opened(round_: SupportRound, district_ids: Iterable[int]) -> None:
    """Every office below the province learns the round is open and until when: the
    district offices (district chain) or the commune committees (commune chain)."""
    if round_.by_communes:
        recipients = list(
            User.objects.filter(
                commune_id__in=[c.pk for c in round_communes(round_)],
                is_active=True,
                role__can_approve=True,
            ).order_by("pk")
        )
        text = _(
            "Sở GD&ĐT đã mở đợt hỗ trợ “%(round)s” (%(offers)s), hạn đề xuất %(deadline)s. "
            "UBND xã, phường sẽ được thông báo khi Sở giao chỉ tiêu."
        )
    else:
        recipients = list(
            User.objects.filter(
                district_id__in=list(district_ids), is_active=True, role__can_approve=True
            ).order_by("pk")
        )
        text = _(
            "Sở GD&ĐT đã mở đợt hỗ trợ “%(round)s” (%(offers)s), hạn đề xuất %(deadline)s. "
            "Phòng GD&ĐT sẽ được thông báo khi Sở giao chỉ tiêu cho huyện."
        )
    message = text % {
        "round": round_.name,
        "offers": ", ".join(round_.offers_display),
        "deadline": _deadline(round_),
    }
    notify(recipients=recipients, verb="round.open", message=message, url=_round_url(round_))


def unit_quotas_set(round_: SupportRound, units: Sequence[District | Commune]) -> None:
    """Each unit whose quota changed: its officers learn all its quotas for the round.

    The units are districts in a round of the district chain, 2025 communes in one of the
    commune chain; one query reads every unit's quotas."""
    level = chain.COMMUNE if round_.by_communes else chain.DISTRICT
    holder = f"{level}_id"
    current: dict[int, dict[str, int]] = {unit.pk: {} for unit in units}
    rows = Quota.objects.filter(
        round=round_, school__isnull=True, **{f"{holder}__in": list(current)}
    ).values_list(holder, "kind", "amount")
    for unit_id, kind, amount in rows:
        current[unit_id][kind] = amount
    if level == chain.COMMUNE:
        text = _(
            "Sở GD&ĐT đã giao chỉ tiêu cho %(commune)s trong đợt “%(round)s”: %(amounts)s. "
            "Hãy giao chỉ tiêu cho các trường trước hạn đề xuất %(deadline)s."
        )
    else:
        text = _(
            "Sở GD&ĐT đã giao chỉ tiêu cho %(district)s trong đợt “%(round)s”: %(amounts)s. "
            "Hãy giao chỉ tiêu cho các trường trước hạn đề xuất %(deadline)s."
        )
    for unit in units:
        message = text % {
            level: unit.name,
            "round": round_.name,
            "amounts": _amounts(current[unit.pk]),
            "deadline": _deadline(round_),
        }
        notify(
            recipients=chain.users_of(chain.Decider(level, unit.pk, unit.name)),
            verb=f"round.{level}_quotas",
            message=message,
            url=_round_url(round_),
        )


def school_quotas_set(
    round_: SupportRound,
    schools: Iterable[School],
    deadlines: Mapping[int, str] | None = None,
    *,
    by_province: bool = False,
) -> None:
    """Each school whose quota changed: its staff learn the quota and that they should
    propose to their deciding body (named as it is: Phòng GD&ĐT, UBND xã …, Sở GD&ĐT)."""
    schools = list(schools)
    bodies = chain.deciders(round_, schools) if round_.by_communes else {}
    for school in schools:
        current = {
            q.kind: q.amount
            for q in Quota.objects.filter(round=round_, school=school).order_by("kind")
        }
        deadline = (deadlines or {}).get(school.pk) or _deadline(round_)
        values = {
            "school": school.name,
            "round": round_.name,
            "amounts": _amounts(current),
            "deadline": deadline,
        }
        if round_.by_communes:
            body = chain.body_name(bodies.get(school.pk))
            giver = _("Sở GD&ĐT") if by_province else body
            values.update(giver=giver, body=body)
            if any(current.values()):
                text = _(
                    "%(giver)s đã giao chỉ tiêu cho %(school)s trong đợt “%(round)s”: "
                    "%(amounts)s. Hãy lập danh sách học sinh đề xuất và gửi %(body)s trước "
                    "hạn %(deadline)s."
                )
            else:
                text = _(
                    "%(giver)s đã điều chỉnh chỉ tiêu của %(school)s trong đợt “%(round)s”: "
                    "%(amounts)s. Trường không còn chỉ tiêu trong đợt này (hạn %(deadline)s)."
                )
        elif any(current.values()):
            text = _(
                "Phòng GD&ĐT đã giao chỉ tiêu cho %(school)s trong đợt “%(round)s”: "
                "%(amounts)s. Hãy lập danh sách học sinh đề xuất và gửi Phòng GD&ĐT trước "
                "hạn %(deadline)s."
            )
        else:
            text = _(
                "Phòng GD&ĐT đã điều chỉnh chỉ tiêu của %(school)s trong đợt “%(round)s”: "
                "%(amounts)s. Trường không còn chỉ tiêu trong đợt này (hạn %(deadline)s)."
            )
        notify(
            recipients=school_staff_of(school.pk),
            verb="round.school_quotas",
            message=text % values,
            url=_round_url(round_),
        )


def _pupil_label(item: ProposalItem) -> str:
    return f"{item.student.full_name} ({item.get_kind_display()})"


def pupils_rejected(proposal: Proposal, items: Sequence[ProposalItem], reason: str) -> None:
    """The school learns which pupils were not approved, each by name, and why."""
    head = _("%(body)s không duyệt %(n)s học sinh trong danh sách của %(school)s – %(round)s: ") % {
        "body": chain.body_name(chain.proposal_decider(proposal)),
        "n": len(items),
        "school": proposal.school.name,
        "round": proposal.round.name,
    }
    tail = _(". Lý do: %(reason)s") % {"reason": reason}
    budget = max(MESSAGE_LIMIT - len(head) - len(tail), 60)
    names = names_within([_pupil_label(i) for i in items], budget)
    notify(
        recipients=school_staff_of(proposal.school_id),
        verb="proposal.reject_items",
        message=(head + names + tail)[:MESSAGE_LIMIT],
        url=reverse("rounds:proposal", args=[proposal.pk]),
    )


def rejected_summary(proposal: Proposal, budget: int) -> str:
    """ "Không duyệt 2 học sinh: A (Máy tính bảng), B (Gói cước) – lý do: …" per reason."""
    rejected = list(
        proposal.items.filter(status=ProposalItem.Status.REJECTED)
        .select_related("student")
        .order_by("priority", "pk")
    )
    if not rejected:
        return ""
    by_reason: dict[str, list[str]] = {}  # reasons in the order of the list's priorities
    for item in rejected:
        by_reason.setdefault(item.reason.strip(), []).append(_pupil_label(item))
    head = _("Không duyệt %(n)s học sinh: ") % {"n": len(rejected)}
    share = max((budget - len(head)) // len(by_reason), 60)
    parts = []
    for reason, labels in by_reason.items():
        suffix = _(" – lý do: %(reason)s") % {"reason": reason} if reason else ""
        parts.append(names_within(labels, share - len(suffix)) + suffix)
    return head + "; ".join(parts) + "."
