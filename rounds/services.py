"""Writes for support rounds: rounds, quotas, proposals and their approval.

Every function here is atomic, checks the acting user's scope itself (404 when out
of scope), refuses to touch a closed round, leaves an audit record and notifies the
next actor. Quotas are counted under row locks on the ``Quota`` rows, so two officers
approving at the same time cannot exceed them. Lists carry a version number: a write
made from a stale page is refused instead of silently overwriting someone else's.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from django.db import IntegrityError, transaction
from django.db.models import Count, Sum
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import diff, notify, record_audit, snapshot
from rounds.models import Proposal, ProposalItem, Quota, SupportRound
from rounds.workflow import (
    DECIDABLE_STATES,
    EDITABLE_STATES,
    RoundsError,
    acts_at_level,
    check_transition,
)
from schools.choices import SupportKind
from schools.models import District, School
from students.models import Student

ROUND_FIELDS = (
    "name",
    "school_year",
    "starts_on",
    "ends_on",
    "offers",
    "requires_province_confirmation",
    "description",
    "status",
)
EXAM_GRADES = frozenset({5, 9, 12})


class StaleProposal(RoundsError):
    pass


class QuotaExceeded(RoundsError):
    pass


def stale_message() -> str:
    return _(
        "Danh sách đã được người khác thay đổi sau khi bạn mở trang. "
        "Vui lòng tải lại trang để xem bản mới nhất rồi thao tác lại; thay đổi của bạn chưa được lưu."
    )


# --- access helpers -------------------------------------------------------------------


def _require(user: User, capability: str) -> None:
    if not user.can(capability):
        raise Http404


def _require_province(user: User, capability: str = "can_manage_rounds") -> None:
    _require(user, capability)
    if not user.scope.is_provincial:
        raise Http404


def _require_open(round_: SupportRound) -> None:
    if not round_.is_open:
        raise RoundsError(_("Đợt hỗ trợ đã đóng hoặc chưa mở; không thể thao tác."))


def _require_not_closed(round_: SupportRound) -> None:
    if round_.status == SupportRound.Status.CLOSED:
        raise RoundsError(_("Đợt hỗ trợ đã đóng; không thể thay đổi."))


def _check_offers(offers: Iterable[str]) -> list[str]:
    valid = set(SupportKind.values)
    cleaned = [k for k in SupportKind.values if k in set(offers)]
    if not cleaned or any(k not in valid for k in offers):
        raise RoundsError(_("Chọn ít nhất một hình thức hỗ trợ hợp lệ."))
    return cleaned


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
) -> SupportRound:
    """Create a support round and open it to proposals (province only)."""
    _require_province(actor)
    if ends_on < starts_on:
        raise RoundsError(_("Hạn đề xuất phải sau ngày bắt đầu."))
    round_ = SupportRound.objects.create(
        name=name.strip(),
        school_year=school_year.strip(),
        starts_on=starts_on,
        ends_on=ends_on,
        offers=_check_offers(offers),
        requires_province_confirmation=requires_province_confirmation,
        description=description,
        status=SupportRound.Status.OPEN,
        created_by=actor,
    )
    record_audit(
        actor=actor, action="round.open", obj=round_, changes=snapshot(round_, ROUND_FIELDS)
    )
    return round_


@transaction.atomic
def update_round(*, actor: User, round: SupportRound, reason: str = "", **fields) -> SupportRound:
    """Change a round's name, dates, offers or confirmation rule (not once it is closed)."""
    _require_province(actor)
    round_ = SupportRound.objects.select_for_update().get(pk=round.pk)
    _require_not_closed(round_)
    before = snapshot(round_, ROUND_FIELDS)
    allowed = set(ROUND_FIELDS) - {"status"}
    for name, value in fields.items():
        if name not in allowed:
            raise ValueError(f"Cannot update {name}")
        setattr(round_, name, value)
    if "offers" in fields:
        round_.offers = _check_offers(fields["offers"])
        dropped = set(before["offers"]) - set(round_.offers)
        if dropped and round_.items.filter(kind__in=dropped).exists():
            raise RoundsError(
                _("Không thể bỏ hình thức hỗ trợ đã có học sinh được đề xuất trong đợt.")
            )
    if round_.ends_on < round_.starts_on:
        raise RoundsError(_("Hạn đề xuất phải sau ngày bắt đầu."))
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
    return round_


