"""The school's list: start it, add, remove and reorder pupils, the suggested order."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import record_audit
from rounds import chain
from rounds.models import Proposal, ProposalItem, SupportRound
from rounds.services.common import (
    EXAM_GRADES,
    lock_proposal,
    own_round,
    record_list_change,
    require_capability,
    require_open,
)
from rounds.workflow import EDITABLE_STATES, RoundsError, acts_at_level
from schools.choices import SupportKind
from students.models import Student

# --- proposals: the school's list -----------------------------------------------------


def _require_school_editor(actor: User, proposal: Proposal) -> None:
    if not actor.can("can_propose") or not acts_at_level(actor, proposal, "school"):
        raise Http404
    require_open(proposal.round)
    if proposal.status not in EDITABLE_STATES:
        body = chain.body_name(chain.proposal_decider(proposal))
        raise RoundsError(
            _("Danh sách đã gửi; chỉ sửa được khi %(body)s trả lại để chỉnh sửa.") % {"body": body}
        )


@transaction.atomic
def start_proposal(*, actor: User, round: SupportRound) -> Proposal:
    """The acting school's list for the round, created as a draft the first time."""
    require_capability(actor, "can_propose")
    if not actor.scope.is_school:
        raise Http404
    round_ = own_round(actor, round)
    require_open(round_)
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


# size: each pupil's eligibility and the quota are checked under the proposal lock before the items
#   are written
@transaction.atomic
def add_proposal_items(
    *,
    actor: User,
    proposal: Proposal,
    entries: Sequence[tuple[int, str]],
    version: int | None,
) -> list[ProposalItem]:
    """Add pupils (student id, kind) of the school's registry to its list."""
    locked = lock_proposal(actor, proposal, version)
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
        record_list_change(
            actor,
            locked,
            audit_action="proposal.add_items",
            changes={"pupils": [None, [f"{i.student} – {i.get_kind_display()}" for i in created]]},
        )
    return created


@transaction.atomic
def remove_proposal_items(
    *, actor: User, proposal: Proposal, item_ids: Iterable[int], version: int | None
) -> int:
    locked = lock_proposal(actor, proposal, version)
    _require_school_editor(actor, locked)
    items = list(locked.items.filter(pk__in=list(item_ids)).select_related("student"))
    if not items:
        return 0
    labels = [f"{i.student} – {i.get_kind_display()}" for i in items]
    ProposalItem.objects.filter(pk__in=[i.pk for i in items]).delete()
    record_list_change(
        actor, locked, audit_action="proposal.remove_items", changes={"pupils": [labels, None]}
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
    locked = lock_proposal(actor, proposal, version)
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
    return _renumber(actor, locked, ordered, kinds, audit_action="proposal.reorder")


def _renumber(
    actor: User,
    locked: Proposal,
    ordered: Sequence[ProposalItem],
    kinds: Mapping[int, str],
    *,
    audit_action: str,
) -> int:
    """Number the items 1..n in ``ordered`` order (with new kinds); audit if any changed."""
    changed = 0
    for position, item in enumerate(ordered, start=1):
        new_kind = kinds.get(item.pk, item.kind)
        if item.priority != position or item.kind != new_kind:
            item.priority = position
            item.kind = new_kind
            item.save(update_fields=["priority", "kind"])
            changed += 1
    if changed:
        record_list_change(
            actor,
            locked,
            audit_action=audit_action,
            changes={"pupils": [None, [f"{i.priority}. {i.student}" for i in ordered]]},
        )
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
    locked = lock_proposal(actor, proposal, version)
    _require_school_editor(actor, locked)
    items = locked.items.select_related("student__household__category")
    ordered = suggest_order(items)
    return _renumber(actor, locked, ordered, {}, audit_action="proposal.suggested_order")
