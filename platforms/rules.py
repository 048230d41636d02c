"""Who may do what to the platform catalogue and to pupils' platform accounts.

Views, services and templates ask these (``accounts.access``); a "no" is refused with
404 by the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.access import is_provincial_user, is_school_user, predicate

if TYPE_CHECKING:
    from accounts.models import User
    from students.models import Student


@predicate
def may_manage_catalogue(user: User) -> bool:
    """The catalogue is the province's (its officers who run rounds) and the administrators'."""
    return is_provincial_user(user) and (
        user.can("can_manage_rounds") or user.can("can_manage_users")
    )


@predicate
def may_manage_accounts_of(user: User, student: Student) -> bool:
    """A pupil's platform accounts are set up by staff of the pupil's own school; the
    district and the province read them."""
    return (
        is_school_user(user)
        and user.can("can_edit_students")
        and user.scope.school_id == student.school_id
    )