@transaction.atomic
def close_round(*, actor: User, round: SupportRound, reason: str = "") -> SupportRound:
    """Close the round: no proposal, decision or quota may change afterwards."""
    _require_province(actor)
    round_ = SupportRound.objects.select_for_update().get(pk=round.pk)
    _require_not_closed(round_)
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


@transaction.atomic
def set_district_quota(
    *, actor: User, round: SupportRound, district: District, kind: str, amount: int
) -> Quota:
    """Set how many pupils of ``kind`` a district may have approved in the round."""
    _require_province(actor)
    round_ = SupportRound.objects.get(pk=round.pk)
    _require_not_closed(round_)
    if district.province_id != actor.scope.province_id:
        raise Http404
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
    if old != amount:
        record_audit(
            actor=actor,
            action="quota.district",
            obj=round_,
            changes={f"{district.code}/{kind}": [old, amount]},
            district_id=district.pk,
        )
    return quota


@transaction.atomic
def set_district_quotas(
    *, actor: User, round: SupportRound, amounts: Mapping[tuple[int, str], int]
) -> int:
    """Set many district quotas at once (the province's quota grid); all or nothing."""
    _require_province(actor)
    districts = {d.pk: d for d in District.objects.visible_to(actor)}
    changed = 0
    for (district_id, kind), amount in sorted(amounts.items()):
        district = districts.get(district_id)
        if district is None:
            raise Http404
        set_district_quota(actor=actor, round=round, district=district, kind=kind, amount=amount)
        changed += 1
    return changed


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
    _require(actor, "can_approve")
    scope = actor.scope
    if not (
        (scope.is_district and scope.district_id == district.pk)
        or (scope.is_provincial and scope.province_id == district.province_id)
    ):
        raise Http404
    round_ = SupportRound.objects.get(pk=round.pk)
    _require_not_closed(round_)
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
            record_audit(
                actor=actor,
                action="quota.school",
                obj=round_,
                changes={f"{schools[school_id].code}/{kind}": [old, amount]},
                school_id=school_id,
                district_id=district.pk,
            )


# --- proposals: the school's list -----------------------------------------------------


def _lock_proposal(actor: User, proposal: Proposal | int, version: int | None) -> Proposal:
    """Re-read the proposal under a row lock, in the actor's scope, at the expected version."""
    pk = proposal.pk if isinstance(proposal, Proposal) else proposal
    locked = (
        Proposal.objects.visible_to(actor)
        .select_for_update(of=("self",))
        .select_related("round", "school", "school__district")
        .filter(pk=pk)
        .first()
    )
    if locked is None:
        raise Http404
    if version is not None and locked.version != version:
        raise StaleProposal(stale_message())
    return locked


def _bump(proposal: Proposal, *fields: str) -> None:
    proposal.version += 1
    proposal.save(update_fields=["version", "updated_at", *fields])


def _require_school_editor(actor: User, proposal: Proposal) -> None:
    if not actor.can("can_propose") or not acts_at_level(actor, proposal, "school"):
        raise Http404
    _require_open(proposal.round)
    if proposal.status not in EDITABLE_STATES:
        raise RoundsError(_("Danh sách đã gửi; chỉ sửa được khi Phòng GD&ĐT trả lại để chỉnh sửa."))


@transaction.atomic
def start_proposal(*, actor: User, round: SupportRound) -> Proposal:
    """The acting school's list for the round, created as a draft the first time."""
    _require(actor, "can_propose")
    if not actor.scope.is_school:
        raise Http404
    round_ = SupportRound.objects.get(pk=round.pk)
    _require_open(round_)
    proposal, created = Proposal.objects.get_or_create(round=round_, school_id=actor.school_id)
    if created:
        record_audit(
            actor=actor,
            action="proposal.create",
            obj=proposal,
            school_id=proposal.school_id,
            district_id=actor.scope.district_id,
        )
    return proposal


