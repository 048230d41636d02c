"""Who may read the provincial progress reports.

Views ask these (``accounts.access``); a "no" is refused with 404 by the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.access import is_provincial_user, predicate

if TYPE_CHECKING:
    from accounts.models import User


@predicate
def may_read_progress_reports(user: User) -> bool:
    """The periodic progress report is the province's: its officers who read reports."""
    return is_provincial_user(user) and user.can("can_view_reports")
