"""Reads for devices and data packages: scoped querysets with their joins done once."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from accounts.models import User


def can_receive_devices(user: User) -> bool:
    """The provincial stock is filled by provincial staff who allocate or manage donations."""
    return bool(
        user.is_authenticated
        and user.scope.is_provincial
        and (user.can("can_allocate") or user.can("can_manage_donations"))
    )