def _kind_for_pupil_message(student: Student, kind: str, round_: SupportRound) -> str:
    return _(
        "Học sinh %(name)s đã có trong danh sách đề xuất %(kind)s của đợt “%(round)s”; "
        "mỗi học sinh chỉ được hưởng một lần cho mỗi hình thức hỗ trợ trong một đợt."
    ) % {"name": student.full_name, "kind": SupportKind(kind).label, "round": round_.name}


@transaction.atomic
def add_proposal_items(
    *,
    actor: User,
    proposal: Proposal,
    entries: Sequence[tuple[int, str]],
    version: int | None,
) -> list[ProposalItem]:
    """Add pupils (student id, kind) of the school's registry to its list."""
    locked = _lock_proposal(actor, proposal, version)
    _require_school_editor(actor, locked)
    round_ = locked.round
    students = {
        s.pk: s
        for s in Student.objects.filter(
            school_id=locked.school_id, pk__in=[pk for pk, _kind in entries]
        )
    }
    next_priority = (
        locked.items.order_by("-priority").values_list("priority", flat=True).first() or 0
    )
    taken = set(
        ProposalItem.objects.filter(round=round_, student_id__in=list(students)).values_list(
            "student_id", "kind"
        )
    )
    created: list[ProposalItem] = []
    for student_id, kind in entries:
        student = students.get(student_id)
        if student is None:
            raise Http404
        if not round_.offers_kind(kind):
            raise RoundsError(_("Đợt hỗ trợ không có hình thức hỗ trợ này."))
        if (student_id, kind) in taken:
            raise RoundsError(_kind_for_pupil_message(student, kind, round_))
        if student.status != Student.Status.STUDYING:
            raise RoundsError(
                _("Học sinh %(name)s không còn đang học.") % {"name": student.full_name}
            )
        taken.add((student_id, kind))
        next_priority += 1
        try:
            with transaction.atomic():
                item = ProposalItem.objects.create(
                    proposal=locked,
                    round=round_,
                    student=student,
                    kind=kind,
                    priority=next_priority,
                )
        except IntegrityError as exc:
            # Another school's list took the pupil between our check and insert.
            raise RoundsError(_kind_for_pupil_message(student, kind, round_)) from exc
        created.append(item)
    if created:
        _bump(locked)
        record_audit(
            actor=actor,
            action="proposal.add_items",
            obj=locked,
            changes={"items": [None, [f"{i.student} – {i.get_kind_display()}" for i in created]]},
            school_id=locked.school_id,
            district_id=locked.school.district_id,
        )
    return created


@transaction.atomic
def remove_proposal_items(
    *, actor: User, proposal: Proposal, item_ids: Iterable[int], version: int | None
) -> int:
    locked = _lock_proposal(actor, proposal, version)
    _require_school_editor(actor, locked)
    items = list(locked.items.filter(pk__in=list(item_ids)).select_related("student"))
    if not items:
        return 0
    labels = [f"{i.student} – {i.get_kind_display()}" for i in items]
    ProposalItem.objects.filter(pk__in=[i.pk for i in items]).delete()
    _bump(locked)
    record_audit(
        actor=actor,
        action="proposal.remove_items",
        obj=locked,
        changes={"items": [labels, None]},
        school_id=locked.school_id,
        district_id=locked.school.district_id,
    )
    return len(items)


@transaction.atomic
def reorder_proposal_items(
    *,
    actor: User,
    proposal: Proposal,
    priorities: Mapping[int, int],
    version: int | None,
    kinds: Mapping[int, str] | None = None,
) -> int:
    """Set each item's priority (and optionally its kind); renumbers 1..n in that order."""
    locked = _lock_proposal(actor, proposal, version)
    _require_school_editor(actor, locked)
    items = list(locked.items.select_related("student").order_by("priority", "pk"))
    kinds = kinds or {}
    for item in items:
        new_kind = kinds.get(item.pk, item.kind)
        if new_kind != item.kind:
            if not locked.round.offers_kind(new_kind):
                raise RoundsError(_("Đợt hỗ trợ không có hình thức hỗ trợ này."))
            if (
                ProposalItem.objects.filter(round=locked.round, student=item.student, kind=new_kind)
                .exclude(pk=item.pk)
                .exists()
            ):
                raise RoundsError(_kind_for_pupil_message(item.student, new_kind, locked.round))
    ordered = sorted(items, key=lambda i: (priorities.get(i.pk, i.priority), i.priority, i.pk))
    changed = _renumber(ordered, kinds)
    if changed:
        _bump(locked)
        record_audit(
            actor=actor,
            action="proposal.reorder",
            obj=locked,
            changes={"items": [None, [f"{i.priority}. {i.student}" for i in ordered]]},
            school_id=locked.school_id,
            district_id=locked.school.district_id,
        )
    return changed


