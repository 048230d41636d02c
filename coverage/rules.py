"""Who may do what to coverage points: manage them, report the signal at a school.

Views, services and templates ask these (``accounts.access``); a "no" is refused
with 404 by the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.access import is_school_user, predicate
from schools.models import District, School

if TYPE_CHECKING:
    from accounts.models import User


@predicate
def may_manage_coverage(user: User) -> bool:
    return user.can("can_manage_coverage")


@predicate
def may_report_at_own_school(user: User) -> bool:
    """School staff report the signal measured at their school or its sites."""
    return user.can("can_report_coverage") and is_school_user(user)


@predicate
def may_report_for_school(user: User, school_id: int | None) -> bool:
    """A school reports for itself only; a coverage officer for any school in scope."""
    if school_id is None:
        return False
    if may_manage_coverage(user):
        return School.objects.visible_to(user).filter(pk=school_id).exists()
    return may_report_at_own_school(user) and user.scope.school_id == school_id


@predicate
def works_in_district(user: User, district_id: int) -> bool:
    """A point may be placed in a district the user sees, or a school's own district
    (a school works inside it without being able to open the district's pages)."""
    if is_school_user(user) and user.scope.district_id == district_id:
        return True
    return District.objects.visible_to(user).filter(pk=district_id).exists()
