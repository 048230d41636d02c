"""Who may manage donations: donors, pledges, receipts, spending.

Donations are the province's own business (one fund account per province), so the
rule is a role at provincial level. Views, services, templates and the donations
querysets ask it (``accounts.access``); a "no" is refused with 404 by the caller.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from accounts.access import is_provincial_user, predicate

if TYPE_CHECKING:
    from accounts.models import User


@predicate
def may_manage_donations(user: User) -> bool:
    """A provincial user whose role manages donations."""
    return bool(
        user.is_authenticated and is_provincial_user(user) and user.can("can_manage_donations")
    )