def _renumber(ordered: Sequence[ProposalItem], kinds: Mapping[int, str]) -> int:
    changed = 0
    for position, item in enumerate(ordered, start=1):
        new_kind = kinds.get(item.pk, item.kind)
        if item.priority != position or item.kind != new_kind:
            item.priority = position
            item.kind = new_kind
            item.save(update_fields=["priority", "kind"])
            changed += 1
    return changed


def suggestion_key(item: ProposalItem) -> tuple:
    """COVID orphans, poor, near-poor, policy, hardship; then no device; then exam grades."""
    student = item.student
    category = student.household.category
    return (
        category.priority,
        1 if student.has_device else 0,
        0 if student.grade in EXAM_GRADES else 1,
        student.sort_key,
        item.pk,
    )


def suggest_order(items: Iterable[ProposalItem]) -> list[ProposalItem]:
    """The portal's suggested priority order; needs student→household→category loaded."""
    return sorted(items, key=suggestion_key)


@transaction.atomic
def apply_suggested_order(*, actor: User, proposal: Proposal, version: int | None) -> int:
    locked = _lock_proposal(actor, proposal, version)
    _require_school_editor(actor, locked)
    items = locked.items.select_related("student__household__category")
    ordered = suggest_order(items)
    changed = _renumber(ordered, {})
    if changed:
        _bump(locked)
        record_audit(
            actor=actor,
            action="proposal.suggested_order",
            obj=locked,
            changes={"items": [None, [f"{i.priority}. {i.student}" for i in ordered]]},
            school_id=locked.school_id,
            district_id=locked.school.district_id,
        )
    return changed


# --- notifications --------------------------------------------------------------------


def _district_officers(district_id: int) -> list[User]:
    return list(
        User.objects.filter(district_id=district_id, is_active=True, role__can_approve=True)
    )


def _school_staff(school_id: int) -> list[User]:
    return list(User.objects.filter(school_id=school_id, is_active=True, role__can_propose=True))


def _province_officers(province_id: int) -> list[User]:
    return list(
        User.objects.filter(province_id=province_id, is_active=True, role__can_approve=True)
    )


def _notify(proposal: Proposal, recipients: list[User], verb: str, message: str) -> None:
    url = reverse("rounds:proposal", args=[proposal.pk])
    notify(recipients=recipients, verb=verb, message=message, url=url)


# --- proposals: transitions -----------------------------------------------------------


def _audit(actor: User, proposal: Proposal, action: str, old: str, reason: str = "", **extra):
    changes = {"status": [old, proposal.status], **extra}
    record_audit(
        actor=actor,
        action=action,
        obj=proposal,
        changes=changes,
        reason=reason,
        school_id=proposal.school_id,
        district_id=proposal.school.district_id,
    )


