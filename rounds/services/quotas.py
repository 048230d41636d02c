"""Quotas: the province gives them, the deciding office shares them among its schools.

In a round of the district chain the province gives each district a quota and the
district office shares it among its schools. In a round of the commune chain the
province gives each 2025 commune a quota, which the commune committee shares among the
schools it decides, and gives the schools the Sở decides itself (THPT, GDTX) a quota of
their own. A quota never drops below what was shared out of it or already approved.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Count, Sum
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import require
from accounts.models import User
from accounts.services import record_audit
from rounds import chain, rules
from rounds import communes as commune_reads
from rounds.chain import COMMUNE, DISTRICT, Holder
from rounds.models import ProposalItem, Quota, SupportRound
from rounds.services import deadlines, notices
from rounds.services.common import (
    QuotaExceeded,
    own_round,
    require_capability,
    require_not_closed,
    require_province,
)
from rounds.workflow import RoundsError
from schools.choices import SupportKind
from schools.models import Commune, District, School


def _approved_count(round_: SupportRound, kind: str, holder: Holder) -> int:
    return ProposalItem.objects.filter(
        holder.items(round_), round=round_, kind=kind, status=ProposalItem.Status.APPROVED
    ).count()


def _holder_fields(holder: Holder) -> dict[str, int]:
    return {{DISTRICT: "district_id", COMMUNE: "commune_id"}.get(holder.kind, "school_id"): (
        holder.unit_id
    )}  # fmt: skip


def _apply_quota(
    round_: SupportRound, holder: Holder, unit: object, kind: str, amount: int
) -> tuple[Quota, int | None]:
    """Write one unit's quota under its row lock; returns it and the old amount."""
    if not round_.offers_kind(kind):
        raise RoundsError(_("Đợt hỗ trợ không có hình thức hỗ trợ này."))
    if amount < 0:
        raise RoundsError(_("Chỉ tiêu không được âm."))
    quota = Quota.objects.select_for_update().filter(holder.own(), round=round_, kind=kind).first()
    label = SupportKind(kind).label
    split = (
        Quota.objects.filter(holder.shares(), round=round_, kind=kind).aggregate(
            total=Sum("amount")
        )["total"]
        or 0
    )
    if amount < split:
        if holder.kind == DISTRICT:
            text = _(
                "%(district)s đã giao %(split)s chỉ tiêu %(kind)s cho các trường; "
                "chỉ tiêu của huyện không thể nhỏ hơn."
            )
        else:
            text = _(
                "%(district)s đã giao %(split)s chỉ tiêu %(kind)s cho các trường; "
                "chỉ tiêu của xã không thể nhỏ hơn."
            )
        raise QuotaExceeded(text % {"district": unit, "split": split, "kind": label})
    approved = _approved_count(round_, kind, holder)
    if amount < approved:
        raise QuotaExceeded(
            _("%(district)s đã duyệt %(n)s học sinh (%(kind)s); chỉ tiêu không thể nhỏ hơn.")
            % {"district": unit, "n": approved, "kind": label}
        )
    old = quota.amount if quota else None
    if quota is None:
        quota = Quota.objects.create(
            round=round_, kind=kind, amount=amount, **_holder_fields(holder)
        )
    elif quota.amount != amount:
        quota.amount = amount
        quota.save(update_fields=["amount", "updated_at"])
    return quota, old


def _changed(old: int | None, amount: int) -> bool:
    return old != amount and not (old is None and amount == 0)


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
    if round_.by_communes:
        raise RoundsError(
            _("Đợt mở sau 1/7/2025 giao chỉ tiêu theo xã, phường (và trường do Sở quản lý).")
        )
    districts = {d.pk: d for d in District.objects.visible_to(actor)}
    changes: dict[str, list[int | None]] = {}
    changed: dict[int, District] = {}
    for (district_id, kind), amount in sorted(amounts.items()):
        district = districts.get(district_id)
        if district is None:
            raise Http404
        _quota, old = _apply_quota(round_, Holder(DISTRICT, district.pk), district, kind, amount)
        if _changed(old, amount):
            changes[f"{district.name} – {SupportKind(kind).label}"] = [old, amount]
            changed[district.pk] = district
    if changes:
        record_audit(actor=actor, action="round.district_quotas", obj=round_, changes=changes)
        notices.unit_quotas_set(round_, sorted(changed.values(), key=lambda d: d.code))
    return len(changes)


# size: two grids (communes, schools of the Sở) checked and written all or nothing, one audit
@transaction.atomic
def set_commune_quotas(
    *,
    actor: User,
    round: SupportRound,
    communes: Mapping[tuple[int, str], int],
    schools: Mapping[tuple[int, str], int] | None = None,
) -> int:
    """Set the quotas of a round of the commune chain (the province's grid), all or nothing:
    ``communes`` maps (2025 commune id, kind) to the commune's quota, ``schools`` (school id,
    kind) to the quota of a school the Sở decides itself. One audit entry; the commune
    officers and the schools whose quota changed are told."""
    require_province(actor)
    round_ = own_round(actor, round)
    require_not_closed(round_)
    if not round_.by_communes:
        raise RoundsError(_("Đợt mở trước 1/7/2025 giao chỉ tiêu theo huyện."))
    units = {c.pk: c for c in commune_reads.round_communes(round_)}
    direct = {s.pk: s for s in commune_reads.province_run_schools(round_, actor)}
    changes: dict[str, list[int | None]] = {}
    told_communes: dict[int, Commune] = {}
    told_schools: dict[int, School] = {}
    for (commune_id, kind), amount in sorted(communes.items()):
        commune = units.get(commune_id)
        if commune is None:
            raise Http404
        _quota, old = _apply_quota(round_, Holder(COMMUNE, commune.pk), commune, kind, amount)
        if _changed(old, amount):
            changes[f"{commune.name} – {SupportKind(kind).label}"] = [old, amount]
            told_communes[commune.pk] = commune
    for (school_id, kind), amount in sorted((schools or {}).items()):
        school = direct.get(school_id)
        if school is None:
            raise Http404
        _quota, old = _apply_quota(round_, Holder("school", school.pk), school, kind, amount)
        if _changed(old, amount):
            changes[f"{school.name} – {SupportKind(kind).label}"] = [old, amount]
            told_schools[school.pk] = school
    if changes:
        record_audit(actor=actor, action="round.commune_quotas", obj=round_, changes=changes)
        notices.unit_quotas_set(round_, sorted(told_communes.values(), key=lambda c: c.code))
        _tell_schools(round_, sorted(told_schools.values(), key=lambda s: s.name), by_province=True)
    return len(changes)


