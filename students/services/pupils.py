"""Writes for pupils typed in the browser: create, update, delete, and the household a
pupil joins.  (Household lists imported: ``students.services``, the package.)"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.services import diff, record_access, record_audit, snapshot
from schools.models import Commune, School
from schools.services import get_or_create_village
from students import dependents, integrity
from students.importers.columns import COMPARED_STUDENT_FIELDS, HOUSEHOLD_FIELDS
from students.models import Household, HouseholdCategory, Student, mark_portal_edits, name_keys
from students.validation import village_key

STUDENT_AUDIT_FIELDS = (
    "pupil_code",
    "full_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "school",
    "class_name",
    "grade",
    "personal_id",
    "household",
    "commune",
    "village",
    "has_device",
    "need_device",
    "need_data",
    "notes",
    "status",
)
HOUSEHOLD_AUDIT_FIELDS = (
    "category",
    "code",
    "commune",
    "village",
    "guardian_name",
    "guardian_relation",
    "guardian_phone",
    "guardian_id_number",
)


# --------------------------------------------------------------------- one pupil


@dataclass
class StudentData:
    """Cleaned values of the pupil form (already normalised by ``students.validation``)."""

    full_name: str
    date_of_birth: Any
    gender: str
    ethnicity: Any
    school: School
    class_name: str
    grade: int
    pupil_code: str
    personal_id: str
    category: HouseholdCategory
    household_code: str
    commune: Commune
    village_name: str
    guardian_name: str
    guardian_relation: str
    guardian_phone: str
    guardian_id_number: str
    has_device: bool
    need_device: str
    need_data: bool
    notes: str
    status: str = Student.Status.STUDYING
    # The user's answers to the warnings of ``students.integrity``.
    confirm_duplicate: bool = False
    confirm_shared_household: bool = False
    # The pupil's ``version`` when the edit form was opened (optimistic locking).
    version: int | None = None


def _check_school_scope(actor: User, school: School) -> None:
    if not School.objects.visible_to(actor).filter(pk=school.pk).exists():
        raise Http404


# size: find, link or create the household, then change it and audit, in that order
def _household_for(
    *, actor: User, data: StudentData, current: Household | None, student_pk: int | None
) -> tuple[Household, list[str]]:
    """The household the pupil belongs to after the edit (changes to it are audited).

    A certificate number already on file in the commune joins its household (siblings);
    otherwise the pupil's own household is updated, or a new one created.  Joining a
    household whose pupils study at another school needs ``confirm_shared_household``;
    the other schools' names come back for the "household.link" audit event.
    """
    village = None
    if data.village_name:
        village, _created = get_or_create_village(commune=data.commune, name=data.village_name)
    household = None
    if data.household_code:
        household = Household.objects.filter(commune=data.commune, code=data.household_code).first()
    other_schools: list[str] = []
    if household is not None and (current is None or household.pk != current.pk):
        other_schools = integrity.check_household_link(
            household=household,
            school_id=data.school.pk,
            exclude_pk=student_pk,
            confirmed=data.confirm_shared_household,
        )
    if household is None and current is not None:
        shared = current.members.count() > 1
        if not shared or current.code == data.household_code:
            household = current
    if household is None:
        household = Household(commune=data.commune)
    before = snapshot(household, HOUSEHOLD_AUDIT_FIELDS) if household.pk else None
    stored = _values(household, HOUSEHOLD_FIELDS) if household.pk else None
    old_category, old_code = household.category_id, household.code
    household.category = data.category
    household.code = data.household_code
    household.commune = data.commune
    household.village = village
    household.guardian_name = data.guardian_name
    household.guardian_relation = data.guardian_relation
    household.guardian_phone = data.guardian_phone
    household.guardian_id_number = data.guardian_id_number
    if stored is not None:
        household.portal_edits = _marked(household, stored, HOUSEHOLD_FIELDS, actor=actor)
    changes = diff(before, snapshot(household, HOUSEHOLD_AUDIT_FIELDS)) if before else {}
    if changes:
        integrity.check_household_change(
            actor=actor,
            household=household,
            school_id=data.school.pk,
            exclude_pk=student_pk,
            category_changes=(old_category, old_code) != (data.category.pk, data.household_code),
        )
    moved = stored is not None and (
        stored["commune_id"] != household.commune_id or stored["village_id"] != household.village_id
    )
    household.save()
    if moved:
        # A pupil lives where its household does: its other pupils move with it.
        others = household.members.all()
        if student_pk is not None:
            others = others.exclude(pk=student_pk)
        others.update(commune=household.commune, village=household.village)
    if changes:
        record_audit(
            actor=actor,
            action="household.update",
            obj=household,
            changes=changes,
            district_id=data.commune.district_id,
        )
    return household, other_schools


def _audit_household_link(
    actor: User, household: Household, student: Student, other_schools: list[str]
) -> None:
    """A school linked its pupil to a household shared with other schools: name it."""
    if not other_schools:
        return
    record_audit(
        actor=actor,
        action="household.link",
        obj=household,
        changes={
            "household": [None, f"{household.code} (#{household.pk})"],
            "pupil": [None, f"{student.full_name} ({student.pupil_code})"],
            "school": [None, student.school.name],
            "other_schools": [None, other_schools],
        },
        school_id=student.school_id,
        district_id=household.commune.district_id,
    )


def _values(obj: Student | Household, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: getattr(obj, name) for name in fields}


def _marked(
    obj: Student | Household, before: Mapping[str, Any], fields: tuple[str, ...], *, actor: User
) -> dict[str, Any] | None:
    """``obj.portal_edits`` with the fields this edit changed marked as set in the portal,
    so that a later import of a list does not overwrite them without asking."""
    changed = [name for name in fields if getattr(obj, name) != before[name]]
    return mark_portal_edits(
        obj.portal_edits, changed, user_id=actor.pk, at=timezone.now().isoformat()
    )


def _apply(student: Student, data: StudentData, household: Household) -> None:
    student.full_name = data.full_name
    student.name_key, student.sort_key = name_keys(data.full_name)
    student.date_of_birth = data.date_of_birth
    student.gender = data.gender
    student.ethnicity = data.ethnicity
    student.school = data.school
    student.class_name = data.class_name
    student.grade = data.grade
    student.pupil_code = data.pupil_code
    student.personal_id = data.personal_id
    student.household = household
    student.commune = data.commune
    student.village = household.village
    student.has_device = data.has_device
    student.need_device = data.need_device
    student.need_data = data.need_data
    student.notes = data.notes
    student.status = data.status


def _check_unique_code(data: StudentData, exclude_pk: int | None) -> None:
    same_code = Student.objects.filter(pupil_code=data.pupil_code)
    if exclude_pk is not None:
        same_code = same_code.exclude(pk=exclude_pk)
    if same_code.exists():
        raise ValidationError(
            {"pupil_code": _("Mã định danh %(c)s đã có trong danh sách.") % {"c": data.pupil_code}}
        )


def create_student(*, actor: User, data: StudentData) -> Student:
    """Register one pupil (and their household) typed in the browser.

    Two people saving the same new pupil at once: the database's unique constraints
    decide, and the one who lost gets the same message as if they had come later.
    """
    try:
        return _create_student(actor=actor, data=data)
    except IntegrityError:
        _check_unique_code(data, None)
        integrity.check_personal_id(actor=actor, personal_id=data.personal_id, exclude_pk=None)
        raise ValidationError(
            _(
                "Một người khác vừa lưu cùng học sinh hoặc cùng hộ này. Hãy tải lại danh sách "
                "và kiểm tra trước khi lưu lại."
            )
        ) from None


@transaction.atomic
def _create_student(*, actor: User, data: StudentData) -> Student:
    _check_school_scope(actor, data.school)
    _check_unique_code(data, None)
    integrity.check_personal_id(actor=actor, personal_id=data.personal_id, exclude_pk=None)
    integrity.check_possible_duplicates(
        actor=actor, data=data, exclude_pk=None, confirmed=data.confirm_duplicate
    )
    household, other_schools = _household_for(actor=actor, data=data, current=None, student_pk=None)
    student = Student(created_by=actor)
    _apply(student, data, household)
    student.full_clean(exclude=["household", "import_batch", "created_by"])
    student.save()
    record_audit(
        actor=actor,
        action="student.create",
        obj=student,
        changes={k: [None, v] for k, v in snapshot(student, STUDENT_AUDIT_FIELDS).items()},
        school_id=student.school_id,
        district_id=data.school.district_id,
    )
    _audit_household_link(actor, household, student, other_schools)
    return student


def eligibility_changes(student: Student, data: StudentData) -> list[str]:
    """Eligibility fields (``Student.ELIGIBILITY_FIELDS``) the edit would change."""
    household = student.household
    changed = []
    if (
        household.category_id != data.category.pk
        or household.code != data.household_code
        or household.commune_id != data.commune.pk
    ):
        changed.append("household")
    if student.need_device != data.need_device:
        changed.append("need_device")
    if student.need_data != data.need_data:
        changed.append("need_data")
    if student.has_device != data.has_device:
        changed.append("has_device")
    return changed


def identity_changes(student: Student, data: StudentData) -> list[str]:
    """Identity fields (``Student.IDENTITY_FIELDS``) the edit would change."""
    new = {
        "full_name": data.full_name,
        "date_of_birth": data.date_of_birth,
        "personal_id": data.personal_id,
        "pupil_code": data.pupil_code,
    }
    return [name for name in Student.IDENTITY_FIELDS if getattr(student, name) != new[name]]


def _place_changes(student: Student, data: StudentData) -> bool:
    old_village = student.village.key if student.village is not None else ""
    return student.commune_id != data.commune.pk or old_village != village_key(data.village_name)


def _check_version(student: Student, version: int | None) -> None:
    """Refuse an edit made on a form opened before someone else's saved change."""
    if version is None or version == student.version:
        return
    from accounts.models import AuditEvent

    last = (
        AuditEvent.objects.filter(
            content_type__app_label="students",
            content_type__model="student",
            object_id=str(student.pk),
        )
        .select_related("actor")
        .first()
    )
    who = str(last.actor) if last is not None and last.actor is not None else _("người khác")
    when = timezone.localtime(last.at).strftime("%H:%M %d/%m/%Y") if last is not None else ""
    raise ValidationError(
        _(
            "Thông tin học sinh vừa được %(who)s lưu lúc %(when)s, sau khi bạn mở trang này. "
            "Thay đổi của bạn chưa được lưu: hãy mở lại trang sửa, xem thông tin mới rồi sửa lại."
        )
        % {"who": who, "when": when},
        code="stale",
    )