@transaction.atomic
def submit_proposal(*, actor: User, proposal: Proposal, version: int | None) -> Proposal:
    """Send the school's list to the district; refused beyond the school's quota per kind."""
    locked = _lock_proposal(actor, proposal, version)
    transition = check_transition("submit", locked, actor)
    counts = Counter(locked.items.values_list("kind", flat=True))
    if not counts:
        raise RoundsError(_("Danh sách chưa có học sinh nào."))
    quotas = {
        q.kind: q.amount
        for q in Quota.objects.select_for_update().filter(
            round=locked.round, school=locked.school, kind__in=list(counts)
        )
    }
    for kind, n in sorted(counts.items()):
        limit = quotas.get(kind, 0)
        if n > limit:
            raise QuotaExceeded(
                _(
                    "Danh sách có %(n)s học sinh đề xuất %(kind)s, vượt chỉ tiêu của trường "
                    "(%(limit)s). Bớt học sinh hoặc đề nghị Phòng GD&ĐT điều chỉnh chỉ tiêu."
                )
                % {"n": n, "kind": SupportKind(kind).label, "limit": limit}
            )
    old = locked.status
    locked.status = transition.target
    locked.submitted_at = timezone.now()
    locked.submitted_by = actor
    locked.note = ""
    _bump(locked, "status", "submitted_at", "submitted_by", "note")
    _audit(actor, locked, transition.verb, old, items=dict(counts))
    _notify(
        locked,
        _district_officers(locked.school.district_id),
        transition.verb,
        _("%(school)s đã gửi danh sách đề xuất %(n)s học sinh – %(round)s.")
        % {"school": locked.school, "n": sum(counts.values()), "round": locked.round.name},
    )
    return locked


def _lock_district_quotas(round_: SupportRound, district_id: int, kinds: Iterable[str]) -> dict:
    return {
        q.kind: q
        for q in Quota.objects.select_for_update()
        .filter(round=round_, district_id=district_id, school__isnull=True, kind__in=set(kinds))
        .order_by("pk")
    }


def _approve(actor: User, proposal: Proposal, items: Sequence[ProposalItem]) -> None:
    """Approve ``items`` of a locked proposal within the district's quotas; lock eligibility."""
    if not items:
        return
    district_id = proposal.school.district_id
    wanted = Counter(i.kind for i in items)
    quotas = _lock_district_quotas(proposal.round, district_id, wanted)
    # Counted after the locks are held: approvals committed meanwhile are visible here.
    approved = dict(
        ProposalItem.objects.filter(
            round=proposal.round,
            proposal__school__district_id=district_id,
            status=ProposalItem.Status.APPROVED,
            kind__in=list(wanted),
        )
        .order_by()
        .values_list("kind")
        .annotate(n=Count("pk"))
    )
    for kind, n in sorted(wanted.items()):
        limit = quotas[kind].amount if kind in quotas else 0
        already = approved.get(kind, 0)
        if already + n > limit:
            raise QuotaExceeded(
                _(
                    "Không thể duyệt: chỉ tiêu %(kind)s của huyện là %(limit)s, đã duyệt "
                    "%(already)s, danh sách này thêm %(n)s. Hãy duyệt từng học sinh trong "
                    "phạm vi chỉ tiêu còn lại (%(left)s) hoặc đề nghị Sở điều chỉnh chỉ tiêu."
                )
                % {
                    "kind": SupportKind(kind).label,
                    "limit": limit,
                    "already": already,
                    "n": n,
                    "left": max(limit - already, 0),
                }
            )
    now = timezone.now()
    ProposalItem.objects.filter(pk__in=[i.pk for i in items]).update(
        status=ProposalItem.Status.APPROVED, decided_at=now, decided_by=actor, reason=""
    )
    student_ids = {i.student_id for i in items}
    to_lock = list(Student.objects.filter(pk__in=student_ids, eligibility_locked=False))
    Student.objects.filter(pk__in=[s.pk for s in to_lock]).update(eligibility_locked=True)
    for student in to_lock:
        record_audit(
            actor=actor,
            action="student.lock_eligibility",
            obj=student,
            changes={"eligibility_locked": [False, True]},
            reason=_("Được duyệt trong %(round)s") % {"round": proposal.round.name},
            school_id=student.school_id,
            district_id=district_id,
        )


def _release_locks(actor: User, student_ids: Iterable[int], reason: str) -> None:
    """Unlock pupils who are no longer approved for anything (after a return or rejection)."""
    still = set(
        ProposalItem.objects.filter(
            student_id__in=list(student_ids), status=ProposalItem.Status.APPROVED
        ).values_list("student_id", flat=True)
    )
    free = list(Student.objects.filter(pk__in=set(student_ids) - still, eligibility_locked=True))
    Student.objects.filter(pk__in=[s.pk for s in free]).update(eligibility_locked=False)
    for student in free:
        record_audit(
            actor=actor,
            action="student.unlock_eligibility",
            obj=student,
            changes={"eligibility_locked": [True, False]},
            reason=reason,
            school_id=student.school_id,
            district_id=student.school.district_id if student.school_id else None,
        )


