"""Rounds and quotas: opened, changed and closed by the province, split by the district."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from django.db import transaction
from django.db.models import Count, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import require
from accounts.models import User
from accounts.services import diff, record_audit, snapshot
from rounds import rules
from rounds.models import Proposal, ProposalItem, Quota, SupportRound
from rounds.services import deadlines, notices
from rounds.services.common import (
    ROUND_FIELDS,
    QuotaExceeded,
    check_offers,
    own_round,
    require_capability,
    require_not_closed,
    require_province,
)
from rounds.workflow import RoundsError
from schools.choices import SupportKind
from schools.models import District, School

# --- rounds ---------------------------------------------------------------------------


@transaction.atomic
def open_round(
    *,
    actor: User,
    name: str,
    school_year: str,
    starts_on: dt.date,
    ends_on: dt.date,
    offers: Sequence[str],
    requires_province_confirmation: bool = True,
    description: str = "",
    closes_on: dt.date | None = None,
) -> SupportRound:
    """Create a support round and open it to proposals (province only).

    Schools propose until ``ends_on``; the round closes after ``closes_on`` (by default
    30 days later, time for the districts and the province to decide)."""
    require_province(actor)
    starts_on, ends_on = _date(starts_on), _date(ends_on)
    closes_on = _date(closes_on) if closes_on else deadlines.default_closing(ends_on)
    if ends_on < starts_on:
        raise RoundsError(_("Hạn đề xuất phải sau ngày bắt đầu."))
    if closes_on < ends_on:
        raise RoundsError(_("Ngày kết thúc đợt không được trước hạn đề xuất."))
    round_ = SupportRound.objects.create(
        province_id=actor.scope.province_id,
        name=name.strip(),
        school_year=school_year.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        closes_on=closes_on,
        offers=check_offers(offers),
        requires_province_confirmation=requires_province_confirmation,
        description=description,
        status=SupportRound.Status.OPEN,
        chain=SupportRound.chain_for(starts_on),
        created_by=actor,
    )
    record_audit(
        actor=actor, action="round.open", obj=round_, changes=snapshot(round_, ROUND_FIELDS)
    )
    notices.round_opened(round_, District.objects.visible_to(actor).values_list("pk", flat=True))
    return round_


@transaction.atomic
def update_round(*, actor: User, round: SupportRound, reason: str = "", **fields) -> SupportRound:
    """Change a round's name, dates, offers or confirmation rule (not once it is closed)."""
    require_province(actor)
    round_ = own_round(actor, round, lock=True)
    require_not_closed(round_)
    before = snapshot(round_, ROUND_FIELDS)
    allowed = set(ROUND_FIELDS) - {"status", "chain"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"Cannot update {name}")
        setattr(round_, name, value)
    if "offers" in fields:
        round_.offers = check_offers(fields["offers"])
        dropped = set(before["offers"]) - set(round_.offers)
        if dropped and round_.items.filter(kind__in=dropped).exists():
            raise RoundsError(
                _("Không thể bỏ hình thức hỗ trợ đã có học sinh được đề xuất trong đợt.")
            )
    if round_.ends_on < round_.starts_on:
        raise RoundsError(_("Hạn đề xuất phải sau ngày bắt đầu."))
    _check_chain(round_)
    _check_closing(round_)
    if (
        "requires_province_confirmation" in fields
        and not round_.requires_province_confirmation
        and round_.proposals.filter(status=Proposal.Status.APPROVED).exists()
        and before["requires_province_confirmation"]
    ):
        raise RoundsError(_("Đã có danh sách chờ Sở xác nhận; không thể bỏ bước xác nhận lúc này."))
    round_.save()
    changes = diff(before, snapshot(round_, ROUND_FIELDS))
    if changes:
        record_audit(actor=actor, action="round.update", obj=round_, changes=changes, reason=reason)
    if "ends_on" in changes:
        deadlines.deadline_moved(round_, _date(changes["ends_on"][0]))
    return round_


def _date(value: dt.date | str) -> dt.date:
    """A date given as ``date`` or ISO text (fixtures, the shell)."""
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def _check_chain(round_: SupportRound) -> None:
    """A new start date across 1/7/2025 changes who decides: only before any quota or list."""
    chain = SupportRound.chain_for(round_.starts_on)
    if chain == round_.chain:
        return
    if round_.quotas.exists() or round_.proposals.exists():
        raise RoundsError(
            _(
                "Ngày bắt đầu mới làm thay đổi cấp xét duyệt của đợt (trước và sau 1/7/2025), "
                "nhưng đợt đã có chỉ tiêu hoặc danh sách đề xuất; không thể đổi."
            )
        )
    round_.chain = chain


