"""Moving a list through its states, deciding single pupils, the eligibility lock."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import transaction
from django.db.models import Count
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import require
from accounts.models import User
from accounts.services import record_audit
from kernel import clock
from rounds import chain, rules
from rounds.models import Proposal, ProposalItem, Quota
from rounds.services import notices
from rounds.services.common import (
    QuotaExceeded,
    audit_transition,
    bump_version,
    lock_proposal,
    notify_next,
    province_officers,
    record_list_change,
    require_capability,
    require_open,
    school_staff_of,
)
from rounds.services.deadlines import require_before_deadline
from rounds.workflow import (
    DECIDABLE_STATES,
    RoundsError,
    Transition,
    check_transition,
)
from schools.choices import SupportKind
from students.models import Student

# --- proposals: transitions -----------------------------------------------------------


@transaction.atomic
def submit_proposal(*, actor: User, proposal: Proposal, version: int | None) -> Proposal:
    """Send the school's list to its deciding body (the district office, the commune
    committee or the Sở, by the round's chain); refused beyond the school's quota per kind."""
    locked = lock_proposal(actor, proposal, version)
    transition = check_transition("submit", locked, actor)
    if locked.status == Proposal.Status.DRAFT:
        # A list returned for correction may come back after the deadline: it was asked for.
        require_before_deadline(locked.round, locked.school)
    counts = Counter(locked.items.values_list("kind", flat=True))
    if not counts:
        raise RoundsError(_("Danh sách chưa có học sinh nào."))
    quotas = {
        q.kind: q.amount
        for q in Quota.objects.select_for_update()
        .filter(round=locked.round, school=locked.school, kind__in=list(counts))
        .order_by("pk")
    }
    for kind, n in sorted(counts.items()):
        limit = quotas.get(kind, 0)
        if n > limit:
            raise QuotaExceeded(
                _(
                    "Danh sách có %(n)s học sinh đề xuất %(kind)s, vượt chỉ tiêu của trường "
                    "(%(limit)s). Bớt học sinh hoặc đề nghị %(body)s điều chỉnh chỉ tiêu."
                )
                % {"n": n, "kind": SupportKind(kind).label, "limit": limit, "body": _body(locked)}
            )
    _move(
        actor,
        locked,
        transition,
        {"submitted_at": clock.now(), "submitted_by": actor, "note": ""},
        kinds=dict(counts),
    )
    notify_next(
        locked,
        chain.users_of(chain.proposal_decider(locked)),
        transition.verb,
        _("%(school)s đã gửi danh sách đề xuất %(n)s học sinh – %(round)s.")
        % {"school": locked.school, "n": sum(counts.values()), "round": locked.round.name},
    )
    return locked


def _move(
    actor: User,
    locked: Proposal,
    transition: Transition,
    fields: dict[str, Any],
    reason: str = "",
    **extra: Any,
) -> None:
    """Put the locked list in the transition's target state with ``fields``; audit the move."""
    old = locked.status
    locked.status = transition.target
    for name, value in fields.items():
        setattr(locked, name, value)
    bump_version(locked, "status", *fields)
    audit_transition(actor, locked, transition.verb, old, reason, **extra)


def _body(proposal: Proposal) -> str:
    """The proposal's deciding body as messages name it."""
    return chain.body_name(chain.proposal_decider(proposal))


def _holder(proposal: Proposal) -> chain.Holder:
    holder = chain.holder_for(proposal.round, proposal.school, chain.proposal_decider(proposal))
    if holder is None:  # the school's commune is split and no placement says which: nobody decides
        raise Http404
    return holder


def _over_quota(holder: chain.Holder) -> str:
    if holder.kind == chain.DISTRICT:
        return _(
            "Không thể duyệt: chỉ tiêu %(kind)s của huyện là %(limit)s, đã duyệt "
            "%(already)s, danh sách này thêm %(n)s. Hãy duyệt từng học sinh trong "
            "phạm vi chỉ tiêu còn lại (%(left)s) hoặc đề nghị Sở điều chỉnh chỉ tiêu."
        )
    if holder.kind == chain.COMMUNE:
        return _(
            "Không thể duyệt: chỉ tiêu %(kind)s của xã là %(limit)s, đã duyệt "
            "%(already)s, danh sách này thêm %(n)s. Hãy duyệt từng học sinh trong "
            "phạm vi chỉ tiêu còn lại (%(left)s) hoặc đề nghị Sở điều chỉnh chỉ tiêu."
        )
    return _(
        "Không thể duyệt: chỉ tiêu %(kind)s của trường là %(limit)s, đã duyệt "
        "%(already)s, danh sách này thêm %(n)s. Hãy duyệt từng học sinh trong "
        "phạm vi chỉ tiêu còn lại (%(left)s) hoặc điều chỉnh chỉ tiêu của trường."
    )