@transaction.atomic
def update_student(*, actor: User, student: Student, data: StudentData) -> Student:
    """Edit a pupil; refused for eligibility and identity fields once the pupil is an
    approved beneficiary, and refused when the form is older than the last save."""
    student = Student.objects.select_for_update().select_related("household").get(pk=student.pk)
    _check_school_scope(actor, student.school)
    _check_school_scope(actor, data.school)
    _check_version(student, data.version)
    if student.eligibility_locked and eligibility_changes(student, data):
        raise ValidationError(
            _(
                "Học sinh đã được duyệt hỗ trợ nên không được sửa diện hộ, nhu cầu hay thiết bị "
                "đã có. Đề nghị Phòng GD&ĐT mở khóa trước khi sửa."
            )
        )
    if student.eligibility_locked and identity_changes(student, data):
        raise ValidationError(
            _(
                "Học sinh đã được duyệt hỗ trợ nên không được sửa họ tên, ngày sinh, số định "
                "danh cá nhân hay mã định danh. Đề nghị Phòng GD&ĐT mở khóa (kèm lý do) trước "
                "khi sửa."
            )
        )
    _check_unique_code(data, student.pk)
    if student.pupil_code != data.pupil_code:
        raise ValidationError({"pupil_code": _("Mã định danh học sinh không được thay đổi.")})
    integrity.check_personal_id(actor=actor, personal_id=data.personal_id, exclude_pk=student.pk)
    if identity_changes(student, data) or _place_changes(student, data):
        integrity.check_possible_duplicates(
            actor=actor, data=data, exclude_pk=student.pk, confirmed=data.confirm_duplicate
        )
    before = snapshot(student, STUDENT_AUDIT_FIELDS)
    stored = _values(student, COMPARED_STUDENT_FIELDS)
    old_household = student.household
    household, other_schools = _household_for(
        actor=actor, data=data, current=old_household, student_pk=student.pk
    )
    _apply(student, data, household)
    student.portal_edits = _marked(student, stored, COMPARED_STUDENT_FIELDS, actor=actor)
    student.full_clean(exclude=["household", "import_batch", "created_by"])
    changes = diff(before, snapshot(student, STUDENT_AUDIT_FIELDS))
    student.version += 1  # the form also carries the household: any save makes it stale
    student.save()
    if changes:
        record_audit(
            actor=actor,
            action="student.update",
            obj=student,
            changes=changes,
            school_id=student.school_id,
            district_id=data.school.district_id,
        )
    _audit_household_link(actor, household, student, other_schools)
    if old_household.pk != household.pk and not old_household.members.exists():
        old_household.delete()
    return student