def _check_closing(round_: SupportRound) -> None:
    """The end date may not come before the deadline nor before an extension granted."""
    if not round_.closes_on:
        round_.closes_on = deadlines.default_closing(round_.ends_on)
    if round_.closes_on < round_.ends_on:
        raise RoundsError(_("Ngày kết thúc đợt không được trước hạn đề xuất."))
    latest = round_.extensions.order_by("-until").values_list("until", flat=True).first()
    if latest and round_.closes_on < latest:
        raise RoundsError(
            _("Đã gia hạn đề xuất đến %(until)s; ngày kết thúc đợt không được sớm hơn.")
            % {"until": latest.strftime("%d/%m/%Y")}
        )


@transaction.atomic
def close_round(*, actor: User, round: SupportRound, reason: str = "") -> SupportRound:
    """Close the round: no proposal, decision or quota may change afterwards."""
    require_province(actor)
    round_ = own_round(actor, round, lock=True)
    require_not_closed(round_)
    old = round_.status
    round_.status = SupportRound.Status.CLOSED
    round_.save(update_fields=["status"])
    record_audit(
        actor=actor,
        action="round.close",
        obj=round_,
        changes={"status": [old, round_.status]},
        reason=reason,
    )
    return round_


# --- quotas ---------------------------------------------------------------------------


def _approved_count(round_: SupportRound, kind: str, *, district_id: int) -> int:
    return ProposalItem.objects.filter(
        round=round_,
        kind=kind,
        status=ProposalItem.Status.APPROVED,
        proposal__school__district_id=district_id,
    ).count()


def _apply_district_quota(
    round_: SupportRound, district: District, kind: str, amount: int
) -> tuple[Quota, int | None]:
    """Write one district quota under its row lock; returns it and the old amount."""
    if not round_.offers_kind(kind):
        raise RoundsError(_("Đợt hỗ trợ không có hình thức hỗ trợ này."))
    if amount < 0:
        raise RoundsError(_("Chỉ tiêu không được âm."))
    quota = (
        Quota.objects.select_for_update()
        .filter(round=round_, district=district, school__isnull=True, kind=kind)
        .first()
    )
    label = SupportKind(kind).label
    split = (
        Quota.objects.filter(
            round=round_, district=district, school__isnull=False, kind=kind
        ).aggregate(total=Sum("amount"))["total"]
        or 0
    )
    if amount < split:
        raise QuotaExceeded(
            _(
                "%(district)s đã giao %(split)s chỉ tiêu %(kind)s cho các trường; "
                "chỉ tiêu của huyện không thể nhỏ hơn."
            )
            % {"district": district, "split": split, "kind": label}
        )
    approved = _approved_count(round_, kind, district_id=district.pk)
    if amount < approved:
        raise QuotaExceeded(
            _("%(district)s đã duyệt %(n)s học sinh (%(kind)s); chỉ tiêu không thể nhỏ hơn.")
            % {"district": district, "n": approved, "kind": label}
        )
    old = quota.amount if quota else None
    if quota is None:
        quota = Quota.objects.create(round=round_, district=district, kind=kind, amount=amount)
    elif quota.amount != amount:
        quota.amount = amount
        quota.save(update_fields=["amount", "updated_at"])
    return quota, old


@transaction.atomic
def set_district_quota(
    *, actor: User, round: SupportRound, district: District, kind: str, amount: int
) -> Quota:
    """Set how many pupils of ``kind`` a district may have approved in the round."""
    set_district_quotas(actor=actor, round=round, amounts={(district.pk, kind): amount})
    return Quota.objects.get(round=round, district=district, school__isnull=True, kind=kind)


@transaction.atomic
def set_district_quotas(
    *, actor: User, round: SupportRound, amounts: Mapping[tuple[int, str], int]
) -> int:
    """Set district quotas (the province's quota grid) all or nothing, in one audit entry."""
    require_province(actor)
    round_ = own_round(actor, round)
    require_not_closed(round_)
    districts = {d.pk: d for d in District.objects.visible_to(actor)}
    changes: dict[str, list[int | None]] = {}
    changed: dict[int, District] = {}
    for (district_id, kind), amount in sorted(amounts.items()):
        district = districts.get(district_id)
        if district is None:
            raise Http404
        _quota, old = _apply_district_quota(round_, district, kind, amount)
        if old != amount and not (old is None and amount == 0):
            changes[f"{district.name} – {SupportKind(kind).label}"] = [old, amount]
            changed[district.pk] = district
    if changes:
        record_audit(actor=actor, action="round.district_quotas", obj=round_, changes=changes)
        notices.district_quotas_set(round_, sorted(changed.values(), key=lambda d: d.code))
    return len(changes)