def _tell_schools(round_: SupportRound, schools: list[School], *, by_province: bool) -> None:
    due = {
        pk: day.strftime("%d/%m/%Y")
        for pk, day in deadlines.school_deadlines(round_, schools).items()
    }
    notices.school_quotas_set(round_, schools, due, by_province=by_province)


def _check_school_floors(
    round_: SupportRound, schools: Mapping[int, School], amounts: Mapping[tuple[int, str], int]
) -> None:
    """Refuse a school quota below the pupils already approved for that school and kind.

    Counted after the unit's quota rows are locked: an approval needs the same locks,
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


def _over_split(holder: Holder) -> str:
    if holder.kind == DISTRICT:
        return _(
            "Tổng chỉ tiêu giao cho các trường (%(total)s) vượt chỉ tiêu của huyện "
            "(%(limit)s) cho hình thức %(kind)s."
        )
    return _(
        "Tổng chỉ tiêu giao cho các trường (%(total)s) vượt chỉ tiêu của xã "
        "(%(limit)s) cho hình thức %(kind)s."
    )


def _split_unit(
    actor: User, round_: SupportRound, district: District | None, commune: Commune | None
) -> tuple[Holder, dict[int, School]]:
    """The holder whose quota is shared and its schools, or 404 for the wrong office."""
    if district is not None and not round_.by_communes:
        require(rules.may_split_quota(actor, district))
        return Holder(DISTRICT, district.pk), {
            s.pk: s for s in School.objects.filter(district=district)
        }
    if commune is not None and round_.by_communes:
        require(rules.may_split_commune_quota(actor, commune))
        schools = commune_reads.commune_schools(round_, commune)
        return Holder(COMMUNE, commune.pk), {s.pk: s for s in schools}
    raise Http404


# size: the unit's quota rows are locked and every school's share checked against them before
#   any write
@transaction.atomic
def split_school_quota(
    *,
    actor: User,
    round: SupportRound,
    amounts: Mapping[tuple[int, str], int],
    district: District | None = None,
    commune: Commune | None = None,
) -> None:
    """Share a district's quota (district chain) or a commune's (commune chain) among its
    schools; their sum may not exceed it.

    ``amounts`` maps (school id, kind) to the school's quota. The unit's quota rows are
    locked first, so two officers splitting at once cannot overshoot.
    """
    require_capability(actor, "can_approve")
    round_ = own_round(actor, round)
    holder, schools = _split_unit(actor, round_, district, commune)
    require_not_closed(round_)
    kinds = {kind for _school, kind in amounts}
    for kind in kinds:
        if not round_.offers_kind(kind):
            raise RoundsError(_("Đợt hỗ trợ không có hình thức hỗ trợ này."))
    unit_quotas = {
        q.kind: q
        for q in Quota.objects.select_for_update()
        .filter(holder.own(), round=round_, kind__in=kinds)
        .order_by("pk")
    }
    existing = {
        (q.school_id, q.kind): q
        for q in Quota.objects.select_for_update()
        .filter(holder.shares(), round=round_)
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
        limit = unit_quotas[kind].amount if kind in unit_quotas else 0
        if total > limit:
            raise QuotaExceeded(_over_split(holder) % {
                "total": total, "limit": limit, "kind": SupportKind(kind).label
            })  # fmt: skip
    changes: dict[str, list[int | None]] = {}
    changed: dict[int, School] = {}
    for (school_id, kind), amount in sorted(amounts.items()):
        quota = existing.get((school_id, kind))
        old = quota.amount if quota else None
        if quota is None:
            Quota.objects.create(
                round=round_,
                school_id=school_id,
                kind=kind,
                amount=amount,
                **_holder_fields(holder),
            )
        elif quota.amount != amount:
            quota.amount = amount
            quota.save(update_fields=["amount", "updated_at"])
        if _changed(old, amount):
            changes[f"{schools[school_id].name} – {SupportKind(kind).label}"] = [old, amount]
            changed[school_id] = schools[school_id]
    if changes:
        record_audit(
            actor=actor,
            action="round.school_quotas",
            obj=round_,
            changes=changes,
            district_id=district.pk if district is not None else None,
        )
        _tell_schools(round_, sorted(changed.values(), key=lambda s: s.name), by_province=False)


def holder_of(round_: SupportRound, school: School) -> Holder | None:
    """Where ``school``'s approvals in ``round_`` are counted (None: nobody decides yet)."""
    return chain.holder_for(round_, school, chain.decider_for(round_, school))
