"""Who may read the provincial progress reports.

Views ask these (``accounts.access``); a "no" is refused with 404 by the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.access import is_provincial_user, predicate

if TYPE_CHECKING:
    from accounts.models import User
    from reports.models import OutreachActivity


@predicate
def may_read_progress_reports(user: User) -> bool:
    """The periodic progress report is the province's: its officers who read reports."""
    return is_provincial_user(user) and user.can("can_view_reports")


@predicate
def may_edit_outreach(user: User, activity: OutreachActivity) -> bool:
    """Each unit keeps its own log: an activity is edited by users of the unit that held it
    (the province's own activities by its province's officers)."""
    if not user.can("can_view_reports"):
        return False
    scope = user.scope
    if scope.is_school:
        return activity.school_id == scope.school_id and activity.district_id is None
    if scope.is_district:
        return activity.school_id is None and activity.district_id == scope.district_id
    if scope.is_provincial:
        return (
            activity.school_id is None
            and activity.district_id is None
            and scope.covers_province(activity.created_by.province_id)
        )
    return False
