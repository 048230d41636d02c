"""What a pupil's proposals mean for the pupil rules in ``students`` (``students.dependents``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from accounts.services import record_audit
from rounds.models import Proposal, ProposalItem
from students.dependents import PupilDependents
from students.models import Student

# Proposals the district is deciding or has decided: a shared household's pupils in
# them fix the household for every school but the district.
DECIDED_PROPOSAL_STATUSES = (
    Proposal.Status.SUBMITTED,
    Proposal.Status.APPROVED,
    Proposal.Status.CONFIRMED,
)
# A pupil in a proposal past these may not be deleted (it went to the district).
OPEN_PROPOSAL_STATUSES = (Proposal.Status.DRAFT, Proposal.Status.RETURNED)


class ProposalDependents(PupilDependents):
    key = "proposals"

    def summaries(self, pupil_ids: Collection[int]) -> dict[int, list[str]]:
        lines: dict[int, list[str]] = defaultdict(list)
        items = ProposalItem.objects.filter(student_id__in=pupil_ids).select_related(
            "round", "proposal"
        )
        for item in items:
            lines[item.student_id].append(
                f"{item.round.name}: {item.get_kind_display()} – {item.get_status_display()} "
                f"({item.proposal.get_status_display()})"
            )
        return lines

    def merge_conflicts(self, kept: Student, away: Student) -> list[str]:
        """Both records in one round, both active or for the same kind of support."""
        problems: list[str] = []
        active = ProposalItem.objects.exclude(status=ProposalItem.Status.REJECTED).exclude(
            proposal__status="rejected"
        )
        kept_items = list(
            ProposalItem.objects.filter(student=kept).select_related("round", "proposal__school")
        )
        away_items = list(
            ProposalItem.objects.filter(student=away).select_related("round", "proposal__school")
        )
        active_ids = set(active.filter(student__in=[kept, away]).values_list("pk", flat=True))
        for mine in kept_items:
            for theirs in away_items:
                if mine.round_id != theirs.round_id:
                    continue
                both_active = mine.pk in active_ids and theirs.pk in active_ids
                if both_active or mine.kind == theirs.kind:
                    problems.append(
                        _(
                            "Cả hai hồ sơ đều có đề xuất trong đợt “%(round)s” (%(first)s: %(a)s; "
                            "%(second)s: %(b)s). Hãy rút một đề xuất trước khi gộp."
                        )
                        % {
                            "round": mine.round.name,
                            "first": mine.proposal.school.name,
                            "a": mine.get_kind_display(),
                            "second": theirs.proposal.school.name,
                            "b": theirs.get_kind_display(),
                        }
                    )
        return problems

    def move(self, *, away: Student, kept: Student) -> dict[str, int]:
        return {"proposal_items": ProposalItem.objects.filter(student=away).update(student=kept)}

    def decided(self, pupils: QuerySet[Student]) -> QuerySet[Student]:
        return pupils.filter(
            pk__in=ProposalItem.objects.filter(
                student__in=pupils, proposal__status__in=DECIDED_PROPOSAL_STATUSES
            ).values("student_id")
        )

    def blocks_deletion(self, student: Student) -> bool:
        return (
            ProposalItem.objects.filter(student=student)
            .exclude(proposal__status__in=OPEN_PROPOSAL_STATUSES)
            .exists()
        )

    def before_delete(self, *, actor: Any, student: Student) -> None:
        """The pupil's items in draft or returned proposals go with them, each audited."""
        drafts = ProposalItem.objects.filter(student=student)
        for item in drafts:
            record_audit(
                actor=actor,
                action="proposal_item.delete",
                obj=item,
                reason=_("Xóa học sinh khỏi danh sách"),
                school_id=student.school_id,
            )
        drafts.delete()