def _check_school_floors(
    round_: SupportRound, schools: Mapping[int, School], amounts: Mapping[tuple[int, str], int]
) -> None:
    """Refuse a school quota below the pupils already approved for that school and kind.

    Counted after the district's quota rows are locked: an approval needs the same locks,
    so none can land between this count and the write."""
    approved = {
        (school_id, kind): n
        for school_id, kind, n in ProposalItem.objects.filter(
            round=round_,
            status=ProposalItem.Status.APPROVED,
            proposal__school_id__in=[sid for sid, _kind in amounts],
        )
        .order_by()
        .values_list("proposal__school_id", "kind")
        .annotate(n=Count("pk"))
    }
    for (school_id, kind), amount in sorted(amounts.items()):
        already = approved.get((school_id, kind), 0)
        if amount < already:
            raise QuotaExceeded(
                _(
                    "%(school)s đã được duyệt %(n)s học sinh (%(kind)s); chỉ tiêu của trường "
                    "không thể nhỏ hơn %(n)s."
                )
                % {"school": schools[school_id].name, "n": already, "kind": SupportKind(kind).label}
            )


# size: the district's quota rows are locked and every school's share checked against them before
#   any write
@transaction.atomic
def split_school_quota(
    *,
    actor: User,
    round: SupportRound,
    district: District,
    amounts: Mapping[tuple[int, str], int],
) -> None:
    """Share the district's quota among its schools; their sum may not exceed it.

    ``amounts`` maps (school id, kind) to the school's quota. The district's quota
    rows are locked first, so two officers splitting at once cannot overshoot.
    """
    require_capability(actor, "can_approve")
    require(rules.may_split_quota(actor, district))
    round_ = own_round(actor, round)
    require_not_closed(round_)
    schools = {s.pk: s for s in School.objects.filter(district=district)}
    kinds = {kind for _school, kind in amounts}
    for kind in kinds:
        if not round_.offers_kind(kind):
            raise RoundsError(_("Đợt hỗ trợ không có hình thức hỗ trợ này."))
    district_quotas = {
        q.kind: q
        for q in Quota.objects.select_for_update()
        .filter(round=round_, district=district, school__isnull=True, kind__in=kinds)
        .order_by("pk")
    }
    existing = {
        (q.school_id, q.kind): q
        for q in Quota.objects.select_for_update()
        .filter(round=round_, district=district, school__isnull=False)
        .order_by("pk")
    }
    for (school_id, _kind), amount in amounts.items():
        if school_id not in schools:
            raise Http404
        if amount < 0:
            raise RoundsError(_("Chỉ tiêu không được âm."))
    _check_school_floors(round_, schools, amounts)
    for kind in kinds:
        total = sum(
            amounts.get((sid, kind), q.amount if q else 0)
            for sid in schools
            for q in [existing.get((sid, kind))]
        )
        limit = district_quotas[kind].amount if kind in district_quotas else 0
        if total > limit:
            raise QuotaExceeded(
                _(
                    "Tổng chỉ tiêu giao cho các trường (%(total)s) vượt chỉ tiêu của huyện "
                    "(%(limit)s) cho hình thức %(kind)s."
                )
                % {"total": total, "limit": limit, "kind": SupportKind(kind).label}
            )
    changes: dict[str, list[int | None]] = {}
    changed: dict[int, School] = {}
    for (school_id, kind), amount in sorted(amounts.items()):
        quota = existing.get((school_id, kind))
        old = quota.amount if quota else None
        if quota is None:
            Quota.objects.create(
                round=round_, district=district, school_id=school_id, kind=kind, amount=amount
            )
        elif quota.amount != amount:
            quota.amount = amount
            quota.save(update_fields=["amount", "updated_at"])
        if old != amount and not (old is None and amount == 0):
            changes[f"{schools[school_id].name} – {SupportKind(kind).label}"] = [old, amount]
            changed[school_id] = schools[school_id]
    if changes:
        record_audit(
            actor=actor,
            action="round.school_quotas",
            obj=round_,
            changes=changes,
            district_id=district.pk,
        )
        told = sorted(changed.values(), key=lambda s: s.name)
        due = {
            pk: day.strftime("%d/%m/%Y")
            for pk, day in deadlines.school_deadlines(round_, told).items()
        }
        notices.school_quotas_set(round_, told, due)
