"""Checks that keep one child one record, and one school out of another's households.

Used by the pupil services (form) and, in their cheap in-memory form, by the
household-list import (``students.importers.duplicates``).  Every message names
another pupil only when the acting user may see that pupil; otherwise it says
"một học sinh khác" and masks the pupil code.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from students import dependents
from students.models import Household, Student, mask, name_keys
from students.validation import village_key

if TYPE_CHECKING:
    from students.services import StudentData

POSSIBLE_DUPLICATE = "possible_duplicate"
SHARED_HOUSEHOLD = "shared_household"


def _visible(actor: User, pupil_ids: Iterable[int]) -> set[int]:
    ids = list(pupil_ids)
    if not ids:
        return set()
    visible = Student.objects.visible_to(actor).filter(pk__in=ids)
    return set(visible.values_list("pk", flat=True))


def describe_pupil(pupil: Student, *, visible: bool) -> str:
    """“Giàng Seo Phủ (mã 0308246281, Trường …, lớp 6A)”, or a masked code outside the scope."""
    if visible:
        return _("%(name)s (mã %(code)s, %(school)s, lớp %(class)s)") % {
            "name": pupil.full_name,
            "code": pupil.pupil_code,
            "school": pupil.school.name,
            "class": pupil.class_name,
        }
    return _("mã %(code)s (ngoài phạm vi quản lý của bạn)") % {"code": mask(pupil.pupil_code)}


# ------------------------------------------------------------------ personal ID


def check_personal_id(*, actor: User, personal_id: str, exclude_pk: int | None) -> None:
    """Refuse a 12-digit personal ID that another pupil already has."""
    if not personal_id:
        return
    others = Student.objects.filter(personal_id=personal_id).select_related("school")
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    other = others.first()
    if other is None:
        return
    if other.pk in _visible(actor, [other.pk]):
        message = _("Số định danh cá nhân %(id)s đã thuộc học sinh %(pupil)s.") % {
            "id": personal_id,
            "pupil": describe_pupil(other, visible=True),
        }
    else:
        message = _("Số định danh cá nhân %(id)s đã thuộc một học sinh khác.") % {"id": personal_id}
    raise ValidationError({"personal_id": message}, code="personal_id_taken")


# ------------------------------------------------------------ possible duplicates


def possible_duplicates_of(
    *, full_name: str, date_of_birth, commune_id: int, village_name: str, pupil_code: str
) -> QuerySet[Student]:
    """Pupils with the same folded name, birth date and village (or commune, without a
    village) but another pupil code: probably the same child registered twice."""
    folded, _sort = name_keys(full_name)
    same = Student.objects.filter(
        name_key=folded, date_of_birth=date_of_birth, commune_id=commune_id
    ).exclude(pupil_code=pupil_code)
    if village_name:
        same = same.filter(Q(village__key=village_key(village_name)) | Q(village__isnull=True))
    return same.select_related("school").order_by("pk")


def check_possible_duplicates(
    *, actor: User, data: StudentData, exclude_pk: int | None, confirmed: bool
) -> None:
    """A warning the user must confirm: “Có thể trùng với học sinh …”."""
    if confirmed:
        return
    candidates = possible_duplicates_of(
        full_name=data.full_name,
        date_of_birth=data.date_of_birth,
        commune_id=data.commune.pk,
        village_name=data.village_name,
        pupil_code=data.pupil_code,
    )
    if exclude_pk is not None:
        candidates = candidates.exclude(pk=exclude_pk)
    found = list(candidates[:5])
    if not found:
        return
    visible = _visible(actor, [p.pk for p in found])
    described = "; ".join(describe_pupil(p, visible=p.pk in visible) for p in found)
    raise ValidationError(
        _(
            "Có thể trùng với học sinh %(pupils)s: cùng họ tên, ngày sinh và thôn/bản. "
            "Hãy kiểm tra; nếu đúng là học sinh khác, đánh dấu “Tôi đã kiểm tra, đây không "
            "phải học sinh trùng” rồi lưu lại."
        )
        % {"pupils": described},
        code=POSSIBLE_DUPLICATE,
    )


# --------------------------------------------------------------- shared households


def other_school_members(household: Household, *, school_id: int, exclude_pk: int | None):
    members = household.members.exclude(school_id=school_id)
    if exclude_pk is not None:
        members = members.exclude(pk=exclude_pk)
    return members


def check_household_link(
    *,
    household: Household,
    school_id: int,
    exclude_pk: int | None,
    confirmed: bool,
) -> list[str]:
    """Linking a pupil to a household whose pupils study at another school needs a
    confirmation.  Returns the other schools' names (for the audit event)."""
    schools = sorted(
        set(
            other_school_members(household, school_id=school_id, exclude_pk=exclude_pk)
            .values_list("school__name", flat=True)
            .distinct()
        )
    )
    if schools and not confirmed:
        raise ValidationError(
            _(
                "Hộ có mã %(code)s đã có học sinh của %(schools)s. Nếu đúng là anh chị em "
                "cùng hộ, đánh dấu “Xác nhận ghép vào hộ của trường khác” rồi lưu lại."
            )
            % {"code": household.code, "schools": ", ".join(schools)},
            code=SHARED_HOUSEHOLD,
        )
    return schools


def check_household_change(
    *,
    actor: User,
    household: Household,
    school_id: int,
    exclude_pk: int | None,
    category_changes: bool,
) -> None:
    """Refuse changes to a household that is no longer the school's alone to change.

    - its eligibility fields (category, certificate) follow the lock of its approved
      pupils, for everyone (an approver unlocks them first);
    - a school may not change a household one of whose pupils at another school is in
      a submitted or decided proposal: the district decides.
    """
    members = household.members.all()
    if exclude_pk is not None:
        members = members.exclude(pk=exclude_pk)
    if category_changes and members.filter(eligibility_locked=True).exists():
        raise ValidationError(
            _(
                "Hộ có mã %(code)s có học sinh đã được duyệt hỗ trợ: không sửa được diện hộ "
                "và số giấy chứng nhận. Đề nghị Phòng GD&ĐT mở khóa trước khi sửa."
            )
            % {"code": household.code or household.pk}
        )
    if not actor.scope.is_school:
        return
    if dependents.any_decided(members.exclude(school_id=school_id)):
        raise ValidationError(
            _(
                "Hộ có mã %(code)s có học sinh của trường khác đang trong danh sách đề xuất "
                "đã gửi hoặc đã duyệt: trường không được sửa thông tin hộ. Phòng GD&ĐT sẽ "
                "quyết định việc thay đổi."
            )
            % {"code": household.code or household.pk}
        )
