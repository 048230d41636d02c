"""Writes of the duplicate review: dismiss a pair ("Không trùng") or merge it ("Gộp").

Both take the pair as the reviewer saw it (``token``: the two records' versions)
and refuse a pair that changed, was reviewed, or left the reviewer's scope since.
A merge keeps one record, moves the other's proposals, allocations, data packages
and audit trail to it, and marks the other as merged into it (never deleted).
"""

from __future__ import annotations

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils.translation import gettext as _

from accounts.models import AuditEvent, User
from accounts.services import record_audit
from students import dependents, duplicate_pairs
from students.models import DuplicateReview, Student


def _locked_pair(
    *, actor: User, first_id: int, second_id: int, token: str
) -> tuple[Student, Student]:
    """Both records, locked, if the pair is still listed for ``actor`` as it was shown."""
    if first_id > second_id:
        first_id, second_id = second_id, first_id
    pupils = {
        s.pk: s
        for s in Student.objects.select_for_update(of=("self",))
        .select_related("school")
        .filter(pk__in=[first_id, second_id])
        .order_by("pk")
    }
    if len(pupils) != 2:
        raise ValidationError(_("Cặp học sinh này không còn trong danh sách có thể trùng."))
    first, second = pupils[first_id], pupils[second_id]
    if duplicate_pairs.pair_token(first, second) != token:
        raise ValidationError(
            _(
                "Thông tin của %(first)s hoặc %(second)s vừa được thay đổi sau khi bạn mở "
                "trang. Hãy xem lại cặp này rồi quyết định lại."
            )
            % {"first": first.full_name, "second": second.full_name},
            code="stale",
        )
    if duplicate_pairs.find_pair(user=actor, first_id=first_id, second_id=second_id) is None:
        raise ValidationError(
            _(
                "Cặp %(first)s – %(second)s không còn trong danh sách có thể trùng: có thể "
                "đã được người khác xét hoặc gộp."
            )
            % {"first": first.full_name, "second": second.full_name},
            code="stale",
        )
    return first, second


def _clean_reason(reason: str) -> str:
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationError({"reason": _("Hãy ghi lý do.")})
    return reason


@transaction.atomic
def dismiss_pair(
    *, actor: User, first_id: int, second_id: int, token: str, reason: str
) -> DuplicateReview:
    """Record that two pupils are different children: the pair is no longer listed."""
    reason = _clean_reason(reason)
    first, second = _locked_pair(actor=actor, first_id=first_id, second_id=second_id, token=token)
    review = DuplicateReview.objects.create(
        first=first,
        second=second,
        decision=DuplicateReview.Decision.DISMISSED,
        reason=reason,
        decided_by=actor,
    )
    for pupil, other in ((first, second), (second, first)):
        record_audit(
            actor=actor,
            action="student.duplicate_dismiss",
            obj=pupil,
            changes={"not_duplicate_of": [None, other.pupil_code]},
            reason=reason,
            school_id=pupil.school_id,
            district_id=pupil.school.district_id,
        )
    return review


def _round_conflicts(kept: Student, away: Student) -> list[str]:
    """Why the two records cannot be merged, one message per round or device."""
    return list(dict.fromkeys(dependents.merge_conflicts(kept, away)))


# size: the merge moves items, allocations, packages and audit events under one lock of both
#   records, refusing in the same order the page explains
@transaction.atomic
def merge_pair(
    *, actor: User, first_id: int, second_id: int, kept_id: int, token: str, reason: str
) -> Student:
    """Merge a pair into the record ``kept_id``; returns the kept pupil.

    The other record's proposal items, allocations, data packages and audit events
    move to the kept one; it is marked merged (status and ``merged_into``). Refused
    when both records are in the same round or hold the same kind of device, and,
    for a district, when one of the two is outside its district.
    """
    reason = _clean_reason(reason)
    first, second = _locked_pair(actor=actor, first_id=first_id, second_id=second_id, token=token)
    if kept_id not in (first.pk, second.pk):
        raise ValidationError({"kept": _("Hãy chọn hồ sơ được giữ lại.")})
    visible = set(
        Student.objects.visible_to(actor)
        .filter(pk__in=[first.pk, second.pk])
        .values_list("pk", flat=True)
    )
    if len(visible) != 2:
        raise ValidationError(
            _(
                "Một trong hai học sinh thuộc huyện khác: chỉ Sở GD&ĐT gộp được cặp này. "
                "Bạn vẫn có thể đánh dấu “Không trùng”."
            )
        )
    kept, away = (first, second) if kept_id == first.pk else (second, first)
    problems = _round_conflicts(kept, away)
    if problems:
        raise ValidationError(problems, code="merge_conflict")

    student_type = ContentType.objects.get_for_model(Student)
    try:
        # A proposal or device added to either record while this ran would break a
        # one-per-pupil constraint: refuse then rather than fail.
        with transaction.atomic():
            moved = {
                **dependents.move(away=away, kept=kept),
                "audit_events": AuditEvent.objects.filter(
                    content_type=student_type, object_id=str(away.pk)
                ).update(object_id=str(kept.pk)),
            }
    except IntegrityError as exc:
        raise ValidationError(
            _(
                "Hai hồ sơ vừa có thêm đề xuất hoặc thiết bị trùng nhau trong lúc gộp. Hãy "
                "tải lại trang và xem lại cặp này."
            ),
            code="stale",
        ) from exc
    kept_changes: dict[str, list[object]] = {"merged_from": [None, away.pupil_code]}
    if away.eligibility_locked and not kept.eligibility_locked:
        kept_changes["eligibility_locked"] = [False, True]
    if away.has_device and not kept.has_device:
        kept_changes["has_device"] = [False, True]
    Student.objects.filter(pk=kept.pk).update(
        eligibility_locked=kept.eligibility_locked or away.eligibility_locked,
        has_device=kept.has_device or away.has_device,
        version=F("version") + 1,
    )
    Student.objects.filter(pk=away.pk).update(
        merged_into=kept,
        status=Student.Status.MERGED,
        eligibility_locked=False,
        version=F("version") + 1,
    )
    DuplicateReview.objects.create(
        first=first,
        second=second,
        decision=DuplicateReview.Decision.MERGED,
        kept=kept,
        reason=reason,
        decided_by=actor,
    )
    record_audit(
        actor=actor,
        action="student.merge",
        obj=kept,
        changes={**kept_changes, **{f"moved_{k}": [0, v] for k, v in moved.items() if v}},
        reason=reason,
        school_id=kept.school_id,
        district_id=kept.school.district_id,
    )
    # Written after the move, so the merged-away record keeps this event.
    record_audit(
        actor=actor,
        action="student.merged_away",
        obj=away,
        changes={
            "status": [away.status, Student.Status.MERGED],
            "merged_into": [None, kept.pupil_code],
        },
        reason=reason,
        school_id=away.school_id,
        district_id=away.school.district_id,
    )
    kept.refresh_from_db()
    return kept