@transaction.atomic
def approve_proposal(
    *, actor: User, proposal: Proposal, version: int | None, note: str = ""
) -> Proposal:
    """Approve the list: every pupil not rejected individually, within the district's quota."""
    locked = _lock_proposal(actor, proposal, version)
    transition = check_transition("approve", locked, actor)
    pending = list(locked.items.filter(status=ProposalItem.Status.PROPOSED))
    _approve(actor, locked, pending)
    if not locked.items.filter(status=ProposalItem.Status.APPROVED).exists():
        raise RoundsError(
            _("Không có học sinh nào được duyệt; hãy dùng “Từ chối” nếu không duyệt danh sách.")
        )
    old = locked.status
    locked.status = transition.target
    locked.decided_at = timezone.now()
    locked.decided_by = actor
    locked.note = note
    _bump(locked, "status", "decided_at", "decided_by", "note")
    approved = locked.items.filter(status=ProposalItem.Status.APPROVED).count()
    _audit(actor, locked, transition.verb, old, note, approved=approved)
    message = _(
        "Phòng GD&ĐT đã duyệt %(n)s học sinh trong danh sách của %(school)s – %(round)s."
    ) % {
        "n": approved,
        "school": locked.school,
        "round": locked.round.name,
    }
    _notify(locked, _school_staff(locked.school_id), transition.verb, message)
    if locked.round.requires_province_confirmation:
        _notify(
            locked,
            _province_officers(locked.school.district.province_id),
            "proposal.awaiting_confirmation",
            message + " " + _("Chờ Sở GD&ĐT xác nhận."),
        )
    return locked


@transaction.atomic
def reject_proposal(
    *, actor: User, proposal: Proposal, reason: str, version: int | None
) -> Proposal:
    """Reject the whole list; a reason is required and is sent to the school."""
    locked = _lock_proposal(actor, proposal, version)
    transition = check_transition("reject", locked, actor, reason)
    items = list(locked.items.all())
    now = timezone.now()
    locked.items.update(
        status=ProposalItem.Status.REJECTED, decided_at=now, decided_by=actor, reason=reason
    )
    _release_locks(actor, [i.student_id for i in items], reason)
    old = locked.status
    locked.status = transition.target
    locked.decided_at = now
    locked.decided_by = actor
    locked.note = reason
    _bump(locked, "status", "decided_at", "decided_by", "note")
    _audit(actor, locked, transition.verb, old, reason)
    _notify(
        locked,
        _school_staff(locked.school_id),
        transition.verb,
        _("Phòng GD&ĐT đã từ chối danh sách đề xuất của %(school)s. Lý do: %(reason)s")
        % {"school": locked.school, "reason": reason},
    )
    return locked


@transaction.atomic
def return_proposal(*, actor: User, proposal: Proposal, note: str, version: int | None) -> Proposal:
    """Send the list back to the school for correction; decisions made so far are reset."""
    locked = _lock_proposal(actor, proposal, version)
    transition = check_transition("return", locked, actor, note)
    student_ids = list(locked.items.values_list("student_id", flat=True))
    locked.items.update(
        status=ProposalItem.Status.PROPOSED, decided_at=None, decided_by=None, reason=""
    )
    _release_locks(actor, student_ids, note)
    old = locked.status
    locked.status = transition.target
    locked.note = note
    _bump(locked, "status", "note")
    _audit(actor, locked, transition.verb, old, note)
    _notify(
        locked,
        _school_staff(locked.school_id),
        transition.verb,
        _("Phòng GD&ĐT trả lại danh sách đề xuất của %(school)s để chỉnh sửa: %(note)s")
        % {"school": locked.school, "note": note},
    )
    return locked


