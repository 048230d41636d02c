"""Helpers shared by the devices services."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

from django.http import Http404
from django.utils import timezone

if TYPE_CHECKING:
    from accounts.models import User


def require(actor: User, *capabilities: str) -> None:
    """404 unless the actor's role has one of ``capabilities`` (see ``accounts.access``)."""
    if not any(actor.can(c) for c in capabilities):
        raise Http404


def today() -> dt.date:
    """Today in Vietnam."""
    return timezone.localdate()