def _approve(actor: User, proposal: Proposal, items: Sequence[ProposalItem]) -> None:
    """Approve ``items`` of a locked proposal within the quota of its deciding office (its
    district's, its commune's, or for a school the Sở decides, its own); lock eligibility."""
    if not items:
        return
    district_id = proposal.school.district_id
    holder = _holder(proposal)
    wanted = Counter(i.kind for i in items)
    quotas = {
        q.kind: q
        for q in Quota.objects.select_for_update()
        .filter(holder.own(), round=proposal.round, kind__in=set(wanted))
        .order_by("pk")
    }
    # Counted after the locks are held: approvals committed meanwhile are visible here.
    approved = dict(
        ProposalItem.objects.filter(
            holder.items(proposal.round),
            round=proposal.round,
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
                _over_quota(holder)
                % {
                    "kind": SupportKind(kind).label,
                    "limit": limit,
                    "already": already,
                    "n": n,
                    "left": max(limit - already, 0),
                }
            )
    now = clock.now()
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


def _reset_decisions(actor: User, locked: Proposal, reason: str) -> None:
    """Every pupil of the list back to "proposed"; eligibility no longer held is unlocked."""
    student_ids = list(locked.items.values_list("student_id", flat=True))
    locked.items.update(
        status=ProposalItem.Status.PROPOSED, decided_at=None, decided_by=None, reason=""
    )
    _release_locks(actor, student_ids, reason)


@transaction.atomic
def approve_proposal(
    *, actor: User, proposal: Proposal, version: int | None, note: str = ""
) -> Proposal:
    """Approve the list: every pupil not rejected individually, within the office's quota."""
    locked = lock_proposal(actor, proposal, version)
    transition = check_transition("approve", locked, actor)
    pending = list(locked.items.filter(status=ProposalItem.Status.PROPOSED))
    _approve(actor, locked, pending)
    if not locked.items.filter(status=ProposalItem.Status.APPROVED).exists():
        raise RoundsError(
            _("Không có học sinh nào được duyệt; hãy dùng “Từ chối” nếu không duyệt danh sách.")
        )
    approved = locked.items.filter(status=ProposalItem.Status.APPROVED).count()
    _move(
        actor,
        locked,
        transition,
        {"decided_at": clock.now(), "decided_by": actor, "note": note},
        note,
        approved=approved,
    )
    message = _("%(body)s đã duyệt %(n)s học sinh trong danh sách của %(school)s – %(round)s.") % {
        "body": _body(locked),
        "n": approved,
        "school": locked.school,
        "round": locked.round.name,
    }
    # The school hears which pupils were not approved and why, not only how many were.
    rejected = notices.rejected_summary(locked, notices.MESSAGE_LIMIT - len(message) - 1)
    notify_next(
        locked,
        school_staff_of(locked.school_id),
        transition.verb,
        f"{message} {rejected}" if rejected else message,
    )
    if locked.round.requires_province_confirmation:
        notify_next(
            locked,
            province_officers(locked.round.province.pk),
            "proposal.awaiting_confirmation",
            message + " " + _("Chờ Sở GD&ĐT xác nhận."),
        )
    return locked


@transaction.atomic
def reject_proposal(
    *, actor: User, proposal: Proposal, reason: str, version: int | None
) -> Proposal:
    """Reject the whole list; a reason is required and is sent to the school."""
    locked = lock_proposal(actor, proposal, version)
    transition = check_transition("reject", locked, actor, reason)
    items = list(locked.items.all())
    now = clock.now()
    locked.items.update(
        status=ProposalItem.Status.REJECTED, decided_at=now, decided_by=actor, reason=reason
    )
    _release_locks(actor, [i.student_id for i in items], reason)
    _move(
        actor, locked, transition, {"decided_at": now, "decided_by": actor, "note": reason}, reason
    )
    notify_next(
        locked,
        school_staff_of(locked.school_id),
        transition.verb,
        _("%(body)s đã từ chối danh sách đề xuất của %(school)s. Lý do: %(reason)s")
        % {"body": _body(locked), "school": locked.school, "reason": reason},
    )
    return locked


@transaction.atomic
def return_proposal(*, actor: User, proposal: Proposal, note: str, version: int | None) -> Proposal:
    """Send the list back to the school for correction; decisions made so far are reset."""
    locked = lock_proposal(actor, proposal, version)
    transition = check_transition("return", locked, actor, note)
    _reset_decisions(actor, locked, note)
    _move(actor, locked, transition, {"note": note}, note)
    notify_next(
        locked,
        school_staff_of(locked.school_id),
        transition.verb,
        _("%(body)s trả lại danh sách đề xuất của %(school)s để chỉnh sửa: %(note)s")
        % {"body": _body(locked), "school": locked.school, "note": note},
    )
    return locked


@transaction.atomic
def confirm_proposal(*, actor: User, proposal: Proposal, version: int | None) -> Proposal:
    """The province confirms a district-approved list (rounds that require it)."""
    locked = lock_proposal(actor, proposal, version)
    transition = check_transition("confirm", locked, actor)
    _move(actor, locked, transition, {"confirmed_at": clock.now(), "confirmed_by": actor})
    message = _("Sở GD&ĐT đã xác nhận danh sách đề xuất của %(school)s – %(round)s.") % {
        "school": locked.school,
        "round": locked.round.name,
    }
    notify_next(
        locked,
        school_staff_of(locked.school_id) + _office_users(locked, actor),
        transition.verb,
        message,
    )
    return locked


@transaction.atomic
def send_back_proposal(
    *, actor: User, proposal: Proposal, reason: str, version: int | None
) -> Proposal:
    """The province sends an approved list back to its deciding office, with a reason.

    Only in rounds that need the province's confirmation, before it confirms: no pupil
    of the list is a beneficiary yet, so no device or package depends on it.  The
    district's decisions are reset (its quota is free again, the pupils' eligibility
    unlocked) and the list waits for the district's decision again.
    """
    locked = lock_proposal(actor, proposal, version)
    transition = check_transition("send_back", locked, actor, reason)
    _reset_decisions(actor, locked, reason)
    _move(
        actor, locked, transition, {"decided_at": None, "decided_by": None, "note": reason}, reason
    )
    message = _(
        "Sở GD&ĐT trả lại danh sách đề xuất của %(school)s – %(round)s để %(body)s "
        "xét duyệt lại: %(reason)s"
    ) % {
        "school": locked.school,
        "round": locked.round.name,
        "reason": reason,
        "body": _body(locked),
    }
    notify_next(
        locked,
        _office_users(locked, actor) + school_staff_of(locked.school_id),
        transition.verb,
        message,
    )
    return locked


def _office_users(proposal: Proposal, actor: User) -> list[User]:
    """The deciding office's approvers, but not the Sở twice (it decides THPT lists itself)."""
    return [u for u in chain.users_of(chain.proposal_decider(proposal)) if u.pk != actor.pk]


def _decidable(actor: User, proposal: Proposal | int, version: int | None) -> Proposal:
    locked = lock_proposal(actor, proposal, version)
    require(rules.may_decide(actor, locked))
    require_open(locked.round)
    if locked.status not in DECIDABLE_STATES:
        body = chain.body_name(chain.proposal_decider(locked))
        raise RoundsError(
            _("Chỉ quyết định từng học sinh khi danh sách đang chờ %(body)s duyệt.")
            % {"body": body}
        )
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
    record_list_change(
        actor,
        locked,
        audit_action="proposal.approve_items",
        changes={"pupils": [None, [str(i) for i in items]]},
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
        locked.items.filter(pk__in=list(item_ids))
        .exclude(status=ProposalItem.Status.REJECTED)
        .select_related("student")
    )
    if not items:
        return 0
    ProposalItem.objects.filter(pk__in=[i.pk for i in items]).update(
        status=ProposalItem.Status.REJECTED,
        decided_at=clock.now(),
        decided_by=actor,
        reason=reason,
    )
    _release_locks(actor, [i.student_id for i in items], reason)
    record_list_change(
        actor,
        locked,
        audit_action="proposal.reject_items",
        changes={"pupils": [None, [str(i) for i in items]]},
        reason=reason,
    )
    notices.pupils_rejected(locked, items, reason)
    return len(items)


@transaction.atomic
def unlock_eligibility(*, actor: User, student: Student, reason: str) -> Student:
    """Let the registry edit an approved pupil's eligibility and identity data again
    (approvers of the pupil's district or province only, with a reason; audited)."""
    require_capability(actor, "can_approve")
    locked = (
        Student.objects.select_for_update(of=("self",))
        .select_related("school__district")
        .filter(pk=student.pk)
        .first()
    )
    if locked is None:
        raise Http404
    require(rules.may_unlock_eligibility(actor, locked))
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
        # The lock covers who the beneficiary is as well as what they get.
        changes={
            "eligibility_locked": [True, False],
            "identity": [list(Student.IDENTITY_FIELDS), []],
        },
        reason=reason,
        school_id=locked.school_id,
        district_id=locked.school.district_id,
    )
    return locked