@transaction.atomic
def confirm_proposal(*, actor: User, proposal: Proposal, version: int | None) -> Proposal:
    """The province confirms a district-approved list (rounds that require it)."""
    locked = _lock_proposal(actor, proposal, version)
    transition = check_transition("confirm", locked, actor)
    old = locked.status
    locked.status = transition.target
    locked.confirmed_at = timezone.now()
    locked.confirmed_by = actor
    _bump(locked, "status", "confirmed_at", "confirmed_by")
    _audit(actor, locked, transition.verb, old)
    message = _("Sở GD&ĐT đã xác nhận danh sách đề xuất của %(school)s – %(round)s.") % {
        "school": locked.school,
        "round": locked.round.name,
    }
    _notify(
        locked,
        _school_staff(locked.school_id) + _district_officers(locked.school.district_id),
        transition.verb,
        message,
    )
    return locked


def _decidable(actor: User, proposal: Proposal | int, version: int | None) -> Proposal:
    locked = _lock_proposal(actor, proposal, version)
    if not actor.can("can_approve") or not acts_at_level(actor, locked, "district"):
        raise Http404
    _require_open(locked.round)
    if locked.status not in DECIDABLE_STATES:
        raise RoundsError(_("Chỉ quyết định từng học sinh khi danh sách đang chờ Phòng duyệt."))
    return locked


@transaction.atomic
def approve_items(
    *, actor: User, proposal: Proposal, item_ids: Iterable[int], version: int | None
) -> int:
    """Approve single pupils of a submitted list, within the district's quota."""
    locked = _decidable(actor, proposal, version)
    items = list(
        locked.items.filter(pk__in=list(item_ids)).exclude(status=ProposalItem.Status.APPROVED)
    )
    if not items:
        return 0
    _approve(actor, locked, items)
    _bump(locked)
    record_audit(
        actor=actor,
        action="proposal.approve_items",
        obj=locked,
        changes={"items": [None, [str(i) for i in items]]},
        school_id=locked.school_id,
        district_id=locked.school.district_id,
    )
    return len(items)


@transaction.atomic
def reject_items(
    *, actor: User, proposal: Proposal, item_ids: Iterable[int], reason: str, version: int | None
) -> int:
    """Reject single pupils of a submitted list; a reason is required."""
    if not reason.strip():
        raise RoundsError(_("Vui lòng nhập lý do không duyệt."))
    locked = _decidable(actor, proposal, version)
    items = list(
        locked.items.filter(pk__in=list(item_ids)).exclude(status=ProposalItem.Status.REJECTED)
    )
    if not items:
        return 0
    ProposalItem.objects.filter(pk__in=[i.pk for i in items]).update(
        status=ProposalItem.Status.REJECTED,
        decided_at=timezone.now(),
        decided_by=actor,
        reason=reason,
    )
    _release_locks(actor, [i.student_id for i in items], reason)
    _bump(locked)
    record_audit(
        actor=actor,
        action="proposal.reject_items",
        obj=locked,
        changes={"items": [None, [str(i) for i in items]]},
        reason=reason,
        school_id=locked.school_id,
        district_id=locked.school.district_id,
    )
    return len(items)


@transaction.atomic
def unlock_eligibility(*, actor: User, student: Student, reason: str) -> Student:
    """Let the registry edit an approved pupil's eligibility data again (approvers only)."""
    _require(actor, "can_approve")
    scope = actor.scope
    locked = (
        Student.objects.select_for_update(of=("self",))
        .select_related("school")
        .filter(pk=student.pk)
        .first()
    )
    if locked is None:
        raise Http404
    district_id = locked.school.district_id
    allowed = (scope.is_district and scope.district_id == district_id) or (
        scope.is_provincial
        and School.objects.filter(
            pk=locked.school_id, district__province_id=scope.province_id
        ).exists()
    )
    if not allowed:
        raise Http404
    if not reason.strip():
        raise RoundsError(_("Vui lòng nhập lý do mở khóa."))
    if not locked.eligibility_locked:
        raise RoundsError(_("Thông tin xét duyệt của học sinh này không bị khóa."))
    locked.eligibility_locked = False
    locked.save(update_fields=["eligibility_locked", "updated_at"])
    record_audit(
        actor=actor,
        action="student.unlock_eligibility",
        obj=locked,
        changes={"eligibility_locked": [True, False]},
        reason=reason,
        school_id=locked.school_id,
        district_id=district_id,
    )
    return locked