def can_delete(student: Student) -> bool:
    return not dependents.blocks_deletion(student)


@transaction.atomic
def delete_student(*, actor: User, student: Student, reason: str = "") -> None:
    """Remove a pupil entered by mistake; refused once they are in a submitted proposal."""
    student = Student.objects.select_for_update().select_related("household").get(pk=student.pk)
    _check_school_scope(actor, student.school)
    if not can_delete(student):
        raise ValidationError(
            _("Không xóa được: học sinh đã có trong danh sách đề xuất đã gửi Phòng GD&ĐT.")
        )
    dependents.before_delete(actor=actor, student=student)
    record_audit(
        actor=actor,
        action="student.delete",
        obj=student,
        changes={k: [v, None] for k, v in snapshot(student, STUDENT_AUDIT_FIELDS).items()},
        reason=reason,
        school_id=student.school_id,
    )
    household = student.household
    student.delete()
    if not household.members.exists():
        household.delete()


# --------------------------------------------------------------- household lists


def record_pupil_access(*, user: User, student: Student, action: str, what: str) -> None:
    """One access record for one pupil, filed under the pupil's school and district."""
    record_access(
        user=user,
        action=action,
        what=what,
        obj=student,
        school_id=student.school_id,
        district_id=student.school.district_id,
    )
