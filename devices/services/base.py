"""Helpers shared by the devices services."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from django.http import Http404
from django.utils import timezone

from accounts.services import record_audit

if TYPE_CHECKING:
    from accounts.models import User
    from devices.models import Device, Subscription


def require(actor: User, *capabilities: str) -> None:
    """404 unless the actor's role has one of ``capabilities`` (see ``accounts.access``)."""
    if not any(actor.can(c) for c in capabilities):
        raise Http404


def today() -> dt.date:
    """Today in Vietnam."""
    return timezone.localdate()


def set_status(
    obj: Device | Subscription,
    status: str,
    *,
    actor: User | None,
    action: str,
    reason: str = "",
    school_id: int | None = None,
    district_id: int | None = None,
    more: dict[str, list[Any]] | None = None,
) -> None:
    """Move a device or a subscription to ``status`` and leave the audit entry: the
    status before and after, then ``more`` changes."""
    before = obj.status
    obj.status = status
    obj.save(update_fields=["status", "updated_at"])
    record_audit(
        actor=actor,
        action=action,
        obj=obj,
        changes={"status": [before, status], **(more or {})},
        reason=reason,
        school_id=school_id,
        district_id=district_id,
    )
